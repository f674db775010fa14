"""Serving a request handler over HTTP JSON-RPC beside Kafka (extra ``a2a-kafka[http]``).

- `jsonrpc_interface(url)`: the card interface of a JSON-RPC endpoint at ``url``.
- `jsonrpc_app(handler, card)`: a Starlette app with the card at
  ``/.well-known/agent-card.json`` and JSON-RPC (with SSE streaming) at ``/``.
- `AppServer`: runs an ASGI app with uvicorn inside the running event loop;
  ``a2a-kafka serve --transport both|http`` uses it, and so do the demo's GUI and tests.

Importing this module needs starlette and uvicorn (``pip install 'a2a-kafka[http]'``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Generator
from types import TracebackType
from typing import Self

import uvicorn
from a2a.server.request_handlers.request_handler import RequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.types.a2a_pb2 import AgentCard, AgentInterface
from a2a.utils.constants import PROTOCOL_VERSION_CURRENT, TransportProtocol
from starlette.applications import Starlette

RPC_PATH = "/"
"""Where `jsonrpc_app` serves JSON-RPC."""

SHUTDOWN_GRACE_S = 2
"""Seconds `AppServer.aclose` lets open requests finish."""


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
