"""`Bridge`: an HTTP-only A2A agent served on Kafka under a name (``a2a-kafka bridge``).

The bridge reads the agent's card from ``<url>/.well-known/agent-card.json``, consumes the
request topic of ``name`` like any agent server (`KafkaConsumerHandler`, consumer group,
dedupe, dead letters, several instances side by side) and answers every request by making the
same call over the agent's own HTTP binding (JSON-RPC or HTTP+JSON, whichever its card lists
first) with a2a-sdk's client transport, through a `ForwardingHandler`. Results, stream events
and A2A errors come back unchanged. The card published to the registry is the agent's, with
the Kafka interface added first (its HTTP interfaces stay, for callers that prefer them).

Per call: the record's ``Authorization``, ``A2A-Version``, ``A2A-Extensions`` and trace
headers become HTTP headers; the record's deadline becomes the HTTP call's timeout (for a
stream, the wait for each next event).
"""

from __future__ import annotations

from typing import Any

import httpx
from a2a.client.card_resolver import A2ACardResolver
from a2a.client.transports.base import ClientTransport
from a2a.client.transports.jsonrpc import JsonRpcTransport
from a2a.client.transports.rest import RestTransport
from a2a.server.context import ServerCallContext
from a2a.types.a2a_pb2 import AgentCard
from a2a.utils.constants import PROTOCOL_VERSION_CURRENT, VERSION_HEADER, TransportProtocol
from a2a.utils.errors import A2AError
from google.protobuf.json_format import ParseError

from a2a_kafka.config import KafkaConfig
from a2a_kafka.errors import ConfigurationError
from a2a_kafka.gateway.forward import DEADLINE_STATE, ForwardingHandler
from a2a_kafka.registry import with_kafka_interface
from a2a_kafka.server.handler import KafkaConsumerHandler
from a2a_kafka.server.router import default_context
from a2a_kafka.wire import RequestMeta

TRANSPORTS: dict[str, type[JsonRpcTransport] | type[RestTransport]] = {
    TransportProtocol.JSONRPC: JsonRpcTransport,
    TransportProtocol.HTTP_JSON: RestTransport,
}
"""The HTTP bindings the bridge speaks, by ``protocolBinding``."""


def http_transport(client: httpx.AsyncClient, card: AgentCard) -> ClientTransport:
    """a2a-sdk's client transport for the first 1.x HTTP interface ``card`` lists."""
    for interface in card.supported_interfaces:
        kind = TRANSPORTS.get(interface.protocol_binding)
        if kind is not None and not interface.protocol_version.startswith("0."):
            return kind(client, card, interface.url, is_shared_httpx=True)
    bindings = sorted({i.protocol_binding for i in card.supported_interfaces})
    raise ConfigurationError(
        f"agent {card.name!r} lists no A2A 1.x JSON-RPC or HTTP+JSON interface "
        f"(it lists: {', '.join(bindings) or 'none'})"
    )


def deadline_context(meta: RequestMeta) -> ServerCallContext:
    """The Kafka server's usual context, plus the caller's deadline for the HTTP call."""
    context = default_context(meta)
    if meta.deadline is not None:
        context.state[DEADLINE_STATE] = meta.deadline
    return context


class Bridge:
    """Serves the HTTP agent at ``url`` on Kafka as agent ``name``.

    Args:
        name: the agent's name on the cluster (topics ``agent.<name>.*``).
        url: the agent's base URL (its card is at ``/.well-known/agent-card.json``).
        config: the cluster and client settings.
        httpx_client: share a client; by default the bridge owns one.
        options: passed to `KafkaConsumerHandler` (``max_in_flight``, ``dedupe``, ...).
    """

    def __init__(
        self,
        name: str,
        url: str,
        config: KafkaConfig,
        *,
        httpx_client: httpx.AsyncClient | None = None,
        **options: Any,
    ) -> None:
        self.name = name
        self.url = url
        self.config = config
        self.card: AgentCard | None = None
        self.server: KafkaConsumerHandler | None = None
        self._http = httpx_client or httpx.AsyncClient(timeout=config.request_timeout)
        self._owns_http = httpx_client is None
        self._http.headers.setdefault(VERSION_HEADER, PROTOCOL_VERSION_CURRENT)
        self._options = options

    async def start(self) -> None:
        """Read the agent's card, then serve its name on Kafka (returns once assigned)."""
        if self.server is not None:
            return
        try:
            self.card = await A2ACardResolver(self._http, self.url).get_agent_card()
        except (A2AError, ParseError) as exc:  # unreachable, not A2A, not a card
            raise ConfigurationError(f"cannot read the agent card at {self.url}: {exc}") from exc
        handler = ForwardingHandler(
            http_transport(self._http, self.card),
            card_filter=lambda card: with_kafka_interface(card, self.config, self.name),
        )
        server = KafkaConsumerHandler(
            self.name,
            handler,
            self.config,
            agent_card=self.card,
            context_builder=deadline_context,
            **self._options,
        )
        await server.start()  # closes itself if it fails
        self.server = server

    async def aclose(self) -> None:
        """Drain and stop serving, then close the HTTP client if owned. Idempotent."""
        if self.server is not None:
            await self.server.aclose()
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Bridge:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
