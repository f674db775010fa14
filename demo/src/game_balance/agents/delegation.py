"""Calling another agent through a `Connector` and following its stream.

`call_agent` sends one message with streaming on, hands every WORKING status message (the
sub-agent's thinking) to a relay callback as it arrives, and returns what the sub-agent ended
with: its state, its last non-thinking status text (e.g. the question of an INPUT_REQUIRED) and
its artifacts. If the caller is cancelled mid-stream, the sub-agent's task is cancelled too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from a2a.helpers import (
    get_artifact_text,
    get_data_parts,
    get_message_text,
    new_data_part,
    new_text_part,
)
from a2a.types import (
    Artifact,
    CancelTaskRequest,
    Message,
    Role,
    SendMessageRequest,
    StreamResponse,
    Task,
    TaskState,
)

from game_balance.agents.query import Query, describe
from game_balance.connectors import Connector

logger = logging.getLogger(__name__)

Relay = Callable[[str, Message], Awaitable[None]]
"""Awaited with (agent name, status message) for each thinking step of the sub-agent."""

CANCEL_TIMEOUT_S = 5.0
_OPEN_STATES = (TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING)


@dataclass
class Reply:
    """How a sub-agent's turn ended."""

    agent: str
    task_id: str = ""
    context_id: str = ""
    state: TaskState = TaskState.TASK_STATE_UNSPECIFIED
    status_text: str = ""
    artifacts: list[Artifact] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        """Whether the sub-agent completed its task."""
        return self.state == TaskState.TASK_STATE_COMPLETED

    def data(self) -> dict[str, Any]:
        """The first dict data part of the artifacts (empty if none)."""
        parts = [p for a in self.artifacts for p in get_data_parts(a.parts) if isinstance(p, dict)]
        return parts[0] if parts else {}

    def text(self) -> str:
        """The artifacts' text, or the final status text if there are no artifacts."""
        texts = [get_artifact_text(a) for a in self.artifacts]
        return "\n\n".join(t for t in texts if t) or self.status_text

    def absorb(self, response: StreamResponse) -> Message | None:
        """Fold one stream event in; return the thinking message it carries, if any."""
        if response.HasField("task"):
            self._absorb_task(response.task)
        elif response.HasField("status_update"):
            update = response.status_update
            self.task_id, self.context_id = update.task_id, update.context_id
            status = update.status
            self.state = status.state
            text = get_message_text(status.message) if status.HasField("message") else ""
            if status.state == TaskState.TASK_STATE_WORKING:
                return status.message if text else None
            self.status_text = text
        elif response.HasField("artifact_update"):
            self.artifacts.append(response.artifact_update.artifact)
        elif response.HasField("message"):
            self.state = TaskState.TASK_STATE_COMPLETED
            self.status_text = get_message_text(response.message)
        return None

    def _absorb_task(self, task: Task) -> None:
        self.task_id, self.context_id = task.id, task.context_id
        self.state = task.status.state
        if task.artifacts:
            self.artifacts = list(task.artifacts)
        if task.status.HasField("message"):
            self.status_text = get_message_text(task.status.message)


def query_message(query: Query) -> Message:
    """A user message carrying `query` as a data part, with its description as text."""
    return Message(
        role=Role.ROLE_USER,
        message_id=str(uuid.uuid4()),
        parts=[new_text_part(describe(query)), new_data_part(query.to_data())],
    )


def text_message(text: str, task_id: str = "", context_id: str = "") -> Message:
    """A user text message, continuing the sub-agent's task when ids are given."""
    return Message(
        role=Role.ROLE_USER,
        message_id=str(uuid.uuid4()),
        parts=[new_text_part(text)],
        task_id=task_id,
        context_id=context_id,
    )


async def call_agent(connector: Connector, agent: str, message: Message, relay: Relay) -> Reply:
    """Send `message` to `agent`, relay its thinking live, and return how its turn ended."""
    reply = Reply(agent, task_id=message.task_id, context_id=message.context_id)
    async with connector(agent) as client:
        try:
            async for response in client.send_message(SendMessageRequest(message=message)):
                thought = reply.absorb(response)
                if thought:
                    await relay(agent, thought)
        except asyncio.CancelledError:
            if reply.task_id and reply.state in _OPEN_STATES:
                with contextlib.suppress(Exception):
                    request = CancelTaskRequest(id=reply.task_id)
                    await asyncio.wait_for(client.cancel_task(request), CANCEL_TIMEOUT_S)
            raise
    logger.debug("%s ended %s", agent, TaskState.Name(reply.state))
    return reply
