"""`SharedRequestHandler`: a2a's handler, with ``SubscribeToTask`` right for several instances.

a2a's `DefaultRequestHandler` serves a subscription from its own memory when the
task's `ActiveTask` lives on this instance, which is also the case while the task
waits for input. The answer to that question is a new message, keyed by the
context: it may well run on another instance, and the subscriber here would then
wait for ever. This handler always serves subscriptions the cluster way: the
task as stored, then its events from the shared `TaskEventStream`, which carries
the events of every instance (this one's too), until the task ends or stops for
input (a2a's own rule for remote subscriptions).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

from a2a.server.agent_execution import AgentExecutor
from a2a.server.agent_execution.active_task import INTERRUPTED_TASK_STATES, TERMINAL_TASK_STATES
from a2a.server.cluster import TaskEventStream, VersionedTaskStore
from a2a.server.context import ServerCallContext
from a2a.server.events import Event
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.request_handlers.request_handler import validate, validate_request_params
from a2a.types.a2a_pb2 import (
    AgentCard,
    Message,
    SubscribeToTaskRequest,
    Task,
    TaskState,
    TaskStatusUpdateEvent,
)
from a2a.utils.errors import TaskNotFoundError, UnsupportedOperationError

_ENDS = TERMINAL_TASK_STATES | INTERRUPTED_TASK_STATES


class SharedRequestHandler(DefaultRequestHandler):
    """`DefaultRequestHandler` over a shared store and stream (see the module docstring)."""

    def __init__(
        self,
        executor: AgentExecutor,
        card: AgentCard,
        store: VersionedTaskStore,
        events: TaskEventStream,
        **options: Any,
    ) -> None:
        super().__init__(executor, store, card, event_stream=events, **options)
        self._shared_store = store
        self._shared_events = events

    @validate_request_params
    @validate(
        lambda self: self._agent_card.capabilities.streaming,
        "Streaming is not supported by the agent",
    )
    async def on_subscribe_to_task(
        self, params: SubscribeToTaskRequest, context: ServerCallContext
    ) -> AsyncGenerator[Event, None]:
        stored = await self._shared_store.get(params.id, context)
        if stored is None:
            raise TaskNotFoundError
        if stored.task.status.state in TERMINAL_TASK_STATES:
            state = TaskState.Name(stored.task.status.state)
            raise UnsupportedOperationError(
                message=f"Task {params.id} is in terminal state: {state}"
            )
        yield stored.task
        subscription = self._shared_events.subscribe(params.id, after=stored.version)
        async with aclosing(subscription) as events:
            async for versioned in events:
                event = versioned.event
                yield event
                if isinstance(event, Message) or (
                    isinstance(event, TaskStatusUpdateEvent | Task) and event.status.state in _ENDS
                ):
                    return
