"""The fault schedule against two agent instances, as a user runs them, on both states.

Two server processes share the state the way ``a2a-kafka serve`` does: its
default, the agent's SQLite file in the state folder (``default state``), or one
PostgreSQL database (``--state postgresql://``). The load: requests, half of
them streaming, 16 in flight, agent work of 50-500 ms. The faults, at random
moments (the seed is printed): ``kill -9`` of an instance (restarted at once),
and in the full version a second ``kill -9``, a SIGTERM and a broker stop/start
(on a private broker). ``A2A_KAFKA_FAULT_SEED`` replays a seed; a lost request fails
with its message id and what the servers logged about it.

Counted per message id on the server side (the agents' shared execution log):
nothing lost, nothing run twice, and every interrupted request's task terminal
and readable with GetTask.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from a2a.client import ClientCallContext
from a2a.types.a2a_pb2 import GetTaskRequest, TaskState
from fault_agent import ExecutionLog, fault_card
from harness import (
    FULL,
    ROWS,
    Load,
    Row,
    ServerProcess,
    Timer,
    duplicated,
    rss_sampler,
    server_lines,
)

from a2a_kafka import KafkaConfig, KafkaTransport, with_kafka_interface
from a2a_kafka.broker import BrokerLayout, LocalBroker
from a2a_kafka.broker.layout import free_port
from a2a_kafka.pytest_plugin import UniqueNames

pytestmark = pytest.mark.timeout(1800 if FULL else 400)

COUNT = 500 if FULL else 100
FAULTS = ["kill -9", "kill -9", "SIGTERM", "broker restart"] if FULL else ["kill -9"]
TERMINAL = {
    TaskState.TASK_STATE_COMPLETED,
    TaskState.TASK_STATE_FAILED,
    TaskState.TASK_STATE_CANCELED,
    TaskState.TASK_STATE_REJECTED,
}


@asynccontextmanager
async def cluster(
    shared_broker: KafkaConfig,
) -> AsyncIterator[tuple[KafkaConfig, LocalBroker | None]]:
    """The shared broker, or (full version, for the broker restart) a private one."""
    if "broker restart" not in FAULTS:
        yield shared_broker, None
        return
    layout = BrokerLayout.default().session(f"{os.getpid()}-schedule-{uuid.uuid4().hex[:6]}")
    broker = LocalBroker(layout, free_port(), free_port(), detach=False)
    status = await broker.start()
    try:
        yield status.config(), broker
    finally:
        await broker.stop()
        shutil.rmtree(layout.home, ignore_errors=True)


@pytest.mark.parametrize("setup", ["default state", "postgresql"])
async def test_the_fault_schedule_loses_nothing_and_runs_nothing_twice(
    kafka_config: KafkaConfig,
    unique_names: UniqueNames,
    postgres_url: str,
    tmp_path: Path,
    setup: str,
) -> None:
    seed = int(os.environ.get("A2A_KAFKA_FAULT_SEED") or random.randrange(2**32))
    rng = random.Random(seed)
    print(f"fault schedule seed {seed}")
    url = postgres_url if setup == "postgresql" else ""  # "": the default, as `serve`
    async with cluster(kafka_config) as (config, broker):
        name = unique_names.agent()
        log = ExecutionLog(tmp_path / "executions.log")
        texts = [(str(uuid.uuid4()), f"work {rng.uniform(0.05, 0.5):.3f}") for _ in range(COUNT)]
        card = with_kafka_interface(fault_card(name), config, name)
        transport = KafkaTransport.create(config, name, card)
        load = Load(transport, texts, concurrency=16, timeout=120.0)
        load.streaming = frozenset(mid for mid, _ in texts[::2])
        moments = sorted(rng.uniform(0.15, 0.75) for _ in FAULTS)
        marks = [asyncio.Event() for _ in FAULTS]
        load.on_outcome = lambda _mid, _kind: (
            [
                mark.set()
                for at, mark in zip(moments, marks, strict=True)
                if len(load.outcomes) >= at * COUNT
            ]
            and None
        )
        running = [await ServerProcess.start(config, name, url, log) for _ in range(2)]
        timer = Timer()
        try:
            async with rss_sampler(lambda: running) as peak:
                sending = asyncio.ensure_future(load.run())
                for fault, mark in zip(rng.sample(FAULTS, len(FAULTS)), marks, strict=True):
                    await mark.wait()
                    victim = running.pop(rng.randrange(len(running)))
                    if fault == "kill -9":
                        victim.kill()
                        await victim.process.wait()
                    elif fault == "SIGTERM":
                        await victim.terminate()
                    else:
                        running.append(victim)
                        assert broker is not None
                        await broker.stop()
                        await broker.start()
                        continue
                    running.append(await ServerProcess.start(config, name, url, log))
                outcomes = await sending
            other = KafkaTransport.create(config, name, card)
            try:
                unreadable = await check_interrupted(other, load)
            finally:
                await other.close()
        finally:
            await transport.close()
            for server in running:
                server.kill()
                await server.process.wait()
    executed = log.counts()
    row = Row(
        f"fault schedule ({', '.join(FAULTS)}), 2 instances, {setup}",
        COUNT,
        Counter(outcomes.values()),
        duplicated(log),
        peak[0],
        timer.seconds,
        note=f"seed {seed}; {len(executed)} of {COUNT} messages executed, none twice",
    )
    ROWS.append(row)
    lost = [mid for mid, _ in texts if outcomes.get(mid, "lost") == "lost"]
    seen = {mid: load.events[mid] if mid in load.streaming else "unary" for mid in lost}
    assert row.lost == 0, f"{row}\nlost (events seen) {seen}; servers:\n{server_lines(log, lost)}"
    assert row.duplicated == 0, row
    assert set(row.outcomes) <= {"completed", "interrupted"}, row
    assert not unreadable, unreadable
    for mid, kind in outcomes.items():  # completed => run exactly once, on the server side
        if kind == "completed":
            assert executed[mid] == 1, (mid, executed[mid])


async def check_interrupted(transport: KafkaTransport, load: Load) -> list[str]:
    """GetTask of every interrupted request's task: what is not terminal or not readable."""
    wrong = []
    for mid, kind in load.outcomes.items():
        if kind != "interrupted":
            continue
        message = load.errors[mid]
        if "task " not in message:  # it started (else it runs again): it has a task
            wrong.append(f"{mid}: no task id in {message!r}")
            continue
        task_id = message.rsplit("task ", 1)[1].split()[0]
        try:
            task = await transport.get_task(
                GetTaskRequest(id=task_id), context=ClientCallContext(timeout=60)
            )
        except Exception as exc:
            wrong.append(f"{task_id}: {exc!r}")
            continue
        if task.status.state not in TERMINAL:
            wrong.append(f"{task_id}: {TaskState.Name(task.status.state)}")
    return wrong
