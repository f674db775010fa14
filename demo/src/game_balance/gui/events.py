"""What the page is sent: each A2A stream event as one small JSON object.

`EventMapper` turns the `StreamResponse`s of one turn into page events, in order:

| ``type`` | when | fields |
| --- | --- | --- |
| ``task`` | the task is created or known | ``task_id``, ``context_id``, ``state`` |
| ``thinking`` | a WORKING status with a message | ``text``, ``agent``, ``source``, ``step``, ``rows_scanned``, ``rows_total`` |
| ``question`` | INPUT_REQUIRED | ``text``, ``task_id``, ``context_id`` |
| ``answer`` | an artifact (or a direct message) | ``name``, ``markdown``, ``html``, ``chart`` (SVG or null), ``data`` |
| ``state`` | any other final state | ``state`` (``completed``, ``failed``, ...), ``text`` |

`chat.ChatService` adds ``error`` and ``done`` events, and (when the process traces, as
``a2a-kafka gui`` does with the telemetry extra) a ``trace`` event after the ``done`` of a
turn that did not fail, once its agents' spans have ended:
``trace_id`` and ``rows``, the waterfall of the turn's calls (`a2a_kafka.telemetry.waterfall`). Every event has ``elapsed``: seconds
since the turn was sent, as the server saw it arrive.
"""  # noqa: E501

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from a2a.helpers import get_artifact_text, get_data_parts, get_message_text
from a2a.types import Artifact, Message, StreamResponse, Task, TaskState, TaskStatus
from google.protobuf.json_format import MessageToDict

from game_balance.agents.language import detect_lang
from game_balance.gui.chart import chart_for, render_svg
from game_balance.gui.markdown import render_markdown

Event = dict[str, Any]

STATES: dict[int, str] = {
    TaskState.TASK_STATE_SUBMITTED: "submitted",
    TaskState.TASK_STATE_WORKING: "working",
    TaskState.TASK_STATE_INPUT_REQUIRED: "input-required",
    TaskState.TASK_STATE_AUTH_REQUIRED: "auth-required",
    TaskState.TASK_STATE_COMPLETED: "completed",
    TaskState.TASK_STATE_FAILED: "failed",
    TaskState.TASK_STATE_CANCELED: "canceled",
    TaskState.TASK_STATE_REJECTED: "rejected",
}
_THINKING_FIELDS = ("agent", "source", "step", "rows_scanned", "rows_total")


def state_name(state: int) -> str:
    """The page's name of an A2A task state (``"input-required"``, ``"completed"``, ...)."""
    return STATES.get(int(state), "unknown")


class EventMapper:
    """Maps one turn's stream to page events; remembers the task, context and last state."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.started = clock()
        self.task_id = ""
        self.context_id = ""
        self.state = "unknown"
        self._answered: set[str] = set()

    def elapsed(self) -> float:
        """Seconds since the turn started."""
        return round(self.clock() - self.started, 3)

    def __call__(self, response: StreamResponse) -> list[Event]:
        """The page events of one stream event."""
        kind = response.WhichOneof("payload")
        if kind == "task":
            events = self._task(response.task)
        elif kind == "status_update":
            update = response.status_update
            self._ids(update.task_id, update.context_id)
            events = self._status(update.status)
        elif kind == "artifact_update":
            events = self._artifact(response.artifact_update.artifact)
        elif kind == "message":
            self.state = "completed"
            events = [self._answer("message", get_message_text(response.message), {})]
        else:
            events = []
        elapsed = self.elapsed()
        return [{**event, "elapsed": elapsed} for event in events]

    def _ids(self, task_id: str, context_id: str) -> None:
        self.task_id = task_id or self.task_id
        self.context_id = context_id or self.context_id

    def _task(self, task: Task) -> list[Event]:
        self._ids(task.id, task.context_id)
        events: list[Event] = [
            {
                "type": "task",
                "task_id": task.id,
                "context_id": task.context_id,
                "state": state_name(task.status.state),
            }
        ]
        events += [e for artifact in task.artifacts for e in self._artifact(artifact)]
        working = task.status.state in (
            TaskState.TASK_STATE_SUBMITTED,
            TaskState.TASK_STATE_WORKING,
        )
        if not working or task.status.HasField("message"):
            events += self._status(task.status)
        else:
            self.state = state_name(task.status.state)
        return events

    def _status(self, status: TaskStatus) -> list[Event]:
        self.state = state_name(status.state)
        message = status.message if status.HasField("message") else None
        text = get_message_text(message) if message is not None else ""
        if status.state == TaskState.TASK_STATE_WORKING:
            return [self._thinking(message, text)] if message is not None and text else []
        if status.state == TaskState.TASK_STATE_INPUT_REQUIRED:
            return [
                {
                    "type": "question",
                    "text": text,
                    "task_id": self.task_id,
                    "context_id": self.context_id,
                }
            ]
        if status.state == TaskState.TASK_STATE_SUBMITTED:
            return []
        return [{"type": "state", "state": self.state, "text": text}]

    def _thinking(self, message: Message, text: str) -> Event:
        metadata = MessageToDict(message.metadata) if message.HasField("metadata") else {}
        event: Event = {"type": "thinking", "text": text}
        for field in _THINKING_FIELDS:
            value = metadata.get(field)
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # protobuf Struct numbers are floats
            event[field] = value
        return event

    def _artifact(self, artifact: Artifact) -> list[Event]:
        key = artifact.artifact_id or str(len(self._answered))
        if key in self._answered:
            return []
        self._answered.add(key)
        data = next((p for p in get_data_parts(artifact.parts) if isinstance(p, dict)), {})
        return [self._answer(artifact.name or "answer", get_artifact_text(artifact), data)]

    def _answer(self, name: str, text: str, data: dict[str, Any]) -> Event:
        chart = chart_for(data, detect_lang(text)) if data else None
        return {
            "type": "answer",
            "name": name,
            "markdown": text,
            "html": render_markdown(text),
            "chart": render_svg(chart) if chart is not None and chart.groups else None,
            "data": data,
        }
