"""Inspecting and replaying an agent's dead letters (``a2a-kafka dlq list|replay``).

`read_dead_letters` reads the whole dead-letter topic. `replay` re-submits
the dead letters not replayed yet to the agent's request topic, with their key,
value and original headers (see `DeadLetter.request_headers`), and remembers
how far it got in the consumer group ``a2a.dlq-replay.<agent>``: each dead
letter is replayed once, however often `replay` runs.

A replayed SendMessage whose agent run already happened (its reply could not
be produced) is answered from the dedupe store, not run again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from a2a_kafka.closing import close_producer, close_quietly
from a2a_kafka.config import KafkaConfig
from a2a_kafka.diagnosis import kafka_errors
from a2a_kafka.server.dead_letters import DeadLetter, from_record
from a2a_kafka.topics import AgentTopics, topic_partitions
from a2a_kafka.wire import DEADLINE


@dataclass(frozen=True, slots=True)
class Listing:
    """The dead letters of an agent, and which of them were replayed."""

    topic: str
    letters: list[DeadLetter]
    replayed_up_to: dict[int, int]
    """Per partition, the offset below which every dead letter was replayed."""

    def was_replayed(self, letter: DeadLetter) -> bool:
        return letter.offset < self.replayed_up_to.get(letter.partition, 0)


def replay_group(config: KafkaConfig, agent: str) -> str:
    """The consumer group that remembers what `replay` re-submitted."""
    return config.topic(f"a2a.dlq-replay.{agent}")


async def read_dead_letters(
    config: KafkaConfig, agent: str, *, limit: int | None = None
) -> Listing:
    """Every dead letter of ``agent`` (the first ``limit``), oldest first per partition."""
    topics = AgentTopics.of(config, agent)
    consumer = _consumer(config, replay_group(config, agent))
    try:
        async with kafka_errors(config, f"cannot read {topics.dead_letters}"):
            await consumer.start()
            tps = await _partitions(config, consumer, topics.dead_letters)
            committed = {tp.partition: await consumer.committed(tp) or 0 for tp in tps}
            if tps:
                await consumer.seek_to_beginning(*tps)
            letters = await _read_to_end(consumer, tps, limit)
    finally:
        await close_quietly("the consumer", consumer.stop)
    return Listing(topics.dead_letters, letters, committed)


async def replay(
    config: KafkaConfig, agent: str, *, limit: int | None = None, drop_deadline: bool = False
) -> int:
    """Re-submit the dead letters not replayed yet; the number re-submitted.

    ``drop_deadline`` removes the callers' deadlines, which have usually passed:
    with them kept, the agent skips those requests as expired.
    """
    topics = AgentTopics.of(config, agent)
    consumer = _consumer(config, replay_group(config, agent))
    producer = config.kafka.producer(**config.client_options(), acks="all", enable_idempotence=True)
    try:
        async with kafka_errors(config, f"cannot replay {topics.dead_letters}"):
            await consumer.start()
            await producer.start()
            tps = await _partitions(config, consumer, topics.dead_letters)
            for tp in tps:
                position = await consumer.committed(tp)
                if position is None:
                    await consumer.seek_to_beginning(tp)
                else:
                    consumer.seek(tp, position)
            letters = await _read_to_end(consumer, tps, limit)
            await _resubmit(producer, topics.requests, letters, drop_deadline)
            done = {
                TopicPartition(topics.dead_letters, letter.partition): letter.offset + 1
                for letter in letters
            }
            if done:
                await consumer.commit(done)
    finally:
        await close_producer("the producer", producer)
        await close_quietly("the consumer", consumer.stop)
    return len(letters)


async def _resubmit(
    producer: AIOKafkaProducer, topic: str, letters: list[DeadLetter], drop_deadline: bool
) -> None:
    deliveries = []
    for letter in letters:
        headers = letter.request_headers()
        if drop_deadline:
            headers = [(n, v) for n, v in headers if n != DEADLINE]
        deliveries.append(await producer.send(topic, letter.value, key=letter.key, headers=headers))
    await asyncio.gather(*deliveries)


def _consumer(config: KafkaConfig, group: str) -> AIOKafkaConsumer:
    return config.kafka.consumer(
        **config.client_options(),
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
    )


async def _partitions(
    config: KafkaConfig, consumer: AIOKafkaConsumer, topic: str
) -> list[TopicPartition]:
    tps = await topic_partitions(config, topic)
    if tps:
        consumer.assign(tps)
    return tps


async def _read_to_end(
    consumer: AIOKafkaConsumer, tps: list[TopicPartition], limit: int | None
) -> list[DeadLetter]:
    ends = await consumer.end_offsets(tps) if tps else {}
    letters: list[DeadLetter] = []
    while limit is None or len(letters) < limit:
        positions = [await consumer.position(tp) for tp in tps]
        if all(position >= ends[tp] for position, tp in zip(positions, tps, strict=True)):
            break
        batches = await consumer.getmany(timeout_ms=1000)
        for tp, records in sorted(batches.items()):
            letters += [from_record(r) for r in records if r.offset < ends[tp]]
    return letters if limit is None else letters[:limit]
