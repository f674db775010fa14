"""Serving the GUI: uvicorn inside the running event loop, wired to Kafka.

`run_gui(config)` starts the wire observer, the page's own Kafka client (client id
`GUI_CLIENT_ID`, so its reply topic reads ``a2a.replies.a2a-kafka-gui.<hex>`` on the wire) and
the web server; it yields the `GuiServer` (``.url``). The agents themselves run elsewhere:
in this process (`game_balance.serve_kafka.run_kafka_agents`, as ``a2a-kafka gui`` does) or
in any other process on the same cluster.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Generator, Sequence

import uvicorn
from starlette.applications import Starlette

from a2a_kafka import KafkaClients, KafkaConfig
from game_balance.gui.app import GuiState, build_app
from game_balance.gui.chat import ChatService, ChatSettings
from game_balance.gui.observer import WireObserver
from game_balance.serve_kafka import kafka_connector

GUI_CLIENT_ID = "a2a-kafka-gui"
DEFAULT_AGENTS = ("balance", "data", "cs")
SHUTDOWN_GRACE_S = 2


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to its host program."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class GuiServer:
    """The GUI's web server (bound and listening when `start` returns).

    Args:
        app: the app (`game_balance.gui.app.build_app`).
        state: the app's state (its ``stopping`` event is set on close, ending open streams).
        host: interface to bind.
        port: port to bind; 0 lets the OS choose.
    """

    def __init__(self, app: Starlette, state: GuiState, host: str = "127.0.0.1", port: int = 0):
        self.app = app
        self.state = state
        self.host = host
        self.port = port
        self.observer: WireObserver | None = None
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """The page's address."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    async def start(self) -> None:
        """Bind, listen and serve in a background task."""
        sock = socket.create_server(
            (self.host, self.port),
            family=socket.AF_INET6 if ":" in self.host else socket.AF_INET,
            backlog=128,
        )
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            log_level="warning",
            timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
        )
        self._server = _EmbeddedServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))

    async def aclose(self) -> None:
        """End open streams, stop serving and wait for the server; idempotent."""
        self.state.stopping.set()
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        task, self._task = self._task, None
        await task


@contextlib.asynccontextmanager
async def run_gui(
    config: KafkaConfig,
    *,
    agents: Sequence[str] = DEFAULT_AGENTS,
    host: str = "127.0.0.1",
    port: int = 0,
    settings: ChatSettings | None = None,
) -> AsyncIterator[GuiServer]:
    """Serve the GUI for ``agents`` on the cluster of ``config``; yield the running server.

    The wire observer starts first; wait for ``server.observer.ready`` to be sure the page's
    first request will be on the wire panel.
    """
    settings = settings or ChatSettings()
    async with contextlib.AsyncExitStack() as stack:
        observer = WireObserver(config, agents)
        await observer.start()
        stack.push_async_callback(observer.aclose)
        clients = await stack.enter_async_context(
            KafkaClients(config.with_(client_id=GUI_CLIENT_ID))
        )
        chat = ChatService(kafka_connector(clients), config, settings, observer.unanswered)
        state = GuiState(
            chat,
            observer,
            list(agents),
            cards=clients.registry.cards,
            settings={"idle_timeout": settings.idle_timeout, "topic_prefix": config.topic_prefix},
        )
        server = GuiServer(build_app(state), state, host, port)
        server.observer = observer
        await server.start()
        stack.push_async_callback(server.aclose)
        yield server
