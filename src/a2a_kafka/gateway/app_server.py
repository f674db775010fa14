"""`AppServer`: an ASGI app served by uvicorn inside the running event loop.

Used by the gateway, the demo's HTTP agents, the GUI and the tests. Imports uvicorn: import this
module only where an HTTP server is wanted.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Generator
from types import TracebackType
from typing import Self

import uvicorn
from starlette.applications import Starlette

SHUTDOWN_GRACE_S = 2
"""Seconds open connections get to finish when the server stops."""


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
