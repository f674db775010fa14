"""`RemoteCancellation`: a task cancelled on one instance stops on the instance running it.

a2a's handler cancels a task that runs on another instance by writing
CANCELED to the shared task store and publishing the event; the instance
running the agent only notices at its next write, which an agent waiting for
something may never make. With a `KafkaTaskEventStream`, every instance sees
that event within milliseconds: this listener then cancels the task's local
run through a2a's own path (``AgentExecutor.cancel``, then the producer is
stopped), so the agent stops, and the caller streaming from this instance gets
the CANCELED state and the end of its stream.

It reaches into `DefaultRequestHandler`'s registry of running tasks (a private
attribute of a2a-sdk 1.3); when that is missing it logs once and does nothing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from a2a.server.cluster import VersionedEvent
from a2a.server.context import ServerCallContext
from a2a.server.request_handlers.request_handler import RequestHandler
from a2a.types.a2a_pb2 import TaskState, TaskStatusUpdateEvent

from a2a_kafka.cluster.event_stream import KafkaTaskEventStream

logger = logging.getLogger(__name__)


class RemoteCancellation:
    """Cancels local runs of tasks that another instance cancelled."""

    def __init__(self, handler: RequestHandler, stream: KafkaTaskEventStream) -> None:
        self._registry: Any = getattr(handler, "_active_task_registry", None)
        self._instance = stream.instance_id
        self._pending: set[asyncio.Task[None]] = set()
        self.cancelled = 0
        """Local runs stopped so far."""
        if self._registry is None:
            logger.warning(
                "%s has no task registry: remote cancels wait for the next write", handler
            )
            return
        stream.add_listener(self._on_event)

    def _on_event(self, task_id: str, event: VersionedEvent, origin: str) -> None:
        update = event.event
        if origin == self._instance or not isinstance(update, TaskStatusUpdateEvent):
            return
        if update.status.state != TaskState.TASK_STATE_CANCELED:
            return
        task = asyncio.create_task(self._cancel(task_id), name=f"remote-cancel-{task_id}")
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _cancel(self, task_id: str) -> None:
        active = await self._registry.get(task_id)
        if active is None or active.is_finished:
            return
        manager = getattr(active, "_task_manager", None)
        context = getattr(manager, "_call_context", None) or ServerCallContext()
        try:
            await active.cancel(context)
        except Exception as exc:  # already finished, or the executor cannot cancel
            logger.info("local run of cancelled task %s: %r", task_id, exc)
            return
        self.cancelled += 1
        logger.info("stopped task %s, cancelled on another instance", task_id)

    async def aclose(self) -> None:
        """Wait for cancellations under way."""
        await asyncio.gather(*self._pending, return_exceptions=True)
