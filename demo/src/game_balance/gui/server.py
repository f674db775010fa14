"""Serving the GUI: uvicorn inside the running event loop, wired to Kafka.

`run_gui(config)` starts the wire observer, the page's own Kafka client (client id
`GUI_CLIENT_ID`, so its reply topic reads ``a2a.replies.a2a-kafka-gui.<hex>`` on the wire) and
the web server; it yields the `GuiServer` (``.url``). The agents themselves run elsewhere:
in this process (`game_balance.serve_kafka.run_kafka_agents`, as ``a2a-kafka gui`` does) or
in any other process on the same cluster.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence

from starlette.applications import Starlette

from a2a_kafka import KafkaClients, KafkaConfig
from a2a_kafka.http_server import AppServer
from a2a_kafka.telemetry import waterfall
from game_balance.gui.app import GuiState, build_app
from game_balance.gui.chat import ChatService, ChatSettings
from game_balance.gui.observer import WireObserver
from game_balance.serve_kafka import kafka_connector

GUI_CLIENT_ID = "a2a-kafka-gui"
DEFAULT_AGENTS = ("balance", "data", "cs")


class GuiServer(AppServer):
    """The GUI's web server (bound and listening when `start` returns).

    Args:
        app: the app (`game_balance.gui.app.build_app`).
        state: the app's state (its ``stopping`` event is set on close, ending open streams).
        host: interface to bind.
        port: port to bind; 0 lets the OS choose.
    """

    def __init__(self, app: Starlette, state: GuiState, host: str = "127.0.0.1", port: int = 0):
        super().__init__(app, host, port)
        self.state = state
        self.observer: WireObserver | None = None

    @property
    def url(self) -> str:
        """The page's address."""
        return f"{super().url}/"

    async def aclose(self) -> None:
        """End open streams, stop serving and wait for the server; idempotent."""
        self.state.stopping.set()
        await super().aclose()


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
        recent = stack.enter_context(waterfall.install())
        chat = ChatService(
            kafka_connector(clients), config, settings, observer.unanswered, recent=recent
        )
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
