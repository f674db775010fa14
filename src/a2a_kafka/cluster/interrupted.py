"""Ending a task whose run was cut off: FAILED in the shared store, for every instance.

When an instance dies while the agent runs a task, nobody will write that task
again: without this it stays WORKING (or SUBMITTED) for ever. The instance that
finds the dead instance's claim (`a2a_kafka.server.requests`) calls
`TaskInterrupter.fail`, which

- reads the task as stored (owner-scoped, like ``GetTask``); a task the agent
  started on but whose first event was never saved is created, FAILED;
- leaves a terminal task alone (the run had finished before the crash, only its
  record in the dedupe claim was lost) and returns it: that is the run's outcome;
- else saves it FAILED with an agent status message naming the interruption
  (a compare-and-swap save; a concurrent writer makes it read again and retry),
- and publishes the status update on the task-event stream, so subscribers on
  any instance see the end of the task.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from a2a.auth.user import UnauthenticatedUser, User
from a2a.server.cluster import (
    ConcurrentTaskModificationError,
    TaskEventStream,
    TaskVersion,
    VersionedEvent,
    VersionedTaskStore,
)
from a2a.server.context import ServerCallContext
from a2a.types.a2a_pb2 import Message, Part, Role, Task, TaskState, TaskStatusUpdateEvent
from google.protobuf.json_format import MessageToDict
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.exc import IntegrityError

logger = logging.getLogger(__name__)

MARK = "a2aKafkaInterrupted"
"""Status-message metadata key of a task this module failed."""

TERMINAL = frozenset(
    {
        TaskState.TASK_STATE_COMPLETED,
        TaskState.TASK_STATE_FAILED,
        TaskState.TASK_STATE_CANCELED,
        TaskState.TASK_STATE_REJECTED,
    }
)


class _Owner(User):
    def __init__(self, name: str) -> None:
        self._name = name

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def user_name(self) -> str:
        return self._name


def owner_context(scope: str) -> ServerCallContext:
    """A call context whose owner scope is ``scope`` (a user name; "" for anonymous)."""
    return ServerCallContext(user=_Owner(scope) if scope else UnauthenticatedUser())


class TaskInterrupter:
    """Marks interrupted tasks FAILED in ``store`` and announces it on ``events``."""

    def __init__(self, store: VersionedTaskStore, events: TaskEventStream | None) -> None:
        self._store = store
        self._events = events

    async def fail(
        self, task_id: str, context_id: str, scope: str, reason: str
    ) -> dict[str, Any] | None:
        """Fail ``task_id`` (of owner ``scope``) unless it is terminal.

        Returns the task (as JSON) when it had ended by itself, else None (also
        when another instance failed it as interrupted first).
        """
        context = owner_context(scope)
        for _ in range(5):
            stored = await self._store.get(task_id, context)
            if stored is not None and stored.task.status.state in TERMINAL:
                status = stored.task.status
                if MARK in status.message.metadata:
                    return None
                return dict(MessageToDict(stored.task))
            failed = Task(id=task_id, context_id=context_id)
            if stored is not None:
                failed.CopyFrom(stored.task)
            failed.status.state = TaskState.TASK_STATE_FAILED
            failed.status.message.CopyFrom(
                Message(
                    role=Role.ROLE_AGENT,
                    message_id=uuid.uuid4().hex,
                    task_id=task_id,
                    context_id=failed.context_id,
                    parts=[Part(text=reason)],
                )
            )
            failed.status.message.metadata[MARK] = True
            stamp = Timestamp()
            stamp.GetCurrentTime()
            failed.status.timestamp.CopyFrom(stamp)
            event = TaskStatusUpdateEvent(
                task_id=task_id, context_id=failed.context_id, status=failed.status
            )
            try:
                version = await self._store.save(
                    failed,
                    event=event,
                    prev=stored.task if stored else None,
                    prev_version=stored.version if stored else TaskVersion.MISSING,
                    context=context,
                )
            except (ConcurrentTaskModificationError, IntegrityError):
                continue  # someone wrote it meanwhile: look again
            if self._events is not None:
                await self._events.publish(task_id, VersionedEvent(event=event, version=version))
            logger.warning("task %s marked FAILED: %s", task_id, reason)
            return None
        return None
