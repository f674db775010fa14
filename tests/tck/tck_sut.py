"""The A2A TCK's own agent (`TckAgentExecutor`, unchanged), served over Kafka or directly.

The executor is imported from the TCK checkout's ``sut/a2a-python/sut_agent.py``. That file
also builds its server with a2a-python APIs that a2a-sdk 1.3 no longer has
(``a2a.server.apps``, ``DefaultRequestHandler`` in ``default_request_handler``); its
``main()`` is never run here, so those two names get placeholders before the import.

Both ways use the same request handler, a2a-sdk 1.3's ``LegacyRequestHandler`` (the default
V2 handler rejects this executor: "Agent should enqueue Task before TaskStatusUpdateEvent")::

    python tck_sut.py kafka <agent> [dedupe|no-dedupe]   # KafkaConsumerHandler; "ready"
    python tck_sut.py http            # a2a-sdk's HTTP routes on a free port; prints its URL

Over Kafka, ``no-dedupe`` (the default here) serves without the binding's SendMessage
dedupe (`NoDedupe`); ``dedupe`` keeps `KafkaConsumerHandler`'s default. The TCK sends
byte-identical messages with one message id per session (``tck_id``), where A2A asks for a
unique id per message; the dedupe answers the repeats with the first one's outcome, which
plain HTTP never does (docs/conformance.md).
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
import types
from pathlib import Path

from a2a.server.agent_execution import AgentExecutor
from a2a.server.request_handlers import LegacyRequestHandler
from a2a.server.request_handlers import default_request_handler as legacy_module
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes, create_rest_routes
from a2a.server.tasks import InMemoryTaskStore
from a2a.types.a2a_pb2 import (
    AgentCapabilities,
    AgentCard,
    AgentInterface,
    AgentProvider,
    AgentSkill,
)
from a2a.utils.constants import TransportProtocol
from starlette.applications import Starlette

from a2a_kafka import KafkaConfig, KafkaConsumerHandler
from a2a_kafka.gateway import AppServer
from a2a_kafka.server.dedupe import AbandonedClaim, Claim, MessageKey, Outcome
from a2a_kafka.server.run import serve_until_signal

REST_PATH = "/a2a/rest"
"""Where the TCK's SUT serves HTTP+JSON (its ``REST_URL``)."""


def tck_dir() -> Path:
    """The TCK checkout: ``A2A_TCK_DIR``, else ``../shared/a2a-tck`` next to the repository,
    else ``/work/shared/a2a-tck``."""
    if os.environ.get("A2A_TCK_DIR"):
        return Path(os.environ["A2A_TCK_DIR"])
    sibling = Path(__file__).resolve().parents[2].parent / "shared" / "a2a-tck"
    return sibling if sibling.is_dir() else Path("/work/shared/a2a-tck")


def tck_executor() -> AgentExecutor:
    """A new `TckAgentExecutor`, from the TCK checkout."""
    path = tck_dir() / "sut" / "a2a-python" / "sut_agent.py"
    apps = types.ModuleType("a2a.server.apps")  # used only by the file's main(), not run
    apps.A2ARESTFastAPIApplication = apps.A2AStarletteApplication = None  # type: ignore[attr-defined]
    sys.modules.setdefault("a2a.server.apps", apps)
    if not hasattr(legacy_module, "DefaultRequestHandler"):
        legacy_module.DefaultRequestHandler = LegacyRequestHandler  # type: ignore[attr-defined]
    spec = importlib.util.spec_from_file_location("tck_sut_agent", path)
    assert spec is not None, path
    assert spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    executor: AgentExecutor = module.TckAgentExecutor()
    return executor


def tck_card(interfaces: list[AgentInterface]) -> AgentCard:
    """The SUT's card (as its ``main()`` builds it), with ``interfaces``."""
    return AgentCard(
        name="A2A Python SDK System Under Test (SUT)",
        description="Auto-generated System Under Test for A2A TCK conformance",
        version="1.0.0",
        provider=AgentProvider(organization="A2A Project", url="https://github.com/a2aproject"),
        supported_interfaces=interfaces,
        capabilities=AgentCapabilities(streaming=True, push_notifications=False),
        default_input_modes=["text"],
        default_output_modes=["text"],
        skills=[
            AgentSkill(
                id="tck",
                name="TCK Conformance",
                description="Handles TCK conformance test messages",
                tags=["tck"],
            )
        ],
    )


class NoDedupe:
    """A `DedupeStore` that finds every message new: each delivery runs, as over HTTP."""

    async def start(self) -> None:
        """Nothing to start."""

    async def claim(self, key: MessageKey, owner: str) -> Claim:
        """Always ``new``."""
        return Claim("new")

    async def look(self, key: MessageKey) -> Claim:
        """Always ``new``."""
        return Claim("new")

    async def note_task(
        self, key: MessageKey, owner: str, task_id: str, context_id: str = ""
    ) -> bool:
        """Nothing kept."""
        return True

    async def complete(self, key: MessageKey, owner: str | None, outcome: Outcome) -> bool:
        """Nothing kept."""
        return True

    async def heartbeat(self, owner: str) -> None:
        """No leases."""

    async def abandoned(self, limit: int = 100) -> list[AbandonedClaim]:
        """No claims."""
        return []

    async def take_over(self, key: MessageKey, owner: str) -> bool:
        """No claims."""
        return False

    async def release(self, key: MessageKey) -> bool:
        """No claims."""
        return False

    async def aclose(self) -> None:
        """Nothing to close."""


def request_handler(card: AgentCard) -> LegacyRequestHandler:
    """The one request handler both ways use."""
    return LegacyRequestHandler(tck_executor(), InMemoryTaskStore(), card)


class DirectServer(AppServer):
    """The SUT over a2a-sdk 1.3's own HTTP routes: JSON-RPC at ``/``, HTTP+JSON at /a2a/rest."""

    def make_app(self) -> Starlette:
        card = tck_card(
            [
                AgentInterface(
                    url=f"{self.url}/",
                    protocol_binding=TransportProtocol.JSONRPC,
                    protocol_version="1.0",
                ),
                AgentInterface(
                    url=f"{self.url}{REST_PATH}",
                    protocol_binding=TransportProtocol.HTTP_JSON,
                    protocol_version="1.0",
                ),
            ]
        )
        handler = request_handler(card)
        routes = [
            *create_agent_card_routes(card),
            *create_jsonrpc_routes(handler, "/"),
            *create_rest_routes(handler, path_prefix=REST_PATH),
        ]
        return Starlette(routes=routes)


async def main(argv: list[str]) -> None:
    if argv[0] == "kafka":
        card = tck_card([])
        dedupe = None if argv[2:] == ["dedupe"] else NoDedupe()
        server = KafkaConsumerHandler(
            argv[1], request_handler(card), KafkaConfig.from_env(), agent_card=card, dedupe=dedupe
        )
        await serve_until_signal([server], on_started=lambda: print("ready", flush=True))
        return
    direct = DirectServer()
    await serve_until_signal([direct], on_started=lambda: print(direct.url, flush=True))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
