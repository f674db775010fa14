"""``a2a-kafka demo`` (temporary): prove the Kafka set-up works end to end.

Uses ``KAFKA_BOOTSTRAP_SERVERS`` when set, else starts (or reuses) the local
broker and leaves it running; creates the plan's topics; sends one record with
a key and headers and reads it back. The agents demo will replace this.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord

from a2a_kafka.cli.common import Subparsers, local_broker
from a2a_kafka.config import KafkaConfig
from a2a_kafka.errors import BrokerError
from a2a_kafka.topics import AgentTopics, ensure_agent_topics

AGENTS = ("data", "cs", "balance")


def register(subparsers: Subparsers) -> None:
    """Add ``demo``."""
    parser = subparsers.add_parser(
        "demo",
        help="start Kafka if needed, create the agents' topics, send and receive a record",
    )
    parser.set_defaults(handler=_demo)


async def _demo(args: argparse.Namespace) -> int:
    config = await _cluster()
    created = set(await ensure_agent_topics(config, AGENTS))
    for agent in AGENTS:
        topics = AgentTopics.of(config, agent)
        for name in (topics.requests, topics.responses):
            print(f"  topic {name}: {'created' if name in created else 'already there'}")
    try:
        await _round_trip(config, AgentTopics.of(config, AGENTS[0]).requests)
    except KafkaError as exc:
        raise BrokerError(f"Kafka failed during the demo: {exc!r}") from exc
    print("demo ok: Kafka carries keyed records with headers; the agents demo comes next")
    return 0


async def _cluster() -> KafkaConfig:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        config = KafkaConfig.from_env()
        print(f"using the cluster at {config.bootstrap_servers} (KAFKA_BOOTSTRAP_SERVERS)")
        return config
    status = await local_broker().start()
    verb = f"started in {status.elapsed:.1f} s" if status.started else "already running"
    print(f"local Apache Kafka {status.version} broker {verb} at {status.bootstrap_servers}")
    print(f"  log: {status.log_file}  (stop it with: a2a-kafka broker stop)")
    return status.config()


async def _round_trip(config: KafkaConfig, topic: str) -> None:
    key = f"demo-{uuid.uuid4().hex[:8]}".encode()
    headers = [("sent-by", b"a2a-kafka demo"), ("content-type", b"application/json")]
    producer = AIOKafkaProducer(**config.client_options())
    await producer.start()
    try:
        began = time.monotonic()
        sent = await producer.send_and_wait(topic, b'{"hello": "kafka"}', key=key, headers=headers)
    finally:
        await producer.stop()
    print(f"  sent key={key.decode()} with headers {[h for h, _ in headers]}")
    print(f"    to {topic} partition {sent.partition} offset {sent.offset}")
    record = await _read_back(config, TopicPartition(topic, sent.partition), sent.offset)
    elapsed_ms = (time.monotonic() - began) * 1000
    same = record.key == key and list(record.headers) == headers
    if not same:
        raise BrokerError(f"read back a different record at offset {sent.offset} of {topic}")
    print(f"  received it back (same key, value and headers) {elapsed_ms:.0f} ms after sending")


async def _read_back(
    config: KafkaConfig, partition: TopicPartition, offset: int
) -> ConsumerRecord[bytes, bytes]:
    consumer = AIOKafkaConsumer(fetch_max_wait_ms=50, **config.client_options())
    await consumer.start()
    try:
        consumer.assign([partition])
        consumer.seek(partition, offset)
        return await asyncio.wait_for(consumer.getone(), 30)
    except TimeoutError:
        raise BrokerError(f"the record sent to {partition.topic} did not come back") from None
    finally:
        await consumer.stop()
