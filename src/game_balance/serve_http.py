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

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence

import httpx
from a2a.client import A2ACardResolver, Client, ClientFactory
from a2a.server.agent_execution import AgentExecutor
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore
from a2a.types import AgentCard, AgentInterface
from a2a.utils.constants import PROTOCOL_VERSION_CURRENT, TransportProtocol
from starlette.applications import Starlette

from a2a_kafka.gateway.app_server import AppServer as AppServer  # re-exported
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
