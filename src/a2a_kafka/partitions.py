"""How many partitions a topic has, asked of the cluster (not of a client's cache)."""

from __future__ import annotations

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from a2a_kafka.config import KafkaConfig


async def topic_partitions(config: KafkaConfig, topic: str) -> list[TopicPartition]:
    """The partitions of ``topic``, in order; empty when it does not exist."""
    admin = AIOKafkaAdminClient(**config.client_options())
    try:
        await admin.start()
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    if described.get("error_code", 0) != 0:
        return []
    numbers = sorted(p["partition"] for p in described.get("partitions", []))
    return [TopicPartition(topic, n) for n in numbers]
