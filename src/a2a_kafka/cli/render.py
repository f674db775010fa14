"""Printing an A2A event stream for people: thinking live, questions, answers.

`turn` sends one message and prints its events with a `StreamPrinter` (``send``, ``chat``
and the demo's commands use it).
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import TextIO

from a2a.client import Client, ClientCallContext
from a2a.helpers import get_artifact_text, get_message_text
from a2a.types.a2a_pb2 import (
    Message,
    Part,
    Role,
    SendMessageRequest,
    StreamResponse,
    Task,
    TaskState,
)
from a2a.utils.errors import A2AError
from google.protobuf.json_format import MessageToDict

from a2a_kafka.errors import A2AKafkaError, KafkaTransportError

STATE_NAMES = {
    TaskState.TASK_STATE_INPUT_REQUIRED: "input required",
    TaskState.TASK_STATE_COMPLETED: "completed",
    TaskState.TASK_STATE_FAILED: "failed",
    TaskState.TASK_STATE_CANCELED: "canceled",
    TaskState.TASK_STATE_REJECTED: "rejected",
}


@dataclass
class Outcome:
    """Where a conversation turn ended."""

    task_id: str = ""
    context_id: str = ""
    state: int = TaskState.TASK_STATE_UNSPECIFIED
    question: str = ""
    answers: list[str] = field(default_factory=list)

    @property
    def needs_input(self) -> bool:
        return self.state == TaskState.TASK_STATE_INPUT_REQUIRED

    @property
    def failed(self) -> bool:
        return self.state in (
            TaskState.TASK_STATE_FAILED,
            TaskState.TASK_STATE_REJECTED,
            TaskState.TASK_STATE_CANCELED,
        )


class StreamPrinter:
    """Prints each event as it arrives; collects the turn's `Outcome`."""

    def __init__(self, out: TextIO = sys.stdout, *, as_json: bool = False) -> None:
        self.out = out
        self.as_json = as_json
        self.outcome = Outcome()
        self._started = time.monotonic()

    def __call__(self, event: StreamResponse) -> None:
        if self.as_json:
            print(json.dumps(MessageToDict(event), ensure_ascii=False), file=self.out, flush=True)
        kind = event.WhichOneof("payload")
        if kind == "task":
            self._task(event.task)
        elif kind == "message":
            self._say("agent", get_message_text(event.message))
            self.outcome.answers.append(get_message_text(event.message))
            self.outcome.state = TaskState.TASK_STATE_COMPLETED
        elif kind == "status_update":
            update = event.status_update
            self.outcome.task_id, self.outcome.context_id = update.task_id, update.context_id
            self._status(update.status.state, get_message_text(update.status.message))
        elif kind == "artifact_update":
            text = get_artifact_text(event.artifact_update.artifact)
            self.outcome.answers.append(text)
            self._say("result", text)

    def _task(self, task: Task) -> None:
        self.outcome.task_id, self.outcome.context_id = task.id, task.context_id
        self.outcome.state = task.status.state
        for artifact in task.artifacts:
            text = get_artifact_text(artifact)
            if text not in self.outcome.answers:
                self.outcome.answers.append(text)
                self._say("result", text)
        if task.status.HasField("message"):
            self._status(task.status.state, get_message_text(task.status.message))

    def _status(self, state: int, text: str) -> None:
        self.outcome.state = state
        if state == TaskState.TASK_STATE_INPUT_REQUIRED:
            self.outcome.question = text
            self._say("question", text)
        elif state in STATE_NAMES:
            self._say(STATE_NAMES[state], text)
        elif text:
            self._say("thinking", text)

    def _say(self, label: str, text: str) -> None:
        if self.as_json:
            return
        elapsed = time.monotonic() - self._started
        lines = (text or "").splitlines() or [""]
        print(f"[{elapsed:6.2f}s] {label:>9} │ {lines[0]}", file=self.out, flush=True)
        for line in lines[1:]:
            print(f"{'':>19}│ {line}", file=self.out, flush=True)


async def turn(
    client: Client,
    text: str,
    printer: StreamPrinter,
    timeout: float,
    task_id: str = "",
    context_id: str = "",
) -> Outcome:
    """Send one message and print its events; errors become `A2AKafkaError`s."""
    message = Message(
        role=Role.ROLE_USER,
        message_id=str(uuid.uuid4()),
        parts=[Part(text=text)],
        task_id=task_id,
        context_id=context_id,
    )
    context = ClientCallContext(timeout=timeout)
    try:
        async for event in client.send_message(
            SendMessageRequest(message=message), context=context
        ):
            printer(event)
    except A2AKafkaError:
        raise
    except A2AError as exc:
        raise KafkaTransportError(f"the agent answered with an error: {exc}") from exc
    sys.stdout.flush()
    return printer.outcome
