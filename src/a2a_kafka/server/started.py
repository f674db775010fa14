"""`ReportsStart`: an agent executor that says when the agent really starts.

Between claiming a message and the agent's first line there are queues (the
handler's task registry, the database pool): an instance killed in between
never ran the agent, and its message must not be taken for run. The request
processor puts a hook in the call context (``state[STARTED_HOOK]``); this
wrapper awaits it with the task id right before the agent runs, which records
the task in the message's dedupe claim. A claim that names a task therefore
means "the agent started" (`a2a_kafka.server.dedupe`). If the hook fails, the
agent does not run and the request fails.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue

STARTED_HOOK = "a2a_kafka.started"
"""``ServerCallContext.state`` key of the hook, ``async (task_id, context_id) -> None``."""

StartedHook = Callable[[str, str], Awaitable[None]]


class ReportsStart(AgentExecutor):
    """Runs ``inner`` after awaiting the request's start hook, if it has one."""

    def __init__(self, inner: AgentExecutor) -> None:
        self.inner = inner

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        hook: StartedHook | None = context.call_context.state.get(STARTED_HOOK)
        if hook is not None and context.task_id:
            await hook(context.task_id, context.context_id or "")
        await self.inner.execute(context, event_queue)

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        await self.inner.cancel(context, event_queue)
