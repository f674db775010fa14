"""Kafka as the audit log: an agent's requests read back, malformed ones included."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer

from a2a_kafka import KafkaConfig
from a2a_kafka.audit import read_requests
from a2a_kafka.pytest_plugin import UniqueNames
from a2a_kafka.topics import AgentTopics, ensure_agent_topics
from a2a_kafka.wire import ReplyAddress, encode_request


async def test_read_requests_returns_every_record_in_order(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    agent = unique_names.agent()
    await ensure_agent_topics(kafka_config, [agent])
    topic = AgentTopics.of(kafka_config, agent).requests
    producer = AIOKafkaProducer(**kafka_config.client_options())
    await producer.start()
    try:
        for i, text in enumerate(["테란 승률?", "저그"]):
            value, headers = encode_request(
                "SendMessage",
                {"message": {"contextId": "ctx", "parts": [{"text": text}]}},
                correlation_id=f"c-{i}",
                reply_to=ReplyAddress("replies", 0),
                deadline=None,
                service_parameters={"A2A-Version": "1.0"},
            )
            await producer.send_and_wait(topic, value, key=b"ctx", headers=headers)
        await producer.send_and_wait(topic, b"garbage", key=b"ctx")
    finally:
        await producer.stop()

    entries = [e async for e in read_requests(kafka_config, agent)]

    assert [(e.method, e.text, e.correlation_id) for e in entries[:2]] == [
        ("SendMessage", "테란 승률?", "c-0"),
        ("SendMessage", "저그", "c-1"),
    ]
    assert entries[2].method == "?"
    assert entries[2].problem
    assert [e.offset for e in entries] == [0, 1, 2]  # one key, one partition, in order


async def test_an_agent_without_topics_has_no_requests(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    assert [e async for e in read_requests(kafka_config, unique_names.agent())] == []
