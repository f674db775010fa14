"""`ChatService`: a turn's events, and every failure as one visible error event."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from a2a.client import Client, ClientCallContext
from a2a.types import (
    CancelTaskRequest,
    SendMessageRequest,
    StreamResponse,
    Task,
    TaskState,
    TaskStatus,
)
from a2a.utils.errors import TaskNotFoundError

from a2a_kafka import AgentNotFoundError, KafkaConfig, KafkaTimeoutError, SecurityConfig
from game_balance.gui.chat import ChatService, ChatSettings
from game_balance.gui.events import Event
from game_balance.gui.wire import Row

UNKNOWN_BROKER = KafkaConfig(security=SecurityConfig(protocol="SSL"))
"""No broker probe possible: a timeout is blamed on the agent."""


def task(state: TaskState = TaskState.TASK_STATE_SUBMITTED) -> StreamResponse:
    return StreamResponse(task=Task(id="t1", context_id="c1", status=TaskStatus(state=state)))


class FakeClient:
    """Streams `responses`, then raises `error` or waits forever (`stall`)."""

    def __init__(
        self,
        responses: list[StreamResponse],
        error: Exception | None = None,
        stall: bool = False,
    ) -> None:
        self.responses = responses
        self.error = error
        self.stall = stall
        self.requests: list[SendMessageRequest] = []
        self.contexts: list[ClientCallContext | None] = []
        self.cancelled: list[str] = []

    async def send_message(
        self, request: SendMessageRequest, *, context: ClientCallContext | None = None
    ) -> AsyncIterator[StreamResponse]:
        self.requests.append(request)
        self.contexts.append(context)
        for response in self.responses:
            yield response
        if self.error is not None:
            raise self.error
        if self.stall:
            await asyncio.Event().wait()

    async def cancel_task(self, request: CancelTaskRequest) -> Task:
        self.cancelled.append(request.id)
        return Task(id=request.id)


def service(
    client: FakeClient | Exception,
    config: KafkaConfig = UNKNOWN_BROKER,
    settings: ChatSettings | None = None,
    unanswered: list[Row] | None = None,
) -> ChatService:
    @contextlib.asynccontextmanager
    async def connector(agent: str) -> AsyncIterator[Client]:
        if isinstance(client, Exception):
            raise client
        yield client  # type: ignore[misc]

    return ChatService(
        connector,
        config,
        settings or ChatSettings(idle_timeout=2),
        (lambda older, since: list(unanswered)) if unanswered is not None else None,
    )


async def events(chat: ChatService, *args: Any) -> list[Event]:
    return [event async for event in chat.turn("balance", "패치 밸런스 분석해줘", *args)]


async def test_a_turn_ends_with_done_and_uses_the_deadline() -> None:
    client = FakeClient([task(), task(TaskState.TASK_STATE_COMPLETED)])

    seen = await events(service(client), "t0", "c0")

    assert [e["type"] for e in seen] == ["task", "task", "state", "done"]
    assert seen[-1] == seen[-1] | {"state": "completed", "task_id": "t1", "context_id": "c1"}
    (request,) = client.requests
    assert (request.message.task_id, request.message.context_id) == ("t0", "c0")
    assert request.message.parts[0].text == "패치 밸런스 분석해줘"
    assert client.contexts[0] is not None
    assert client.contexts[0].timeout == 2


async def test_an_unknown_agent() -> None:
    seen = await events(service(AgentNotFoundError("no agent named 'balance'")))

    assert [e["type"] for e in seen] == ["error", "done"]
    assert seen[0]["kind"] == "agent-not-found"
    assert "no agent named" in seen[0]["message"]
    assert seen[1]["state"] == "failed"


async def test_a_timeout_names_the_silent_agent_and_cancels_the_task() -> None:
    stalled = {"agent": "data", "method": "SendStreamingMessage", "topic": "agent.data.requests"}
    client = FakeClient([task()], KafkaTimeoutError("no reply from agent 'balance'"))

    seen = await events(service(client, unanswered=[{**stalled, "waiting_s": 4.2}]))

    error = seen[-2]
    assert error["kind"] == "timeout"
    assert error["waiting"] == ["data"]
    assert "No reply from the balance agent within 2 s." in error["message"]
    assert (
        "data (SendStreamingMessage on agent.data.requests, no reply for 4.2 s)"
        in (error["message"])
    )
    assert client.cancelled == ["t1"]


async def test_the_whole_turn_has_a_deadline_too() -> None:
    client = FakeClient([task()], stall=True)
    settings = ChatSettings(idle_timeout=5, turn_timeout=0.1)

    seen = await events(service(client, settings=settings))

    assert seen[-2]["kind"] == "timeout"
    assert "Is the balance agent running?" in seen[-2]["message"]


async def test_a_timeout_with_the_broker_gone_says_so() -> None:
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = KafkaConfig(bootstrap_servers=f"127.0.0.1:{port}")

    seen = await events(service(FakeClient([], KafkaTimeoutError("silence")), config))

    assert seen[-2]["kind"] == "broker-down"
    assert f"127.0.0.1:{port} does not answer" in seen[-2]["message"]


@pytest.mark.parametrize(
    ("error", "kind"),
    [(TaskNotFoundError(), "agent-error"), (RuntimeError("boom"), "error")],
)
async def test_other_errors(error: Exception, kind: str) -> None:
    seen = await events(service(FakeClient([], error)))

    assert seen[-2]["kind"] == kind


async def test_leaving_early_stops_the_turn() -> None:
    client = FakeClient([task()], stall=True)
    turn = service(client).turn("balance", "hi")

    first = await anext(turn)
    await turn.aclose()  # type: ignore[attr-defined]

    assert first["type"] == "task"
