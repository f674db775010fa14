"""An agent for reliability and fault tests that records every execution it starts.

The first word of the user's text picks the behaviour:

- ``work <seconds>``: a task, WORKING, sleeps, an artifact ``done <message id>``, completed.
- ``hold``: a task, WORKING, then waits until cancelled.
- ``steps <n> <seconds>``: a task with ``n`` WORKING updates ``seconds`` apart, completed.
- ``fail``: raises inside the executor (a failed task).

`ExecutionLog` appends one line per started execution (the A2A message id) to
a file shared by every server process; a line written before a ``kill -9`` is
kept, so the test can count executions exactly.

Served as a user serves an agent: ``a2a-kafka serve fault_agent:served --name NAME
--app-dir tests/faults`` (`served`, the fault suite's `harness.ServerProcess`).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import Counter
from pathlib import Path

from a2a.helpers import new_task_from_user_message
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.tasks import TaskUpdater
from a2a.types.a2a_pb2 import AgentCapabilities, AgentCard, AgentSkill, Part, TaskState

from a2a_kafka.serving import AgentSpec, ServeContext

EXECUTIONS_LOG_ENV = "A2A_KAFKA_FAULT_EXECUTIONS_LOG"
"""The `ExecutionLog` file of the served `FaultAgent` (unset: executions are not recorded)."""


class ExecutionLog:
    """One line per agent execution: ``<message id>``, appended atomically."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def record(self, message_id: str) -> None:
        if self.path is None:
            return
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{message_id}\n".encode())
        finally:
            os.close(fd)

    def counts(self) -> Counter[str]:
        if self.path is None or not self.path.exists():
            return Counter()
        return Counter(line for line in self.path.read_text().splitlines() if line)


class FaultAgent(AgentExecutor):
    def __init__(self, log: ExecutionLog | None = None) -> None:
        self.log = log or ExecutionLog(None)
        self.executions = 0

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        assert context.message is not None
        self.executions += 1
        self.log.record(context.message.message_id)
        command, *args = context.get_user_input().split()
        task = context.current_task or new_task_from_user_message(context.message)
        if context.current_task is None:
            await event_queue.enqueue_event(task)
        up = TaskUpdater(event_queue, task.id, task.context_id)
        await up.start_work(up.new_agent_message([Part(text=command)]))
        if command == "work":
            await asyncio.sleep(float(args[0]))  # the agent's work
        elif command == "hold":
            await asyncio.Event().wait()
        elif command == "steps":
            for i in range(int(args[0])):
                await asyncio.sleep(float(args[1]))
                await up.update_status(
                    TaskState.TASK_STATE_WORKING, up.new_agent_message([Part(text=str(i))])
                )
        else:
            raise RuntimeError(f"scripted failure for {command!r}")
        await up.add_artifact([Part(text=f"done {context.message.message_id}")], name="result")
        await up.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        assert context.current_task is not None
        task = context.current_task
        await TaskUpdater(event_queue, task.id, task.context_id).cancel()


def fault_card(name: str) -> AgentCard:
    return AgentCard(
        name=name,
        description="Agent for fault-injection tests",
        version="1.0.0",
        capabilities=AgentCapabilities(streaming=True),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=[AgentSkill(id="work", name="Work", description="works", tags=["test"])],
    )


def served(context: ServeContext) -> AgentSpec:
    """The `FaultAgent` for ``a2a-kafka serve fault_agent:served``, over serve's task state.

    With ``A2A_KAFKA_FAULT_EXECUTIONS_LOG`` set, it records its executions there, and the
    library's log (INFO, and each keyed request's claim at DEBUG) is appended to
    ``<that file>.servers``, shared by every instance, one line each with its pid: what a
    failed fault test quotes about the messages it lost (`harness.server_lines`).
    """
    path = os.environ.get(EXECUTIONS_LOG_ENV)
    if path:
        _log_to(f"{path}.servers")
    card = fault_card(context.name)
    agent = FaultAgent(ExecutionLog(Path(path) if path else None))
    return AgentSpec(context.request_handler(agent, card), card)


def _log_to(path: str) -> None:
    handler = logging.FileHandler(path)  # appends; a line written before a kill -9 is kept
    handler.setFormatter(logging.Formatter("%(asctime)s pid %(process)d %(name)s %(message)s"))
    for stderr in logging.getLogger().handlers:  # serve's: warnings only, as without this
        stderr.setLevel(max(stderr.level, logging.WARNING))
    logging.getLogger("a2a_kafka").addHandler(handler)
    logging.getLogger("a2a_kafka").setLevel(logging.INFO)
    logging.getLogger("a2a_kafka.server.requests").setLevel(logging.DEBUG)
