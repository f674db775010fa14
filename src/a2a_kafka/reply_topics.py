"""Callers' private reply topics: heartbeats while alive, clean-up after a crash.

A `Requester` creates ``<prefix>a2a.replies.<client-id>.<random>`` on start and
deletes it on close. A caller that crashes cannot delete it, so every caller
writes a heartbeat record to its own reply topic on start and then every
`HEARTBEAT_INTERVAL` seconds. `stale_reply_topics` finds the reply topics whose
newest record is older than an idle bound (or that hold none: their caller died
before its first heartbeat), and `delete_reply_topics` removes them; the CLI is
``a2a-kafka topics gc``. Servers skip requests whose reply topic is gone.

Internal module: not part of the public API; use what `a2a_kafka` exports.
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from a2a_kafka.config import KafkaConfig
from a2a_kafka.diagnosis import kafka_errors
from a2a_kafka.errors import BrokerError, ConfigurationError
from a2a_kafka.topics import existing_topics, partitions_of
from a2a_kafka.wire import ReplyAddress, ReplyKind, encode_reply

logger = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = 300.0
"""Seconds between a live caller's heartbeats on its reply topic."""
DEFAULT_IDLE = 3600.0
"""A reply topic silent for this long (12 heartbeats) belongs to a dead caller."""


def reply_topics_prefix(config: KafkaConfig) -> str:
    """``<prefix>a2a.replies.``: how every caller's private reply topic starts."""
    return config.topic("a2a.replies.")


async def beat(producer: AIOKafkaProducer, to: ReplyAddress) -> None:
    """Write one heartbeat record to ``to``."""
    value, headers = encode_reply("-", ReplyKind.HEARTBEAT, 0, None)
    await producer.send_and_wait(
        to.topic, value, key=b"heartbeat", partition=to.partition, headers=headers
    )


async def keep_beating(producer: AIOKafkaProducer, to: ReplyAddress) -> None:
    """Write a heartbeat to ``to`` every `HEARTBEAT_INTERVAL` s until cancelled."""
    while True:
        await asyncio.sleep(HEARTBEAT_INTERVAL)
        try:
            await beat(producer, to)
        except KafkaError as exc:  # the next beat will try again
            logger.warning("heartbeat to %s failed: %r", to.topic, exc)


async def stale_reply_topics(config: KafkaConfig, idle: float = DEFAULT_IDLE) -> list[str]:
    """Reply topics with no record (heartbeat or reply) in the last ``idle`` seconds."""
    prefix = reply_topics_prefix(config)
    names = sorted(t for t in await existing_topics(config) if t.startswith(prefix))
    if not names:
        return []
    partitions = await partitions_of(config, names)
    consumer = config.kafka.consumer(**config.consumer_kwargs(group_id=None))
    try:
        async with kafka_errors(config):
            await consumer.start()
            ends = await consumer.end_offsets(partitions)
            newest = {
                tp.topic: await _newest_timestamp(consumer, tp, ends[tp]) for tp in partitions
            }
    except TimeoutError as exc:
        raise BrokerError(f"Kafka at {config.bootstrap_servers} did not answer in time") from exc
    finally:
        await consumer.stop()
    cutoff = (time.time() - idle) * 1000
    return [name for name in names if newest.get(name, 0) < cutoff]


async def _newest_timestamp(consumer: AIOKafkaConsumer, tp: TopicPartition, end: int) -> int:
    """The timestamp (ms) of the last record before ``end``; 0 when there is none."""
    if end == 0:
        return 0
    consumer.assign([tp])
    consumer.seek(tp, end - 1)
    async with asyncio.timeout(10):
        records = (await consumer.getmany(tp, timeout_ms=5000)).get(tp, [])
    return max((r.timestamp for r in records), default=0)


async def delete_reply_topics(config: KafkaConfig, names: list[str]) -> None:
    """Delete the named reply topics (only names under the reply-topic prefix)."""
    prefix = reply_topics_prefix(config)
    unsafe = [n for n in names if not n.startswith(prefix)]
    if unsafe:
        raise ConfigurationError(f"not reply topics: {', '.join(unsafe)}")
    if not names:
        return
    admin = config.kafka.admin(**config.client_options())
    try:
        async with kafka_errors(config):
            await admin.start()
            await admin.delete_topics(names)
    finally:
        await admin.close()
