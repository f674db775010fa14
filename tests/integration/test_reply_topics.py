"""Reply topics of crashed callers are found and deleted; live callers' are kept."""

from __future__ import annotations

import time
import uuid

from aiokafka import AIOKafkaProducer

from a2a_kafka import KafkaConfig, Requester
from a2a_kafka.reply_topics import delete_reply_topics, reply_topics_prefix, stale_reply_topics
from a2a_kafka.topics import ensure_topics, existing_topics


async def test_gc_deletes_silent_reply_topics_and_keeps_live_ones(
    kafka_config: KafkaConfig,
) -> None:
    config = kafka_config.with_(topic_prefix=f"gc{uuid.uuid4().hex[:8]}.")
    prefix = reply_topics_prefix(config)
    never_beat, long_silent = f"{prefix}crashed.early", f"{prefix}crashed.long-ago"
    await ensure_topics(config, [never_beat, long_silent], partitions=1)
    producer = AIOKafkaProducer(**config.client_options())
    await producer.start()
    try:  # a heartbeat two hours old
        two_hours_ago = int((time.time() - 7200) * 1000)
        await producer.send_and_wait(long_silent, b"-", partition=0, timestamp_ms=two_hours_ago)
    finally:
        await producer.stop()
    live = Requester(config)
    await live.start()  # writes its first heartbeat
    try:
        stale = await stale_reply_topics(config, idle=3600)
        assert sorted(stale) == sorted([never_beat, long_silent])
        await delete_reply_topics(config, stale)
        remaining = {t for t in await existing_topics(config) if t.startswith(prefix)}
        assert remaining == {live.reply_to.topic}
    finally:
        await live.aclose()
