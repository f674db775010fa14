"""How many partitions a topic has, asked of the cluster (not of a client's cache)."""

from __future__ import annotations

import asyncio

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from a2a_kafka.config import KafkaConfig


async def topic_partitions(
    config: KafkaConfig, topic: str, *, wait: float = 0.0
) -> list[TopicPartition]:
    """The partitions of ``topic``, in order; empty when it does not exist.

    ``wait``: seconds to keep asking while the topic has no partitions yet (a
    topic just created takes a moment to appear in the cluster's metadata).
    """
    admin = AIOKafkaAdminClient(**config.client_options())
    try:
        await admin.start()
        deadline = asyncio.get_running_loop().time() + wait
        while True:
            (described,) = await admin.describe_topics([topic])
            found = [] if described.get("error_code", 0) else described.get("partitions", [])
            if found or asyncio.get_running_loop().time() >= deadline:
                break
            await asyncio.sleep(0.1)
    finally:
        await admin.close()
    return [TopicPartition(topic, n) for n in sorted(p["partition"] for p in found)]
