"""`Gateway`: A2A over HTTP (JSON-RPC and HTTP+JSON, SSE streaming) for the agents on Kafka.

One gateway serves every agent registered on its cluster, each under its own path prefix::

    {public_url}/agents                                     the registered agents (JSON)
    {public_url}/agents/{name}/.well-known/agent-card.json  the agent's card, rewritten
    {public_url}/agents/{name}/                             JSON-RPC 2.0 (POST; SSE streams)
    {public_url}/agents/{name}/rest/...                     HTTP+JSON (``/message:send``, ...)

so an A2A client is pointed at ``{public_url}/agents/{name}``. The card is the one the agent
published to the registry, with its interfaces replaced by the two above (served with
``Cache-Control: public, max-age=<card_ttl>`` and an ETag). The HTTP side is
a2a-sdk's own routes; behind them a `ForwardingHandler` per agent makes the same call over
Kafka through one `Requester` (one producer, one private reply topic) that every agent and
every HTTP caller share. A gateway keeps no state of its own: start as many as wanted,
behind any load balancer; a task started through one is seen and followed through another.

Per call: ``Authorization``, ``A2A-Version``, ``A2A-Extensions`` and the W3C trace headers
travel in the request record's headers. The caller may bound the call with the header
``A2A-Kafka-Timeout: <seconds>`` (for a stream: the longest wait for each next event); the
deadline goes into the record, so an agent that picks the request up later skips it.
Without it `KafkaConfig.request_timeout` (streams: ``stream_idle_timeout``) applies.
A name that is not registered is a 404; a registry that cannot be read, a 503.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

from a2a.server.context import ServerCallContext
from a2a.server.routes import (
    DefaultServerCallContextBuilder,
    create_agent_card_routes,
    create_jsonrpc_routes,
    create_rest_routes,
)
from a2a.types.a2a_pb2 import AgentCard, AgentInterface
from a2a.utils.constants import PROTOCOL_VERSION_CURRENT, TransportProtocol
from a2a.utils.errors import InvalidRequestError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from a2a_kafka.client.requester import Requester
from a2a_kafka.client.transport import KafkaTransport
from a2a_kafka.config import KafkaConfig
from a2a_kafka.errors import AgentNotFoundError, BrokerError, ConfigurationError
from a2a_kafka.gateway.app_server import AppServer
from a2a_kafka.gateway.forward import DEADLINE_STATE, FORWARDED_HEADERS, ForwardingHandler
from a2a_kafka.registry import KAFKA_PROTOCOL_BINDING, AgentRegistry

AGENTS_PATH = "/agents"
REST_PATH = "/rest"
TIMEOUT_HEADER = "A2A-Kafka-Timeout"
"""Request header: seconds the caller waits at most (a positive number)."""
MISS_INTERVAL = 1.0
"""Seconds between registry re-reads caused by names the gateway does not know."""


class Gateway:
    """The HTTP face of the agents on one Kafka cluster (see the module docstring).

    Args:
        config: the cluster and client settings (timeouts included).
        public_url: the base URL callers use; the cards list URLs under it.
        card_ttl: seconds a card read from the registry is served before it is read again.
        requester: share an existing requester; by default the gateway owns one.
        forwarded_headers: the inbound headers that travel to the agent.
    """

    def __init__(
        self,
        config: KafkaConfig,
        public_url: str,
        *,
        card_ttl: float = 30.0,
        requester: Requester | None = None,
        forwarded_headers: tuple[str, ...] = FORWARDED_HEADERS,
    ) -> None:
        self.config = config
        self.public_url = public_url.rstrip("/")
        self.requester = requester or Requester(config)
        self._owns_requester = requester is None
        self._card_ttl = card_ttl
        self._headers = forwarded_headers
        self._registry = AgentRegistry(config)
        self._cards: dict[str, AgentCard] = {}
        self._read_at = -math.inf
        self._lock = asyncio.Lock()
        self._apps: dict[str, Starlette] = {}

    async def start(self) -> None:
        """Connect the requester (its reply topic exists before the first call)."""
        await self.requester.start()

    async def aclose(self) -> None:
        """Close the requester if the gateway owns it. Idempotent."""
        if self._owns_requester:
            await self.requester.aclose()

    def app(self) -> Starlette:
        """The ASGI app."""
        return Starlette(
            routes=[
                Route(AGENTS_PATH, self._list, methods=["GET"]),
                Mount(AGENTS_PATH + "/{agent}", app=self._dispatch),
            ]
        )

    def agent_url(self, name: str) -> str:
        """Where an A2A client is pointed for agent ``name``."""
        return f"{self.public_url}{AGENTS_PATH}/{name}"

    def http_card(self, name: str, card: AgentCard) -> AgentCard:
        """``card`` with the gateway's JSON-RPC and HTTP+JSON interfaces as its only ones."""
        version = next(
            (
                i.protocol_version
                for i in card.supported_interfaces
                if i.protocol_binding == KAFKA_PROTOCOL_BINDING and i.protocol_version
            ),
            PROTOCOL_VERSION_CURRENT,
        )
        base = self.agent_url(name)
        result = AgentCard()
        result.CopyFrom(card)
        del result.supported_interfaces[:]
        result.supported_interfaces.extend(
            [
                AgentInterface(
                    url=f"{base}/",
                    protocol_binding=TransportProtocol.JSONRPC,
                    protocol_version=version,
                ),
                AgentInterface(
                    url=f"{base}{REST_PATH}",
                    protocol_binding=TransportProtocol.HTTP_JSON,
                    protocol_version=version,
                ),
            ]
        )
        return result

    async def cards(self, wanted: str = "") -> dict[str, AgentCard]:
        """The registered cards, re-read after ``card_ttl`` s (or 1 s if ``wanted`` is unknown)."""
        if self._due(wanted):
            async with self._lock:  # one registry read, however many requests wait for it
                if self._due(wanted):
                    self._cards = await self._registry.cards()
                    self._read_at = time.monotonic()
        return self._cards

    async def card(self, name: str) -> AgentCard:
        """The registered card of ``name``; `AgentNotFoundError` if there is none."""
        cards = await self.cards(name)
        if name not in cards:
            raise AgentNotFoundError(
                f"no agent named {name!r} is registered on {self.config.bootstrap_servers}"
            )
        return cards[name]

    def _due(self, name: str) -> bool:
        age = time.monotonic() - self._read_at
        return age > self._card_ttl or (name not in self._cards and age > MISS_INTERVAL)

    async def _list(self, _: Request) -> Response:
        try:
            cards = await self.cards()
        except BrokerError as exc:
            return JSONResponse({"error": str(exc)}, status_code=503)
        return JSONResponse({name: self.agent_url(name) for name in sorted(cards)})

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = scope["path_params"]["agent"]
        response: Response | None = None
        try:
            card = await self.card(name)
        except AgentNotFoundError as exc:
            response = JSONResponse({"error": str(exc)}, status_code=404)
        except BrokerError as exc:
            response = JSONResponse({"error": str(exc)}, status_code=503)
        if response is not None:
            await response(scope, receive, send)
            return
        if name not in self._apps:
            self._apps[name] = self._agent_app(name, card)
        await self._apps[name](scope, receive, send)

    def _agent_app(self, name: str, card: AgentCard) -> Starlette:
        handler = ForwardingHandler(
            KafkaTransport(self.requester, name),
            card_filter=lambda card: self.http_card(name, card),
            forwarded_headers=self._headers,
        )

        async def current_card(_: AgentCard) -> AgentCard:
            return self.http_card(name, await self.card(name))

        builder = _ContextBuilder()
        return Starlette(
            routes=[
                *create_agent_card_routes(
                    self.http_card(name, card),
                    card_modifier=current_card,
                    cache_control=f"public, max-age={max(int(self._card_ttl), 0)}",
                ),
                *create_jsonrpc_routes(handler, "/", context_builder=builder),
                *create_rest_routes(handler, context_builder=builder, path_prefix=REST_PATH),
            ]
        )


