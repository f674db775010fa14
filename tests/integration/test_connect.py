"""`KafkaClients.connect` readies the reply route; closing the clients deletes it."""

from __future__ import annotations

import uuid

import pytest
from test_trusted_cards import lure, register

from a2a_kafka import KafkaClients, KafkaConfig
from a2a_kafka.errors import AgentNotFoundError
from a2a_kafka.pytest_plugin import UniqueNames
from a2a_kafka.reply_topics import reply_topics_prefix
from a2a_kafka.topics import existing_topics


def private(kafka_config: KafkaConfig) -> KafkaConfig:
    """A config whose topics (reply topics included) no other test shares."""
    return kafka_config.with_(topic_prefix=f"cn{uuid.uuid4().hex[:8]}.")


async def reply_topics(config: KafkaConfig) -> set[str]:
    prefix = reply_topics_prefix(config)
    return {t for t in await existing_topics(config) if t.startswith(prefix)}


async def test_connect_sets_up_the_callers_reply_topic_before_its_first_call(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    config = private(kafka_config)
    agent = unique_names.agent()
    await register(config, agent, lure(config, agent, config.bootstrap_servers))
    async with KafkaClients(config) as clients:
        with pytest.raises(AgentNotFoundError, match="has no request topic"):
            await clients.connect(agent)  # registered, but never served: no request topic
        assert len(await reply_topics(config)) == 1  # the route is ready and kept for later
    assert await reply_topics(config) == set()  # closing deletes it


async def test_a_failed_connect_leaves_no_reply_topic_once_closed(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    config = private(kafka_config)
    async with KafkaClients(config) as clients:
        for _ in range(3):
            with pytest.raises(AgentNotFoundError, match="is registered"):
                await clients.connect(unique_names.agent())
        assert len(await reply_topics(config)) == 1  # one route, however many attempts
    assert await reply_topics(config) == set()
