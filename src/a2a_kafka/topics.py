"""Topic names of the binding, and idempotent topic creation.

Names follow the plan: ``agent.<name>.requests`` and ``agent.<name>.responses``,
plus ``agent.<name>.requests.dlq`` for dead letters, the compacted
``a2a.agent-cards`` registry and ``agent.<name>.health`` (each instance's health,
`a2a_kafka.server.liveness`). `KafkaConfig.topic_prefix` is prepended to all.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from a2a_kafka.config import KafkaConfig
from a2a_kafka.diagnosis import kafka_errors
from a2a_kafka.errors import ConfigurationError

_AGENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,100}$")

REGISTRY_TOPIC = "a2a.agent-cards"


def check_agent_name(name: str) -> str:
    """Return ``name`` if it is a valid agent name (letters, digits, ``-``, ``_``)."""
    if not _AGENT_NAME.match(name):
        raise ConfigurationError(
            f"invalid agent name {name!r}: use letters, digits, '-' and '_' (at most 101)"
        )
    return name


@dataclass(frozen=True, slots=True)
class AgentTopics:
    """The topics of one agent under one config."""

    requests: str
    responses: str
    dead_letters: str

    @classmethod
    def of(cls, config: KafkaConfig, agent: str) -> AgentTopics:
        base = config.topic(f"agent.{check_agent_name(agent)}")
        return cls(f"{base}.requests", f"{base}.responses", f"{base}.requests.dlq")


async def existing_topics(config: KafkaConfig) -> set[str]:
    """The names of the cluster's topics; raises `BrokerError` when unreachable
    (`BrokerAuthenticationError` when the credentials are rejected)."""
    admin = config.kafka.admin(**config.client_options())
    try:
        async with kafka_errors(config):
            await admin.start()
            return set(await admin.list_topics())
    finally:
        await admin.close()


async def ensure_topics(
    config: KafkaConfig,
    names: Iterable[str],
    *,
    partitions: int | None = None,
    topic_configs: Mapping[str, str] | None = None,
) -> list[str]:
    """Create the topics that do not exist yet; return the names created.

    Idempotent: topics that already exist are left as they are, whatever their
    partition count. Raises `BrokerError` when the cluster cannot be reached
    (`BrokerAuthenticationError` when the credentials are rejected).
    """
    wanted = list(dict.fromkeys(names))
    admin = config.kafka.admin(**config.client_options())
    try:
        async with kafka_errors(config):
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [n for n in wanted if n not in existing]
            if missing:
                await _create(admin, config, missing, partitions, topic_configs)
            return missing
    finally:
        await admin.close()


async def _create(
    admin: AIOKafkaAdminClient,
    config: KafkaConfig,
    names: list[str],
    partitions: int | None,
    topic_configs: Mapping[str, str] | None,
) -> None:
    new = [
        NewTopic(
            name,
            num_partitions=partitions or config.partitions,
            replication_factor=config.replication_factor,
            topic_configs=dict(topic_configs or {}),
        )
        for name in names
    ]
    response = await admin.create_topics(new)
    for topic_error in getattr(response, "topic_errors", []):
        name, code = topic_error[0], topic_error[1]
        if code not in (0, TopicAlreadyExistsError.errno):
            raise for_code(code)(f"creating topic {name!r}")  # ensure_topics explains it


async def ensure_agent_topics(config: KafkaConfig, agents: Iterable[str]) -> list[str]:
    """Create ``agent.<name>.requests``/``.responses`` for each agent; idempotent."""
    names: list[str] = []
    for agent in agents:
        t = AgentTopics.of(config, agent)
        names += [t.requests, t.responses]
    return await ensure_topics(config, names)


async def partitions_of(config: KafkaConfig, names: Iterable[str]) -> list[TopicPartition]:
    """Every partition of the named topics that exist (missing topics have none).

    Only topics the cluster lists are described: a metadata request for a missing
    topic would create it on brokers with ``auto.create.topics.enable``.
    """
    admin = config.kafka.admin(**config.client_options())
    try:
        async with kafka_errors(config):
            await admin.start()
            listed = set(await admin.list_topics())
            present = [name for name in names if name in listed]
            described = await admin.describe_topics(present) if present else []
    finally:
        await admin.close()
    return [
        TopicPartition(topic["topic"], p["partition"])
        for topic in described
        if topic["error_code"] == 0
        for p in topic["partitions"]
    ]


async def topic_partitions(
    config: KafkaConfig, topic: str, *, wait: float = 0.0
) -> list[TopicPartition]:
    """The partitions of ``topic``, in order; empty when it does not exist.

    ``wait``: seconds to keep asking while the topic has no partitions yet (a
    topic just created takes a moment to appear in the cluster's metadata).
    """
    async with asyncio.timeout(wait + 30):
        deadline = asyncio.get_running_loop().time() + wait
        while not (found := await partitions_of(config, [topic])):
            if asyncio.get_running_loop().time() >= deadline:
                break
            await asyncio.sleep(0.1)  # metadata has no change notification to await
    return sorted(found)


async def record_counts(config: KafkaConfig, topics: Iterable[str]) -> dict[str, int]:
    """How many records each topic holds now (end offsets summed over partitions)."""
    names = list(topics)
    partitions = await partitions_of(config, names)
    consumer = config.kafka.consumer(**config.client_options())
    try:
        async with kafka_errors(config):
            await consumer.start()
            ends = await consumer.end_offsets(partitions) if partitions else {}
    finally:
        await consumer.stop()
    return {name: sum(n for tp, n in ends.items() if tp.topic == name) for name in names}
