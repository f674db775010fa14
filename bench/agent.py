"""The one `AgentExecutor` every A2A server of the benchmark runs, and its card.

The first word of the user's text says what to do:

- ``echo <payload>``: one `Message` reply carrying ``<payload>`` back (no task).
- ``stream <n>``: a task, ``n - 2`` WORKING updates, completed: ``n`` events in all.
- ``turn``: a task (new, or the one the message continues) left INPUT_REQUIRED.
- ``done``: completes the task the message continues.
"""

from __future__ import annotations

from a2a.helpers import new_task_from_user_message, new_text_message
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types.a2a_pb2 import (
    AgentCapabilities,
    AgentCard,
    AgentInterface,
    AgentSkill,
    Part,
    Role,
    Task,
    TaskState,
)

from a2a_kafka.serving import AgentSpec, ServeContext


class BenchAgent(AgentExecutor):
    """Does the least A2A work each scenario needs, identically for every transport."""

    def __init__(self) -> None:
        self.executed = 0
        """Requests executed so far."""

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        self.executed += 1
        text = context.get_user_input()
        command, _, rest = text.partition(" ")
        if command == "echo":
            reply = new_text_message(rest, context_id=context.context_id, role=Role.ROLE_AGENT)
            await event_queue.enqueue_event(reply)
            return
        updater = await _task_updater(context, event_queue)
        if command == "stream":
            for i in range(int(rest) - 2):
                await updater.update_status(
                    TaskState.TASK_STATE_WORKING, updater.new_agent_message([Part(text=str(i))])
                )
            await updater.complete()
        elif command == "turn":
            await updater.requires_input(updater.new_agent_message([Part(text="next?")]))
        else:
            await updater.complete(updater.new_agent_message([Part(text="bye")]))

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        updater = await _task_updater(context, event_queue)
        await updater.cancel()


async def _task_updater(context: RequestContext, event_queue: EventQueue) -> TaskUpdater:
    task: Task | None = context.current_task
    if task is None:
        assert context.message is not None
        task = new_task_from_user_message(context.message)
        await event_queue.enqueue_event(task)
    return TaskUpdater(event_queue, task.id, task.context_id)


def bench_card(name: str, interfaces: list[AgentInterface] | None = None) -> AgentCard:
    """The card of the benchmark agent."""
    return AgentCard(
        name=name,
        description="a2a-kafka benchmark agent",
        version="1.0.0",
        capabilities=AgentCapabilities(streaming=True),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        supported_interfaces=interfaces or [],
        skills=[AgentSkill(id="echo", name="Echo", description="echoes", tags=["bench"])],
    )


def bench_handler(card: AgentCard, agent: BenchAgent) -> DefaultRequestHandler:
    """a2a's default request handler over ``agent`` and an in-memory task store."""
    return DefaultRequestHandler(agent, InMemoryTaskStore(), card)


def served(context: ServeContext) -> AgentSpec:
    """`BenchAgent` for ``a2a-kafka serve bench.agent:served --app-dir <checkout>``.

    Over serve's task state (by default the SQLite file every process of the machine
    shares), as a user's agent is served (`bench.workers`).
    """
    card = bench_card(context.name, list(context.interfaces))
    return AgentSpec(context.request_handler(BenchAgent(), card), card)
