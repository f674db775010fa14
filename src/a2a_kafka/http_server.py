"""Serving a request handler over HTTP JSON-RPC beside Kafka (extra ``a2a-kafka[http]``).

- `jsonrpc_interface(url)`: the card interface of a JSON-RPC endpoint at ``url``.
- `jsonrpc_app(handler, card)`: a Starlette app with the card at
  ``/.well-known/agent-card.json`` and JSON-RPC (with SSE streaming) at ``/``.
- `AppServer` (`a2a_kafka.gateway.app_server`'s, re-exported): runs an ASGI app with
  uvicorn inside the running event loop; ``a2a-kafka serve --transport both|http`` uses
  it, and so do the gateway, the demo's GUI and tests.

Importing this module needs starlette and uvicorn (``pip install 'a2a-kafka[http]'``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from a2a.server.request_handlers.request_handler import RequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.types.a2a_pb2 import AgentCard, AgentInterface
from a2a.utils.constants import PROTOCOL_VERSION_CURRENT, TransportProtocol
from starlette.applications import Starlette

from a2a_kafka.gateway.app_server import AppServer

__all__ = ["RPC_PATH", "AppServer", "jsonrpc_app", "jsonrpc_interface"]

RPC_PATH = "/"
"""Where `jsonrpc_app` serves JSON-RPC."""


def jsonrpc_interface(base_url: str) -> AgentInterface:
    """The card interface of a JSON-RPC endpoint served at `base_url` (``RPC_PATH``)."""
    return AgentInterface(
        url=base_url.rstrip("/") + RPC_PATH,
        protocol_binding=TransportProtocol.JSONRPC,
        protocol_version=PROTOCOL_VERSION_CURRENT,
    )


def jsonrpc_app(
    handler: RequestHandler, card: AgentCard, *, close_handler: bool = False
) -> Starlette:
    """A Starlette app serving `handler` over JSON-RPC and `card` at the well-known path.

    ``close_handler``: the app's shutdown closes the handler (when it has ``aclose``).
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        aclose = getattr(handler, "aclose", None)
        if close_handler and aclose is not None:
            await aclose()

    routes = [*create_agent_card_routes(card), *create_jsonrpc_routes(handler, RPC_PATH)]
    return Starlette(routes=routes, lifespan=lifespan)