class _ContextBuilder(DefaultServerCallContextBuilder):
    """a2a's context, plus the caller's deadline from `TIMEOUT_HEADER`."""

    def build(self, request: Any) -> ServerCallContext:
        context = super().build(request)
        raw = request.headers.get(TIMEOUT_HEADER)
        if raw is not None:
            context.state[DEADLINE_STATE] = time.time() + _seconds(raw)
        return context


def _seconds(raw: str) -> float:
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise InvalidRequestError(
            message=f"{TIMEOUT_HEADER} must be a positive number of seconds, not {raw!r}"
        )
    return seconds


class GatewayServer(AppServer):
    """A `Gateway` served by uvicorn in the running event loop (`a2a-kafka gateway`).

    Args:
        config: the cluster and client settings.
        host: interface to bind.
        port: port to bind; 0 lets the OS choose.
        public_url: the base URL the cards advertise; this server's own URL by default.
        card_ttl: see `Gateway`.
    """

    def __init__(
        self,
        config: KafkaConfig,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        public_url: str | None = None,
        card_ttl: float = 30.0,
    ) -> None:
        super().__init__(None, host, port)
        self._public_url = public_url
        self.gateway = Gateway(config, public_url or "", card_ttl=card_ttl)

    def make_app(self) -> Starlette:
        """The gateway's app, its public URL settled now that the port is known."""
        self.gateway.public_url = (self._public_url or self.url).rstrip("/")
        return self.gateway.app()

    async def start(self) -> None:
        """Connect to the cluster, then listen."""
        await self.gateway.start()
        try:
            await super().start()
        except BaseException as exc:
            await self.gateway.aclose()
            if isinstance(exc, OSError):  # e.g. the port is taken
                raise ConfigurationError(
                    f"cannot listen on {self.host}:{self.port}: {exc}"
                ) from exc
            raise

    async def aclose(self) -> None:
        """Stop listening (open streams get the grace period), then disconnect. Idempotent."""
        await super().aclose()
        await self.gateway.aclose()
