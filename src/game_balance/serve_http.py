"""Serving the agents over HTTP (A2A JSON-RPC binding) and reaching them over HTTP.

- `build_http_app(executor, card)`: a Starlette app with the agent card at
  ``/.well-known/agent-card.json`` and JSON-RPC (with SSE streaming) at ``/``, backed by
  `DefaultRequestHandler` and an `InMemoryTaskStore`.
- `HttpAgentServer`: runs such an app with uvicorn inside the current event loop, on a port
  chosen by the OS unless given; its card advertises its own URL.
- `http_connector(urls)`: the Balance Agent's `Connector` for agents served this way.
- `run_http_agents(data)`: all three agents served this way, wired together.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable, Generator, Mapping, Sequence
from types import TracebackType
from typing import Self

import httpx
import uvicorn
from a2a.client import A2ACardResolver, Client, ClientFactory
from a2a.server.agent_execution import AgentExecutor
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore
from a2a.types import AgentCard, AgentInterface
from a2a.utils.constants import PROTOCOL_VERSION_CURRENT, TransportProtocol
from starlette.applications import Starlette

from game_balance.agents import CARD_BUILDERS, Phraser, build_executor
from game_balance.connectors import (
    ClientFactoryConnector,
    UnknownAgentError,
    caching,
    streaming_config,
)
from game_balance.data.queries import GameData

CardBuilder = Callable[[Sequence[AgentInterface]], AgentCard]
"""One of the agents' card functions, e.g. `data_agent_card`."""

RPC_PATH = "/"
SHUTDOWN_GRACE_S = 2


def jsonrpc_interface(base_url: str) -> AgentInterface:
    """The card interface of a JSON-RPC endpoint served at `base_url` (``RPC_PATH``)."""
    return AgentInterface(
        url=base_url.rstrip("/") + RPC_PATH,
        protocol_binding=TransportProtocol.JSONRPC,
        protocol_version=PROTOCOL_VERSION_CURRENT,
    )


def build_http_app(executor: AgentExecutor, card: AgentCard) -> Starlette:
    """A Starlette app serving `executor` over JSON-RPC and `card` at the well-known path."""
    handler = DefaultRequestHandler(
        agent_executor=executor, task_store=InMemoryTaskStore(), agent_card=card
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await handler.aclose()

    routes = [*create_agent_card_routes(card), *create_jsonrpc_routes(handler, RPC_PATH)]
    return Starlette(routes=routes, lifespan=lifespan)


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to its host program."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class AppServer:
    """An ASGI app served by uvicorn inside the running event loop.

    The listening socket is bound and listening when `start` returns, so clients may connect
    at once (connections wait in the backlog until uvicorn accepts them). Subclasses build
    the app in `make_app`, once the port (and so `url`) is known.

    Args:
        app: The app, unless a subclass builds it.
        host: Interface to bind.
        port: Port to bind; 0 lets the OS choose a free one.
    """

    def __init__(self, app: Starlette | None = None, host: str = "127.0.0.1", port: int = 0):
        self.app = app
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """The base URL."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def make_app(self) -> Starlette:
        """The app to serve (called by `start`, after the port is bound)."""
        assert self.app is not None, "give an app or override make_app"
        return self.app

    async def start(self) -> None:
        """Bind, listen and start serving in a background task."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.create_server((self.host, self.port), family=family, backlog=128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.make_app(),
            lifespan="on",
            log_level="warning",
            timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
        )
        self._server = _EmbeddedServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))

    async def aclose(self) -> None:
        """Stop serving and wait for the server to finish; idempotent."""
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        task, self._task = self._task, None
        await task

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


class HttpAgentServer(AppServer):
    """One agent served over HTTP (JSON-RPC and its card) by an `AppServer`.

    Args:
        executor: The agent.
        card_for: Builds the agent's card from its interfaces (given this server's URL).
        host: Interface to bind.
        port: Port to bind; 0 lets the OS choose a free one.
    """

    def __init__(
        self,
        executor: AgentExecutor,
        card_for: CardBuilder,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(None, host, port)
        self.executor = executor
        self.card_for = card_for
        self.card: AgentCard | None = None

    def make_app(self) -> Starlette:
        """The agent's app; its card advertises this server's URL."""
        self.card = self.card_for([jsonrpc_interface(self.url)])
        return build_http_app(self.executor, self.card)


def http_connector(
    urls: Mapping[str, str], httpx_client: httpx.AsyncClient | None = None
) -> ClientFactoryConnector:
    """A `Connector` to agents served over HTTP at `urls` (agent name → base URL).

    Cards are fetched from each agent's well-known path once and cached; each connection is
    a streaming JSON-RPC client. With `httpx_client` given, every client shares it (and the
    caller closes it); otherwise each client owns and closes its own.
    """

    async def resolve(agent: str) -> AgentCard:
        if agent not in urls:
            raise UnknownAgentError(agent, sorted(urls))
        if httpx_client is not None:
            return await A2ACardResolver(httpx_client, urls[agent]).get_agent_card()
        async with httpx.AsyncClient() as client:
            return await A2ACardResolver(client, urls[agent]).get_agent_card()

    config = streaming_config(
        httpx_client=httpx_client, supported_protocol_bindings=[TransportProtocol.JSONRPC]
    )
    return ClientFactoryConnector(ClientFactory(config), caching(resolve))


@contextlib.asynccontextmanager
async def run_http_agents(
    data: GameData, host: str = "127.0.0.1", phraser: Phraser | None = None
) -> AsyncIterator[dict[str, str]]:
    """Serve the Data, CS and Balance agents over HTTP on free ports; yield name → base URL.

    The Balance agent reaches the other two through `http_connector`; `phraser` (optional)
    rewords every agent's final answers.
    """
    async with contextlib.AsyncExitStack() as stack:
        urls: dict[str, str] = {}
        for name in ("data", "cs"):
            executor = build_executor(name, data, _no_connector, phraser)
            server = HttpAgentServer(executor, CARD_BUILDERS[name], host)
            urls[name] = (await stack.enter_async_context(server)).url
        balance = build_executor("balance", data, http_connector(dict(urls)), phraser)
        server = HttpAgentServer(balance, CARD_BUILDERS["balance"], host)
        urls["balance"] = (await stack.enter_async_context(server)).url
        yield urls


def _no_connector(agent: str) -> contextlib.AbstractAsyncContextManager[Client]:
    """The connector of agents that call no other agent."""
    raise UnknownAgentError(agent, [])
