"""``python -m bench.state_gap``: what the shared state adds between the agent's end and its reply.

One process serves the benchmark agent over Kafka and calls it with blocking
``work`` messages (a task created and completed, as `bench.agent` does for any
word it does not know). The executor notes when it returns; the caller notes
when the reply arrives. Per setup and concurrency it prints the round trip and
the *gap*, executor return to reply received, p50 and p90 in milliseconds:

- ``memory``: a2a's handler over its in-memory task store, the in-memory dedupe store;
- ``sqlite``: `SharedTaskState` on a fresh SQLite file;
- ``postgresql``: `SharedTaskState` on ``A2A_KAFKA_POSTGRES_URL`` (skipped when unset).

Run: ``KAFKA_BOOTSTRAP_SERVERS=... python -m bench.state_gap [--requests 200] [--setups ...]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers.request_handler import RequestHandler
from a2a.types.a2a_pb2 import AgentCard, TaskState

from a2a_kafka import KafkaConfig, KafkaConsumerHandler
from a2a_kafka.cluster import SharedTaskState
from a2a_kafka.registry import with_kafka_interface
from bench.agent import BenchAgent, bench_card, bench_handler
from bench.procs import BenchError
from bench.stats import percentile
from bench.systems import A2ASystem, kafka_system, user_message
from bench.tables import table

SETUPS = ("memory", "sqlite", "postgresql")
LEVELS = (1, 16)
POSTGRES_ENV = "A2A_KAFKA_POSTGRES_URL"


class Timed(AgentExecutor):
    """`BenchAgent`, noting when each message's run returned (``perf_counter``)."""

    def __init__(self) -> None:
        self.inner = BenchAgent()
        self.ended: dict[str, float] = {}

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        await self.inner.execute(context, event_queue)
        assert context.message is not None
        self.ended[context.message.message_id] = time.perf_counter()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        await self.inner.cancel(context, event_queue)


@contextlib.asynccontextmanager
async def _served(
    setup: str, config: KafkaConfig, agent: str, card: AgentCard, executor: Timed
) -> AsyncIterator[None]:
    if setup == "memory":
        handler: RequestHandler = bench_handler(card, executor)  # type: ignore[arg-type]
        async with KafkaConsumerHandler(agent, handler, config):
            yield
        return
    if setup == "sqlite":
        folder = tempfile.mkdtemp(prefix="state-gap-")
        url = f"sqlite+aiosqlite:///{Path(folder) / 'state.sqlite'}"
    else:
        url = os.environ[POSTGRES_ENV]
    async with contextlib.AsyncExitStack() as stack:
        state = await stack.enter_async_context(SharedTaskState.open(config, agent, url))
        await stack.enter_async_context(
            state.consumer_handler(state.request_handler(executor, card))
        )
        yield


async def _one(system: A2ASystem, executor: Timed) -> tuple[float, float]:
    request = user_message("work")
    began = time.perf_counter()
    reply = await system._one(request)
    arrived = time.perf_counter()
    if reply.task.status.state != TaskState.TASK_STATE_COMPLETED:
        raise BenchError(f"work ended {reply.task.status.state}")
    return arrived - began, arrived - executor.ended.pop(request.message.message_id)


async def measure(
    setup: str, bootstrap: str, requests: int, levels: tuple[int, ...] = LEVELS
) -> dict[int, tuple[list[float], list[float]]]:
    """Per concurrency level: the round trips and the gaps, in seconds."""
    config = KafkaConfig(bootstrap_servers=bootstrap, topic_prefix=f"sg{uuid.uuid4().hex[:6]}.")
    agent = f"bench-gap-{setup}"
    card = with_kafka_interface(bench_card(agent), config, agent)
    executor = Timed()
    found: dict[int, tuple[list[float], list[float]]] = {}
    async with _served(setup, config, agent, card, executor), kafka_system(config, agent) as system:
        for _ in range(20):  # warm up: topics, metadata, connections, pools
            await _one(system, executor)
        for level in levels:
            found[level] = ([], [])
            each = requests // level
            runs = (_worker(system, executor, each, *found[level]) for _ in range(level))
            await asyncio.gather(*runs)
    return found


async def _worker(
    system: A2ASystem, executor: Timed, count: int, trips: list[float], gaps: list[float]
) -> None:
    for _ in range(count):
        trip, gap = await _one(system, executor)
        trips.append(trip)
        gaps.append(gap)


def _ms(values: list[float], p: float) -> str:
    return f"{percentile(sorted(values), p) * 1000:.1f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=160, help="per level (default 160)")
    parser.add_argument("--setups", nargs="*", default=list(SETUPS), choices=SETUPS)
    args = parser.parse_args(argv)
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    rows = []
    for setup in args.setups:
        if setup == "postgresql" and not os.environ.get(POSTGRES_ENV):
            print(f"postgresql skipped: {POSTGRES_ENV} is not set")
            continue
        for level, (trips, gaps) in asyncio.run(measure(setup, bootstrap, args.requests)).items():
            cells = [_ms(trips, 50), _ms(trips, 90), _ms(gaps, 50), _ms(gaps, 90)]
            rows.append([setup, level, len(trips), *cells])
    header = ["setup", "in flight", "n", "trip p50", "trip p90", "gap p50", "gap p90"]
    print(table(header, rows))
    print("ms; gap = executor returned -> reply received by the caller")


if __name__ == "__main__":
    main()
