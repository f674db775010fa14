"""A scripted a2a `AgentExecutor` for transport tests, and servers for it.

The first word of the user's text picks the behaviour:

- ``echo <text>``: a task, 3 thinking updates, an artifact ``echo: <text>``, completed.
- ``message <text>``: a single `Message` reply, no task.
- ``stream <n>``: a task with ``n`` WORKING updates numbered 0..n-1, then completed.
- ``ask``: input-required "which race?"; the follow-up's text becomes the artifact.
- ``hold``: WORKING, then waits until released (`release`) or cancelled.
- ``sleep <s>``: WORKING, then completes after ``s`` seconds of (simulated) work.
- ``headers``: an artifact listing the service parameters the server received.
- ``fail``: raises inside the executor.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator

from a2a.helpers import new_task_from_user_message, new_text_message
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.server.tasks import InMemoryPushNotificationConfigStore, InMemoryTaskStore, TaskUpdater
from a2a.types.a2a_pb2 import (
    AgentCapabilities,
    AgentCard,
    AgentInterface,
    AgentSkill,
    Part,
    Role,
    TaskState,
)
from starlette.applications import Starlette

from a2a_kafka.http_server import AppServer

HELD: dict[str, asyncio.Event] = {}


def release(task_id: str) -> None:
    """Let a ``hold`` task complete."""
    HELD.setdefault(task_id, asyncio.Event()).set()


class ScriptedAgent(AgentExecutor):
    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        assert context.message is not None
        text = context.get_user_input()
        command, _, rest = text.partition(" ")
        if command == "message":
            await event_queue.enqueue_event(
                new_text_message(
                    f"reply: {rest}", context_id=context.context_id, role=Role.ROLE_AGENT
                )
            )
            return
        task = context.current_task
        if task is None:
            task = new_task_from_user_message(context.message)
            await event_queue.enqueue_event(task)
        up = TaskUpdater(event_queue, task.id, task.context_id)
        if task.status.state == TaskState.TASK_STATE_INPUT_REQUIRED:
            await up.add_artifact([Part(text=f"answer: {text}")], name="answer")
            await up.complete()
            return
        await self._run(command, rest, context, up)

    async def _run(self, command: str, rest: str, context: RequestContext, up: TaskUpdater) -> None:
        if command == "echo":
            for i in range(3):
                await up.update_status(
                    TaskState.TASK_STATE_WORKING, up.new_agent_message([Part(text=f"thinking {i}")])
                )
            await up.add_artifact([Part(text=f"echo: {rest}")], name="echo")
            await up.complete()
        elif command == "stream":
            for i in range(int(rest)):
                await up.update_status(
                    TaskState.TASK_STATE_WORKING, up.new_agent_message([Part(text=str(i))])
                )
            await up.complete()
        elif command == "ask":
            await up.requires_input(up.new_agent_message([Part(text="which race?")]))
        elif command == "hold":
            await up.start_work(up.new_agent_message([Part(text="holding")]))
            await HELD.setdefault(up.task_id, asyncio.Event()).wait()
            await up.add_artifact([Part(text="released")], name="held")
            await up.complete()
        elif command == "sleep":
            await up.start_work(up.new_agent_message([Part(text="sleeping")]))
            await asyncio.sleep(float(rest))  # the work itself: a slow agent
            await up.complete()
        elif command == "headers":
            headers = context.call_context.state.get("headers", {}) if context.call_context else {}
            wanted = {k: v for k, v in headers.items() if k in ("authorization", "a2a-extensions")}
            await up.add_artifact([Part(text=json.dumps(wanted, sort_keys=True))], name="headers")
            await up.complete()
        else:
            raise RuntimeError(f"scripted failure for {command!r}")

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        assert context.current_task is not None
        task = context.current_task
        await TaskUpdater(event_queue, task.id, task.context_id).cancel()


def agent_card(name: str, interfaces: list[AgentInterface] | None = None) -> AgentCard:
    return AgentCard(
        name=name,
        description="Scripted agent for transport tests",
        version="1.0.0",
        capabilities=AgentCapabilities(
            streaming=True, push_notifications=True, extended_agent_card=True
        ),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        supported_interfaces=interfaces or [],
        skills=[AgentSkill(id="echo", name="Echo", description="echoes", tags=["test", "echo"])],
    )


def request_handler(
    card: AgentCard, extended: AgentCard | None = None, *, push: bool = True
) -> DefaultRequestHandler:
    return DefaultRequestHandler(
        ScriptedAgent(),
        InMemoryTaskStore(),
        card,
        push_config_store=InMemoryPushNotificationConfigStore() if push else None,
        extended_agent_card=extended,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def http_server(handler: DefaultRequestHandler, card: AgentCard) -> AsyncIterator[None]:
    """Serve ``handler`` over a2a's HTTP JSON-RPC routes (uvicorn) while inside."""
    app = Starlette(routes=[*create_agent_card_routes(card), *create_jsonrpc_routes(handler, "/")])
    url = next(i.url for i in card.supported_interfaces if i.url.startswith("http"))
    async with AppServer(app, "127.0.0.1", int(url.rsplit(":", 1)[1].strip("/"))):
        yield
