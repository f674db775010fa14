"""``a2a-kafka serve --metrics-port``: Prometheus metrics that move with the traffic."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from a2a_kafka import KafkaConfig
from a2a_kafka.topics import AgentTopics
from a2a_kafka.wire import ReplyAddress, encode_request
from traced import CLI, cluster_env, run

DEADLINE_S = 120

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@dataclass(frozen=True)
class Served:
    env: dict[str, str]
    config: KafkaConfig
    url: str
    log: Path
    """The server's standard error: its log, as JSON lines."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scrape(url: str) -> Samples:
    """Every sample of the endpoint, parsed by prometheus_client's own text parser."""
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


async def scraped_until(url: str, condition: Callable[[Samples], bool]) -> Samples:
    """Scrape until ``condition`` holds (the counters are updated as requests end)."""
    async with asyncio.timeout(DEADLINE_S):
        while not condition(samples := await asyncio.to_thread(scrape, url)):  # noqa: ASYNC110 - an HTTP endpoint has no change event
            await asyncio.sleep(0.2)
    return samples


@pytest.fixture
async def served(
    kafka_config: KafkaConfig, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> AsyncIterator[Served]:
    prefix = f"met{uuid.uuid4().hex[:8]}."
    env = {
        **cluster_env(kafka_config, prefix),
        "GAME_BALANCE_DATA_DIR": str(tmp_path_factory.getbasetemp() / "game-data"),
        "PYTHONUNBUFFERED": "1",
    }
    port = free_port()
    log = tmp_path / "serve.log"
    stderr = log.open("wb")
    process = await asyncio.create_subprocess_exec(
        *CLI,
        "--log-format",
        "json",
        "serve",
        "all",
        "--metrics-port",
        str(port),
        "--metrics-host",
        "127.0.0.1",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=stderr,
    )
    assert process.stdout is not None
    async with asyncio.timeout(DEADLINE_S):
        while b"serving" not in await process.stdout.readline():
            assert process.returncode is None
    url = f"http://127.0.0.1:{port}/metrics"
    yield Served(env, kafka_config.with_(topic_prefix=prefix), url, log)
    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(DEADLINE_S):
        await process.wait()
    stderr.close()


async def produce_bad_records(config: KafkaConfig) -> None:
    """One record with no reply address (a dead letter), one already expired."""
    topic = AgentTopics.of(config, "data").requests
    producer = AIOKafkaProducer(**config.client_options())
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"\xff not json", headers=[("x", b"\xfe")])
        value_, headers = encode_request(
            "GetTask",
            {"id": "t-1"},
            correlation_id=str(uuid.uuid4()),
            reply_to=ReplyAddress(topic, 0),
            deadline=time.time() - 60,
            service_parameters={"A2A-Version": "1.0"},
        )
        await producer.send_and_wait(topic, value_, headers=headers)
    finally:
        await producer.stop()


async def test_counters_move_with_answered_dead_lettered_and_expired_requests(
    served: Served,
) -> None:
    before = await asyncio.to_thread(scrape, served.url)
    assert value(before, "a2a_kafka_requests_total") == 0
    assert value(before, "a2a_kafka_in_flight", agent="data") == 0

    code, _, err = await run(*CLI, "send", "balance", "테란 승률?", env=served.env)
    assert code == 0, err
    await produce_bad_records(served.config)

    def moved(s: Samples) -> bool:
        return (
            value(s, "a2a_kafka_requests_total", agent="balance", outcome="answered") >= 1
            and value(s, "a2a_kafka_requests_total", agent="data", outcome="dead_lettered") >= 1
            and value(s, "a2a_kafka_requests_total", agent="data", outcome="expired") >= 1
            and value(s, "a2a_kafka_group_members", agent="data") == 1
            and value(s, "a2a_kafka_dead_letter_records", agent="data") >= 1
        )

    after = await scraped_until(served.url, moved)
    method = "SendStreamingMessage"
    assert (
        value(after, "a2a_kafka_requests_total", agent="data", method=method, outcome="answered")
        == 1
    )  # Balance forwarded the question to Data
    assert (
        value(
            after, "a2a_kafka_requests_total", agent="data", method="other", outcome="dead_lettered"
        )
        == 1
    )
    assert (
        value(after, "a2a_kafka_requests_total", agent="data", method="GetTask", outcome="expired")
        == 1
    )
    assert value(after, "a2a_kafka_handler_dead_lettered_total", agent="data") == 1
    assert value(after, "a2a_kafka_handler_expired_total", agent="data") == 1
    assert value(after, "a2a_kafka_handler_received_total", agent="data") == 3
    assert (
        value(after, "a2a_kafka_process_duration_seconds_count", agent="balance", method=method)
        == 1
    )
    assert value(after, "a2a_kafka_queue_wait_seconds_count", agent="data") == 3
    # the Balance agent as a caller: its call to Data, answered
    assert value(after, "a2a_kafka_calls_total", agent="data", method=method, outcome="ok") == 1
    assert value(after, "a2a_kafka_call_duration_seconds_count", agent="data") == 1
    lag = [ls for (n, ls) in after if n == "a2a_kafka_consumer_lag" and ("agent", "data") in ls]
    assert len(lag) == 3  # one per partition of agent.data.requests

    lines = [json.loads(line) for line in served.log.read_text().splitlines()]
    (dead,) = [line for line in lines if "unroutable request, dead-lettered" in line["message"]]
    assert (dead["agent"], dead["level"], dead["logger"]) == (
        "data",
        "WARNING",
        "a2a_kafka.server.requests",
    )


async def test_tail_shows_requests_replies_and_garbage_live(served: Served) -> None:
    tail = await asyncio.create_subprocess_exec(
        *CLI,
        "tail",
        "data",
        env=served.env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert tail.stdout is not None
    try:
        async with asyncio.timeout(DEADLINE_S):
            assert b"following" in await tail.stdout.readline()
            code, _, err = await run(*CLI, "send", "data", "테란 승률?", env=served.env)
            assert code == 0, err
            await produce_bad_records(served.config)
            lines: list[str] = []
            while not any("not a JSON-RPC request" in line for line in lines):
                lines.append((await tail.stdout.readline()).decode())
    finally:
        tail.send_signal(signal.SIGINT)
        async with asyncio.timeout(DEADLINE_S):
            await tail.wait()
    assert any("→ data SendStreamingMessage" in line and "테란 승률?" in line for line in lines)
    assert any("← data end" in line for line in lines)
    assert any("thinking:" in line for line in lines)
    assert tail.returncode == 130  # Ctrl-C, no traceback
