"""The executor skeleton the three agents share: task first, then one turn of work.

Event contract (a2a-sdk): on a new request the executor enqueues a `Task` built from the user
message, then only status and artifact updates; a turn ends COMPLETED (answer artifact),
INPUT_REQUIRED (a question; the follow-up message continues the same task and context with
``context.current_task`` set), or FAILED. Cancellation is handled by the framework cancelling
`execute`, then calling `cancel`, which publishes CANCELED.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod

from a2a.helpers import new_task_from_user_message
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.tasks import TaskUpdater

from game_balance.agents.phrasing import Phraser
from game_balance.agents.turn import Request, Turn

logger = logging.getLogger(__name__)


class GameAgentExecutor(AgentExecutor, ABC):
    """Runs `handle` for each turn, turning unexpected errors into a FAILED status."""

    name: str
    """The agent's name (``"data"``, ``"cs"``, ``"balance"``), also put in thinking metadata."""

    phraser: Phraser | None = None
    """Optional wording of final answers (see `game_balance.agents.phrasing`); off by default."""

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        """Publish the task if new, then handle this turn (see the module docstring)."""
        task = context.current_task
        if task is None:
            if context.message is None:
                raise ValueError("the request carries no message")
            task = new_task_from_user_message(context.message)
            await event_queue.enqueue_event(task)
        request = Request.from_context(context, context.current_task)
        updater = TaskUpdater(event_queue, task.id, task.context_id)
        turn = Turn(self.name, updater, request.lang, self.phraser, request.text)
        try:
            await self.handle(request, turn)
        except Exception:
            logger.exception("%s agent failed on task %s", self.name, task.id)
            await turn.fail(
                "요청을 처리하는 중 오류가 발생했습니다.",
                "Something went wrong while handling the request.",
            )

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        """Publish CANCELED for the task (the framework has already stopped `execute`)."""
        task_id, context_id = context.task_id, context.context_id
        if task_id and context_id:
            await TaskUpdater(event_queue, task_id, context_id).cancel()

    @abstractmethod
    async def handle(self, request: Request, turn: Turn) -> None:
        """Do this turn's work, publishing thinking, and end with `turn.answer` or `turn.ask`."""
