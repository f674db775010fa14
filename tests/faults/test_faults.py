"""Faults against agents in separate OS processes, under bounded load.

Each scenario checks that every request got exactly one terminal outcome (a
reply or an explicit error; nothing lost), that no message ran twice, and that
server memory stayed bounded; each adds a row to the table printed at the end.
Sizes: the short version by default, the acceptance sizes with
``A2A_KAFKA_FULL_FAULTS=1``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from fault_agent import ExecutionLog, fault_card
from harness import FULL, HERE, ROWS, Load, Row, ServerProcess, Timer, duplicated, rss_sampler

from a2a_kafka import KafkaConfig, KafkaTransport, with_kafka_interface
from a2a_kafka.broker import BrokerLayout, LocalBroker
from a2a_kafka.broker.layout import free_port
from a2a_kafka.pytest_plugin import UniqueNames
from a2a_kafka.topics import AgentTopics, ensure_topics, topic_partitions
from a2a_kafka.wire import ReplyAddress, encode_request

pytestmark = pytest.mark.timeout(900 if FULL else 600)  # a hang guard; a busy machine is slow

BUSY_S = 300.0
"""Generous deadline for what a busy machine (load ~13 on 2 cores) makes slow: a new client
process starting up and its first answers."""

RSS_BOUND_MB = 300.0
"""Resident memory a server process must stay under in every scenario."""


def size(short: int, full: int) -> int:
    return full if FULL else short


@contextlib.asynccontextmanager
async def servers(
    config: KafkaConfig, name: str, url: str, log: ExecutionLog, count: int, **options: int
) -> AsyncIterator[list[ServerProcess]]:
    started = [await ServerProcess.start(config, name, url, log, **options) for _ in range(count)]
    try:
        yield started
    finally:
        for server in started:
            server.kill()
            await server.process.wait()


def check(row: Row, *, allowed_errors: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    ROWS.append(row)
    assert row.lost == 0, row
    assert row.duplicated == 0, row
    assert sum(row.outcomes.values()) == row.sent, row
    assert set(row.outcomes) - {"completed"} <= allowed_errors, row
    assert row.max_rss_mb < RSS_BOUND_MB, row


async def run_with_fault(
    config: KafkaConfig,
    name: str,
    url: str,
    tmp_path: Path,
    *,
    instances: int,
    count: int,
    text: str,
    fault: str,
    **options: int,
) -> Row:
    log = ExecutionLog(tmp_path / "executions.log")
    timer = Timer()
    async with servers(config, name, url, log, instances, **options) as running:
        card = with_kafka_interface(fault_card(name), config, name)
        transport = KafkaTransport.create(config, name, card)
        load = Load.of(transport, count, text)
        try:
            async with rss_sampler(lambda: running) as peak:
                sending = asyncio.ensure_future(load.run())
                await load.progress.wait()
                if fault == "kill -9":
                    running[0].kill()
                elif fault == "SIGTERM":
                    await running[0].terminate()
                outcomes = await sending
        finally:
            await transport.close()
    return Row(
        f"{instances} instances, {fault} of one mid-load",
        count,
        Counter(outcomes.values()),
        duplicated(log),
        peak[0],
        timer.seconds,
    )


@pytest.mark.parametrize(
    ("fault", "errors"),
    [
        # requests running on a killed instance get an explicit `interrupted` error
        ("kill -9", {"interrupted"}),
        ("SIGTERM", set()),  # drained: nothing interrupted
    ],
)
async def test_one_of_two_instances_stops_mid_load(
    kafka_config: KafkaConfig,
    unique_names: UniqueNames,
    postgres_url: str,
    tmp_path: Path,
    fault: str,
    errors: set[str],
) -> None:
    row = await run_with_fault(
        kafka_config,
        unique_names.agent(),
        postgres_url,
        tmp_path,
        instances=2,
        count=size(200 if errors else 100, 1000),
        text="work 0.05",
        fault=fault,
    )
    if errors:
        row.note = "requests running on the killed instance got an explicit `interrupted` error"
    check(row, allowed_errors=errors)


async def test_slow_consumer_is_paused_not_flooded(
    kafka_config: KafkaConfig, unique_names: UniqueNames, postgres_url: str, tmp_path: Path
) -> None:
    name = unique_names.agent()
    log = ExecutionLog(tmp_path / "executions.log")
    timer = Timer()
    count = size(40, 300)
    async with servers(kafka_config, name, postgres_url, log, 1, max_in_flight=4) as running:
        transport = KafkaTransport.create(kafka_config, name)
        try:
            async with rss_sampler(lambda: running) as peak:
                outcomes = await Load.of(transport, count, "work 0.2", concurrency=count).run()
        finally:
            await transport.close()
        stats = await running[0].stats()
    row = Row(
        "slow consumer (4 in flight, 0.2 s each, all sent at once)",
        count,
        Counter(outcomes.values()),
        duplicated(log),
        peak[0],
        timer.seconds,
        note=f"fetching paused {stats.get('paused', '?')} times",
    )
    check(row)
    assert stats["paused"] > 0


async def test_client_restart_resends_and_nothing_runs_twice(
    kafka_config: KafkaConfig, unique_names: UniqueNames, postgres_url: str, tmp_path: Path
) -> None:
    name = unique_names.agent()
    log = ExecutionLog(tmp_path / "executions.log")
    count = size(100, 1000)
    texts = [(str(uuid.uuid4()), "work 0.3") for _ in range(count)]
    outcomes_file = tmp_path / "outcomes.jsonl"
    timer = Timer()
    async with (
        servers(kafka_config, name, postgres_url, log, 2) as running,
        rss_sampler(lambda: running) as peak,
    ):
        first = await _client(kafka_config, name, texts, tmp_path / "all.json", outcomes_file)
        async with asyncio.timeout(BUSY_S):  # a new process, its connections, 25 answers
            while len(_outcomes(outcomes_file)) < count // 4:  # noqa: ASYNC110 - a file
                await asyncio.sleep(0.05)
        first.send_signal(signal.SIGKILL)  # the caller dies with requests in flight
        await first.wait()
        answered = _outcomes(outcomes_file)
        rest = [(mid, text) for mid, text in texts if mid not in answered]
        second = await _client(kafka_config, name, rest, tmp_path / "rest.json", outcomes_file)
        assert await second.wait() == 0
    outcomes = _outcomes(outcomes_file)
    row = Row(
        "client killed (kill -9) and restarted, re-sending unanswered messages",
        count,
        Counter(outcomes.values()),
        duplicated(log),
        peak[0],
        timer.seconds,
        note=f"{len(rest)} re-sent with their message ids; the agent ran {len(log.counts())}",
    )
    check(row)


async def _client(
    config: KafkaConfig, name: str, texts: list[tuple[str, str]], spec: Path, out: Path
) -> asyncio.subprocess.Process:
    spec.write_text(json.dumps(texts))  # noqa: ASYNC240 - small, once
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(HERE / "load_client.py"),
        config.bootstrap_servers,
        name,
        str(spec),
        str(out),
        env={**os.environ, "PYTHONPATH": str(HERE)},
    )


def _outcomes(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    found = {}
    for line in path.read_text().splitlines():
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            found[entry["id"]] = entry["outcome"]
    return found


async def test_poison_records_end_in_the_dlq_or_an_error_reply(
    kafka_config: KafkaConfig, unique_names: UniqueNames, postgres_url: str, tmp_path: Path
) -> None:
    name = unique_names.agent()
    log = ExecutionLog(tmp_path / "executions.log")
    poison = size(1000, 10_000)
    good = size(50, 200)
    replies = unique_names.topic("poison-replies")
    await ensure_topics(kafka_config, [replies], partitions=1)
    topics = AgentTopics.of(kafka_config, name)
    timer = Timer()
    async with servers(kafka_config, name, postgres_url, log, 1) as running:
        transport = KafkaTransport.create(kafka_config, name)
        try:
            async with rss_sampler(lambda: running) as peak:
                load = Load.of(transport, good, "work 0.01", concurrency=8)
                sending = asyncio.ensure_future(load.run())
                unaddressed = await _send_poison(kafka_config, topics.requests, replies, poison)
                outcomes = await sending
                answered, dead = await _counts_when(
                    kafka_config, replies, topics.dead_letters, poison
                )
        finally:
            await transport.close()
        stats = await running[0].stats()
    row = Row(
        f"{poison} poison records amid {good} good requests",
        good,
        Counter(outcomes.values()),
        duplicated(log),
        peak[0],
        timer.seconds,
        note=(
            f"poison: {answered} answered with a JSON-RPC error, {dead} dead-lettered "
            f"(of {poison}; {unaddressed} had no reply address); server stats {stats}"
        ),
    )
    check(row)
    assert (answered, dead) == (poison - unaddressed, unaddressed)


POISON = (
    b"not json at all",
    b"[1, 2, 3]",
    b'{"jsonrpc": "1.0", "id": 1, "method": "GetTask"}',
    b'{"jsonrpc": "2.0", "id": 1, "method": "NoSuchMethod"}',
    b'{"jsonrpc": "2.0", "id": 1, "method": "GetTask", "params": {"id": 7}}',
    b"\xff\xfe binary",
)


async def _send_poison(config: KafkaConfig, topic: str, replies: str, count: int) -> int:
    """Produce ``count`` malformed records; the number without a reply address."""
    producer = AIOKafkaProducer(**config.client_options(), linger_ms=5)
    await producer.start()
    unaddressed = 0
    try:
        deliveries = []
        for i in range(count):
            _, headers = encode_request(
                "x", {}, correlation_id=str(uuid.uuid4()), reply_to=ReplyAddress(replies, 0),
                deadline=None, service_parameters={"A2A-Version": "1.0"},
            )  # fmt: skip
            if i % 10 == 9:
                headers, unaddressed = [], unaddressed + 1
            elif i % 10 == 8:
                headers, unaddressed = [("a2a-kafka-reply-topic", b"\xff")], unaddressed + 1
            deliveries.append(await producer.send(topic, POISON[i % len(POISON)], headers=headers))
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()
    return unaddressed


async def _counts_when(
    config: KafkaConfig, replies: str, dead_letters: str, total: int
) -> tuple[int, int]:
    """Records on the reply and dead-letter topics, once they add up to ``total`` (or 60 s)."""
    consumer = AIOKafkaConsumer(**config.client_options())
    await consumer.start()
    try:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(60):
                while sum(counts := await _ends(config, consumer, [replies, dead_letters])) < total:  # noqa: ASYNC110 - topics have no change event
                    await asyncio.sleep(0.2)
        return counts[0], counts[1]
    finally:
        await consumer.stop()


async def _ends(config: KafkaConfig, consumer: AIOKafkaConsumer, topics: list[str]) -> list[int]:
    offsets = []
    for topic in topics:
        tps = await topic_partitions(config, topic)
        offsets.append(sum((await consumer.end_offsets(tps)).values()) if tps else 0)
    return offsets


async def test_broker_restart_under_load(
    unique_names: UniqueNames, postgres_url: str, tmp_path: Path
) -> None:
    layout = BrokerLayout.default().session(f"{os.getpid()}-faults-{uuid.uuid4().hex[:6]}")
    broker = LocalBroker(layout, free_port(), free_port(), detach=False)
    status = await broker.start()
    try:
        config = status.config()
        name = unique_names.agent()
        log = ExecutionLog(tmp_path / "executions.log")
        count = size(200, 1000)
        timer = Timer()
        async with servers(config, name, postgres_url, log, 2) as running:
            transport = KafkaTransport.create(config, name)
            load = Load.of(transport, count, "work 0.05", timeout=120.0)
            try:
                async with rss_sampler(lambda: running) as peak:
                    sending = asyncio.ensure_future(load.run())
                    await load.progress.wait()
                    await broker.stop()
                    await asyncio.sleep(3.0)  # the broker is down for a while
                    await broker.start()
                    outcomes = await sending
            finally:
                await transport.close()
        row = Row(
            "broker stopped and restarted mid-load (2 instances)",
            count,
            Counter(outcomes.values()),
            duplicated(log),
            peak[0],
            timer.seconds,
        )
        check(row, allowed_errors={"interrupted"})
    finally:
        await broker.stop()
        shutil.rmtree(layout.home, ignore_errors=True)
