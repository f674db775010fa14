"""Cross-instance subscribe and cancel latency: Kafka task events vs a2a's database polling.

Two instances of one agent (two a2a ``DefaultRequestHandler`` over one shared
database, each with its own event stream) run in this process. A task runs on
instance A; instance B subscribes to it and cancels it. Measured, per round:

- ``event``: an agent status update on A until B's subscriber has it;
- ``cancel``: B's ``CancelTask`` call until B's subscriber sees CANCELED;
- ``stop``: B's ``CancelTask`` call until A's own stream (the caller that
  started the task) ends CANCELED, i.e. the agent on A was stopped.

Run: ``python -m bench.cluster_latency [--rounds 30] [--database URL]`` with
``KAFKA_BOOTSTRAP_SERVERS`` set; the database defaults to the project's
PostgreSQL (``scripts/postgres url``), else a SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from a2a.helpers import new_task_from_user_message
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.cluster import DatabaseTaskEventStream, TaskEventStream, VersionedDatabaseTaskStore
from a2a.server.context import ServerCallContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.tasks import TaskUpdater
from a2a.types.a2a_pb2 import (
    AgentCapabilities,
    AgentCard,
    CancelTaskRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
    SubscribeToTaskRequest,
    TaskState,
)

from a2a_kafka import KafkaConfig
from a2a_kafka.cluster import KafkaTaskEventStream, RemoteCancellation, create_engine

WAIT = 3.0
"""Longest wait for one observation, seconds; longer counts as 'not seen'."""


class Ticker(AgentExecutor):
    """Works until cancelled; emits a WORKING update whenever the bench ticks it."""

    ticks: dict[str, asyncio.Queue[None]] = {}  # noqa: RUF012 - shared by both instances

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        assert context.message is not None
        task = new_task_from_user_message(context.message)
        await event_queue.enqueue_event(task)
        up = TaskUpdater(event_queue, task.id, task.context_id)
        await up.start_work()
        queue = self.ticks.setdefault(task.id, asyncio.Queue())
        while True:
            await queue.get()
            await up.update_status(
                TaskState.TASK_STATE_WORKING, up.new_agent_message([Part(text="tick")])
            )

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        assert context.current_task is not None
        task = context.current_task
        await TaskUpdater(event_queue, task.id, task.context_id).cancel()


@dataclass
class Instance:
    handler: DefaultRequestHandler
    stream: TaskEventStream
    closers: list[Any] = field(default_factory=list)


CARD = AgentCard(
    name="ticker",
    description="cluster latency bench",
    version="1",
    capabilities=AgentCapabilities(streaming=True),
    default_input_modes=["text/plain"],
    default_output_modes=["text/plain"],
)


@contextlib.asynccontextmanager
async def instance(kind: str, url: str, config: KafkaConfig, agent: str) -> AsyncIterator[Instance]:
    engine = create_engine(url)
    store = VersionedDatabaseTaskStore(engine)
    await store.initialize()
    stream: TaskEventStream
    if kind == "kafka":
        kafka = KafkaTaskEventStream(config, agent)
        await kafka.start()
        stream = kafka
    else:
        stream = DatabaseTaskEventStream(engine)
    handler = DefaultRequestHandler(Ticker(), store, CARD, event_stream=stream)
    if isinstance(stream, KafkaTaskEventStream):
        RemoteCancellation(handler, stream)
    try:
        yield Instance(handler, stream)
    finally:
        await handler.aclose()
        if isinstance(stream, KafkaTaskEventStream):
            await stream.aclose()
        await engine.dispose()


async def first(
    stream: AsyncIterator[Any], wanted: TaskState, *, text: str | None = None
) -> float | None:
    """When ``stream`` yields a status ``wanted`` (with agent ``text``); None if not in `WAIT`."""
    try:
        async with asyncio.timeout(WAIT):
            async for event in stream:
                status = getattr(event, "status", None)
                if status is None or status.state != wanted:
                    continue
                if text is None or (status.message.parts and status.message.parts[0].text == text):
                    return time.perf_counter()
    except TimeoutError:
        return None
    return None


async def one_round(a: Instance, b: Instance) -> dict[str, float | None]:
    context = ServerCallContext()
    request = SendMessageRequest(
        message=Message(role=Role.ROLE_USER, message_id=str(uuid.uuid4()), parts=[Part(text="go")])
    )
    origin = a.handler.on_message_send_stream(request, context)
    task = await anext(origin)
    task_id = getattr(task, "id", "") or task.task_id
    await first(origin, TaskState.TASK_STATE_WORKING)
    subscription = b.handler.on_subscribe_to_task(SubscribeToTaskRequest(id=task_id), context)
    await anext(subscription)  # the snapshot
    await asyncio.sleep(0.05)  # let the subscription settle on the stream

    seen = asyncio.ensure_future(first(subscription, TaskState.TASK_STATE_WORKING, text="tick"))
    await asyncio.sleep(0.01)
    ticked = time.perf_counter()
    Ticker.ticks[task_id].put_nowait(None)
    event_at = await seen

    sub_cancel = asyncio.ensure_future(first(subscription, TaskState.TASK_STATE_CANCELED))
    stop = asyncio.ensure_future(first(origin, TaskState.TASK_STATE_CANCELED))
    await asyncio.sleep(0.01)
    cancelled = time.perf_counter()
    await b.handler.on_cancel_task(CancelTaskRequest(id=task_id), context)
    cancel_at, stop_at = await sub_cancel, await stop
    for stream in (subscription, origin):
        with contextlib.suppress(Exception):
            await stream.aclose()
    return {
        "event": None if event_at is None else (event_at - ticked) * 1000,
        "cancel": None if cancel_at is None else (cancel_at - cancelled) * 1000,
        "stop": None if stop_at is None else (stop_at - cancelled) * 1000,
    }


def summary(values: list[float | None]) -> str:
    seen = sorted(v for v in values if v is not None)
    missed = len(values) - len(seen)
    if not seen:
        return f"not seen within {WAIT:g} s ({missed}/{len(values)})"
    p50 = statistics.median(seen)
    p95 = seen[min(len(seen) - 1, int(0.95 * len(seen)))]
    extra = f", {missed} not seen within {WAIT:g} s" if missed else ""
    return f"p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  max {seen[-1]:7.1f} ms{extra}"


async def run(
    kind: str, url: str, config: KafkaConfig, rounds: int
) -> dict[str, list[float | None]]:
    agent = f"bench-cluster-{uuid.uuid4().hex[:8]}"
    results: dict[str, list[float | None]] = {"event": [], "cancel": [], "stop": []}
    async with instance(kind, url, config, agent) as a, instance(kind, url, config, agent) as b:
        for _ in range(rounds):
            for name, value in (await one_round(a, b)).items():
                results[name].append(value)
    return results


def default_database() -> str:
    script = Path(__file__).resolve().parent.parent / "scripts" / "postgres"
    done = subprocess.run([str(script), "url"], capture_output=True, text=True, check=False)
    if done.returncode == 0 and done.stdout.strip():
        return done.stdout.strip()
    return f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/cluster-bench.db"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--database", help="SQLAlchemy URL (default: scripts/postgres, else SQLite)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # a2a warns about every cancelled dispatcher
    config = KafkaConfig.from_env()
    url = args.database or default_database()
    where = url.split("@")[-1]
    print(f"database: {where}   kafka: {config.bootstrap_servers}   rounds: {args.rounds}")
    for kind, label in (
        ("kafka", "KafkaTaskEventStream"),
        ("database", "DatabaseTaskEventStream (0.5 s polling)"),
    ):
        results = await run(kind, url, config, args.rounds)
        print(f"\n{label}")
        print(f"  subscribe: update on A -> subscriber on B   {summary(results['event'])}")
        print(f"  cancel:    CancelTask on B -> subscriber on B {summary(results['cancel'])}")
        print(f"  stop:      CancelTask on B -> A's stream ends {summary(results['stop'])}")


if __name__ == "__main__":
    asyncio.run(main())
