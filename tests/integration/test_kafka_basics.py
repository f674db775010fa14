"""The real broker does what the binding relies on: keys, headers, groups, admin."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from a2a_kafka.config import KafkaConfig
from a2a_kafka.pytest_plugin import UniqueNames
from a2a_kafka.topics import ensure_topics


async def test_round_trip_keeps_key_value_and_headers(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    topic = unique_names.topic()
    await ensure_topics(kafka_config, [topic], partitions=1)
    headers = [("a2a-method", b"message/send"), ("correlation-id", b"c-1")]
    producer = AIOKafkaProducer(**kafka_config.client_options())
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, b'{"hello": 1}', key=b"task-1", headers=headers)
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic, auto_offset_reset="earliest", fetch_max_wait_ms=50, **kafka_config.client_options()
    )
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), 30)
    finally:
        await consumer.stop()
    assert (record.key, record.value, record.offset) == (b"task-1", b'{"hello": 1}', sent.offset)
    assert list(record.headers) == headers


async def test_two_consumers_in_a_group_split_the_partitions(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    topic, group = unique_names.topic(), unique_names.group()
    await ensure_topics(kafka_config, [topic], partitions=4)
    options = {"group_id": group, "fetch_max_wait_ms": 50, **kafka_config.client_options()}
    first = AIOKafkaConsumer(topic, auto_offset_reset="earliest", **options)
    second = AIOKafkaConsumer(topic, auto_offset_reset="earliest", **options)
    await first.start()
    await second.start()
    try:
        await _until_split(first, second)
        mine, theirs = first.assignment(), second.assignment()
        assert mine.isdisjoint(theirs)
        assert mine | theirs == {TopicPartition(topic, p) for p in range(4)}
        assert len(mine) == len(theirs) == 2
    finally:
        await asyncio.gather(first.stop(), second.stop())


async def _until_split(first: AIOKafkaConsumer, second: AIOKafkaConsumer) -> None:
    """Drive both consumers' group protocol until each holds a share of the partitions."""

    async def poll(consumer: AIOKafkaConsumer) -> None:
        while True:
            await consumer.getmany(timeout_ms=100)
            both = first.assignment() and second.assignment()
            if both and len(first.assignment() | second.assignment()) == 4:
                return

    async with asyncio.timeout(60):
        await asyncio.gather(poll(first), poll(second))


async def test_ensure_topics_is_idempotent(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    names = [unique_names.topic("a"), unique_names.topic("b")]
    assert await ensure_topics(kafka_config, names, partitions=2) == names
    assert await ensure_topics(kafka_config, names, partitions=5) == []
    extra = unique_names.topic("c")
    assert await ensure_topics(kafka_config, [*names, extra]) == [extra]
