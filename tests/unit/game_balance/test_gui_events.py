"""Mapping one turn's A2A stream to the page's events."""

from __future__ import annotations

from typing import Any

from a2a.helpers import new_data_part, new_text_part
from a2a.types import (
    Artifact,
    Message,
    Role,
    StreamResponse,
    Task,
    TaskArtifactUpdateEvent,
    TaskState,
    TaskStatus,
    TaskStatusUpdateEvent,
)

from game_balance.gui.events import EventMapper


def status(state: TaskState, text: str = "", **metadata: Any) -> StreamResponse:
    message = Message(role=Role.ROLE_AGENT, message_id="m", parts=[new_text_part(text)])
    message.metadata.update(metadata)
    update = TaskStatusUpdateEvent(
        task_id="t1",
        context_id="c1",
        status=TaskStatus(state=state, message=message if text else None),
    )
    return StreamResponse(status_update=update)


def artifact(name: str, text: str, data: dict[str, object]) -> StreamResponse:
    update = TaskArtifactUpdateEvent(
        task_id="t1",
        context_id="c1",
        artifact=Artifact(
            artifact_id="a1", name=name, parts=[new_text_part(text), new_data_part(data)]
        ),
    )
    return StreamResponse(artifact_update=update)


def mapper() -> EventMapper:
    ticks = iter(float(n) for n in range(100))
    return EventMapper(clock=lambda: next(ticks))


def test_a_turn_that_thinks_and_answers() -> None:
    events = mapper()
    task = Task(id="t1", context_id="c1", status=TaskStatus(state=TaskState.TASK_STATE_SUBMITTED))

    seen = [
        *events(StreamResponse(task=task)),
        *events(
            status(
                TaskState.TASK_STATE_WORKING,
                "[Data] 경기 2,000 / 60,000건 스캔 완료",
                thinking=True,
                agent="balance",
                source="data",
                step="scan",
                rows_scanned=2000,
                rows_total=60000,
            )
        ),
        *events(
            artifact("balance-report", "# 리포트\n\n**56.1%**", {"patch": "7.3", "matchups": []})
        ),
        *events(status(TaskState.TASK_STATE_COMPLETED)),
    ]

    assert [e["type"] for e in seen] == ["task", "thinking", "answer", "state"]
    assert seen[0] == {
        "type": "task",
        "task_id": "t1",
        "context_id": "c1",
        "state": "submitted",
        "elapsed": 1.0,
    }
    thinking = seen[1]
    assert thinking["source"] == "data"
    assert thinking["rows_scanned"] == 2000
    assert isinstance(thinking["rows_total"], int)
    answer = seen[2]
    assert answer["name"] == "balance-report"
    assert answer["html"] == "<h1>리포트</h1>\n<p><strong>56.1%</strong></p>"
    assert answer["data"] == {"patch": "7.3", "matchups": []}
    assert answer["chart"] is None  # no matchups: nothing to draw
    assert seen[3]["state"] == "completed"
    assert events.state == "completed"


def test_a_question_carries_the_ids_to_continue_with() -> None:
    events = mapper()

    (question,) = events(status(TaskState.TASK_STATE_INPUT_REQUIRED, "어떤 패치?"))

    assert question == {
        "type": "question",
        "text": "어떤 패치?",
        "task_id": "t1",
        "context_id": "c1",
        "elapsed": 1.0,
    }
    assert events.state == "input-required"


def test_working_without_words_and_repeated_artifacts_show_nothing() -> None:
    events = mapper()

    assert events(status(TaskState.TASK_STATE_WORKING)) == []
    assert len(events(artifact("answer", "x", {}))) == 1
    assert events(artifact("answer", "x", {})) == []


def test_a_failed_task_says_why() -> None:
    (event,) = mapper()(status(TaskState.TASK_STATE_FAILED, "The data agent did not answer"))

    assert event["type"] == "state"
    assert event["state"] == "failed"
    assert event["text"] == "The data agent did not answer"


def test_a_direct_message_is_an_answer() -> None:
    message = Message(role=Role.ROLE_AGENT, message_id="m", parts=[new_text_part("hi *there*")])

    (event,) = mapper()(StreamResponse(message=message))

    assert event["type"] == "answer"
    assert event["html"] == "<p>hi <em>there</em></p>"
