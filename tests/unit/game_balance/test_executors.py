"""The executors behind a2a's `DefaultRequestHandler`, without any transport."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from a2a.client import Client
from a2a.helpers import get_message_text
from a2a.server.context import ServerCallContext
from a2a.server.events import Event
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.types import (
    CancelTaskRequest,
    Task,
    TaskArtifactUpdateEvent,
    TaskState,
    TaskStatusUpdateEvent,
)
from game_balance_helpers import request_handler, user_message
from google.protobuf.json_format import MessageToDict

from game_balance.agents import build_executor
from game_balance.connectors import UnknownAgentError
from game_balance.data import GameData, MatchFilter, ScanProgress
from game_balance.data.queries import Dimension, ProgressCallback
from game_balance.data.stats import MatchTally


@asynccontextmanager
async def nowhere(agent: str) -> AsyncIterator[Client]:
    """A connector that knows no agent."""
    raise UnknownAgentError(agent, [])
    yield  # pragma: no cover


def handler_for(name: str, data: GameData) -> DefaultRequestHandler:
    return request_handler(name, build_executor(name, data, nowhere))


async def turn(
    handler: DefaultRequestHandler, text: str, follow_up: list[Event] | None = None
) -> list[Event]:
    """Stream one message through the handler; continue `follow_up`'s task if given."""
    request = user_message(text, *_ids(follow_up)) if follow_up else user_message(text)
    return [event async for event in handler.on_message_send_stream(request, ServerCallContext())]


def _ids(events: list[Event]) -> tuple[str, str]:
    event = events[-1]
    assert isinstance(event, TaskStatusUpdateEvent)
    return event.task_id, event.context_id


def _final(events: list[Event]) -> TaskStatusUpdateEvent:
    event = events[-1]
    assert isinstance(event, TaskStatusUpdateEvent)
    return event


async def test_data_agent_event_sequence(game_data: GameData) -> None:
    handler = handler_for("data", game_data)

    events = await turn(handler, "7.3 패치 테란 승률?")

    task = events[0]
    assert isinstance(task, Task)
    assert task.status.state == TaskState.TASK_STATE_SUBMITTED
    thinking = [
        e for e in events[1:-2] if isinstance(e, TaskStatusUpdateEvent) and e.status.message.parts
    ]
    assert len(thinking) == len(events) - 3 >= 5
    assert all(e.status.state == TaskState.TASK_STATE_WORKING for e in thinking)
    metadata = [MessageToDict(e.status.message.metadata) for e in thinking]
    assert {m["agent"] for m in metadata} == {"data"}
    assert all(m["thinking"] is True for m in metadata)
    assert [m["step"] for m in metadata][:2] == ["understood", "query"]
    artifact = events[-2]
    assert isinstance(artifact, TaskArtifactUpdateEvent)
    assert [p.media_type for p in artifact.artifact.parts] == ["text/markdown", ""]
    assert "7.3 패치" in artifact.artifact.parts[0].text
    assert _final(events).status.state == TaskState.TASK_STATE_COMPLETED
    await handler.aclose()


async def test_cs_agent_asks_then_answers(game_data: GameData) -> None:
    handler = handler_for("cs", game_data)

    first = await turn(handler, "hello")
    question = _final(first).status
    second = await turn(handler, "sentiment trend", follow_up=first)

    assert question.state == TaskState.TASK_STATE_INPUT_REQUIRED
    assert "sentiment trend" in get_message_text(question.message)
    assert _final(second).status.state == TaskState.TASK_STATE_COMPLETED
    artifact = next(e for e in second if isinstance(e, TaskArtifactUpdateEvent))
    assert "Sentiment trend per patch" in artifact.artifact.parts[0].text
    assert _ids(first) == _ids(second)
    await handler.aclose()


async def test_missing_data_fails_with_an_explanation(tmp_path: Path) -> None:
    handler = handler_for("data", GameData(tmp_path / "missing.sqlite3"))

    events = await turn(handler, "Terran win rate?")

    status = _final(events).status
    assert status.state == TaskState.TASK_STATE_FAILED
    assert "Something went wrong" in get_message_text(status.message)
    await handler.aclose()


async def test_balance_fails_when_a_sub_agent_is_unreachable(game_data: GameData) -> None:
    handler = handler_for("balance", game_data)

    events = await turn(handler, "7.3 패치 밸런스 분석")

    status = _final(events).status
    assert status.state == TaskState.TASK_STATE_FAILED
    assert "오류" in get_message_text(status.message)
    await handler.aclose()


class StuckGameData(GameData):
    """Reports the start of a scan, then never finishes it."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.started = asyncio.Event()

    async def tally_matches(
        self,
        selection: MatchFilter | None = None,
        group_by: Dimension | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> MatchTally:
        assert on_progress is not None
        await on_progress(ScanProgress("matches", 0, 10, 0, 1))
        self.started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_cancel_stops_a_running_scan(game_db: Path) -> None:
    data = StuckGameData(game_db)
    handler = handler_for("data", data)
    stream = handler.on_message_send_stream(user_message("Zerg win rate?"), ServerCallContext())
    task = await anext(stream)
    assert isinstance(task, Task)
    async for event in stream:
        assert isinstance(event, TaskStatusUpdateEvent)
        if MessageToDict(event.status.message.metadata).get("step") == "scan":
            break

    cancelled = await handler.on_cancel_task(CancelTaskRequest(id=task.id), ServerCallContext())

    assert cancelled is not None
    assert cancelled.status.state == TaskState.TASK_STATE_CANCELED
    rest = [event async for event in stream]
    assert _final(rest).status.state == TaskState.TASK_STATE_CANCELED
    await handler.aclose()
