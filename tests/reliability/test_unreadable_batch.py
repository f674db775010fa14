"""A record batch the broker serves corrupted (bit rot in its log segment) stops nothing.

A broker validates every batch it is sent (a CRC mismatch is refused with
CORRUPT_MESSAGE, a record that does not parse with INVALID_RECORD), so the only way
such a batch reaches a consumer is damage on the broker's disk. This test does that to
a private broker: one record's bytes are flipped in its segment file, behind the
broker's back, before the agent starts. The agent dead-letters a placeholder naming
the lost offsets, counts it, and answers the requests around it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer
from serving import message, serve
from test_dead_letters import letters_when

from a2a_kafka import KafkaConfig
from a2a_kafka.broker import BrokerLayout, LocalBroker
from a2a_kafka.broker.jars import ensure_jars
from a2a_kafka.broker.layout import free_port
from a2a_kafka.topics import AgentTopics, ensure_topics

pytestmark = pytest.mark.kafka

MARK = b"bytes-the-disk-will-damage"


@pytest_asyncio.fixture
async def private_broker(tmp_path: Path) -> AsyncIterator[tuple[KafkaConfig, Path]]:
    """A broker of its own (its segment files are damaged) and its data directory."""
    layout = BrokerLayout.at(tmp_path / "home", await ensure_jars(BrokerLayout.default().lib))
    broker = LocalBroker(layout, free_port(), free_port())
    status = await broker.start()
    try:
        yield KafkaConfig(bootstrap_servers=status.bootstrap_servers), layout.data
    finally:
        await broker.stop()


def damage(data: Path, topic: str) -> int:
    """Flip the bytes of `MARK` in ``topic``'s segment; the number of segments damaged."""
    damaged = 0
    for segment in data.glob(f"{topic}-*/*.log"):
        raw = segment.read_bytes()
        if MARK in raw:
            segment.write_bytes(raw.replace(MARK, bytes(b ^ 0xFF for b in MARK)))
            damaged += 1
    return damaged


async def test_a_corrupt_batch_is_dead_lettered_as_a_placeholder_and_serving_goes_on(
    private_broker: tuple[KafkaConfig, Path], tmp_path: Path
) -> None:
    config, data = private_broker
    topics = AgentTopics.of(config, "rot")
    await ensure_topics(config, [topics.requests, topics.responses, topics.dead_letters])
    producer = AIOKafkaProducer(**config.client_options())
    await producer.start()
    try:
        bad = await producer.send_and_wait(topics.requests, MARK, partition=0)
    finally:
        await producer.stop()
    assert damage(data, topics.requests) == 1
    async with serve(config, "rot", tmp_path) as served:
        caller = served.transport()
        assert (await caller.send_message(message("work 1"))).task.id
        listing = await letters_when(config, "rot", 1, timeout=60.0)
        assert (await caller.send_message(message("work 2"))).task.id
        stats = served.server.stats
        assert served.server.health.state == "serving"
    (letter,) = listing.letters
    assert letter.error_type == "UnreadableRecordError"
    assert letter.origin == f"{topics.requests}/0@{bad.offset}"
    assert letter.value is not None
    placeholder = json.loads(letter.value)
    assert (placeholder["topic"], placeholder["partition"]) == (topics.requests, 0)
    assert placeholder["offset"] == bad.offset
    assert "CRC mismatch" in placeholder["reason"]
    assert stats.unreadable == stats.dead_lettered == 1
    assert stats.loop_failures == 0
