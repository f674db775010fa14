"""The web GUI: chat with the game-balance agents over Kafka and watch the wire.

One Starlette app (`app.build_app`) serves a static page (``static/``: HTML, CSS and plain
JavaScript; no build step, nothing fetched from elsewhere) and streams, as Server-Sent Events,
the A2A events of each chat turn (`chat.ChatService`, mapped by `events.EventMapper`, answers
rendered by `markdown` with charts by `chart`) and every Kafka record of the agents' traffic
(`observer.WireObserver`, correlated by `wire.Correlator`). `server.run_gui` puts it together;
``a2a-kafka gui`` runs it with the three agents. See docs/gui.md.
"""

from game_balance.gui.app import GuiState, build_app
from game_balance.gui.chat import ChatService, ChatSettings
from game_balance.gui.observer import WireObserver
from game_balance.gui.server import GUI_CLIENT_ID, GuiServer, run_gui

__all__ = [
    "GUI_CLIENT_ID",
    "ChatService",
    "ChatSettings",
    "GuiServer",
    "GuiState",
    "WireObserver",
    "build_app",
    "run_gui",
]
