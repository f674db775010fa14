"""Agent cards on Kafka: the counterpart of ``/.well-known/agent-card.json``.

Every server publishes its public `AgentCard` to the compacted topic
``a2a.agent-cards``, keyed by agent name, when it starts; compaction keeps the
latest card of each agent for ever. `AgentRegistry` reads the topic to the end
and answers by name or by skill. Cards list a Kafka interface::

    AgentInterface(url="kafka://<bootstrap>/<agent>", protocol_binding=KAFKA_PROTOCOL_BINDING)
"""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import urlsplit

from a2a.types.a2a_pb2 import AgentCard, AgentInterface
from a2a.utils.constants import PROTOCOL_VERSION_CURRENT
from a2a.utils.proto_utils import parse_lenient
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from google.protobuf.json_format import MessageToDict

from a2a_kafka.closing import close_quietly
from a2a_kafka.config import KafkaConfig
from a2a_kafka.errors import AgentNotFoundError, BrokerError, ConfigurationError
from a2a_kafka.topics import REGISTRY_TOPIC, check_agent_name, ensure_topics

logger = logging.getLogger(__name__)

READ_TIMEOUT = 60.0
"""Seconds reading the whole registry may take before it is an error (broker gone)."""

KAFKA_PROTOCOL_BINDING = "urn:a2a-kafka:binding:1.0"
"""The ``protocolBinding`` of a Kafka interface in an agent card (a URI, as A2A asks)."""


def kafka_url(config: KafkaConfig, agent: str) -> str:
    """``kafka://<bootstrap>/<agent>`` (``?prefix=`` when topics are prefixed)."""
    query = f"?prefix={config.topic_prefix}" if config.topic_prefix else ""
    return f"kafka://{config.bootstrap_servers}/{check_agent_name(agent)}{query}"


def parse_kafka_url(url: str) -> tuple[str, str, str]:
    """``(bootstrap_servers, agent, topic_prefix)`` of a ``kafka://`` URL."""
    parts = urlsplit(url)
    agent = parts.path.strip("/")
    if parts.scheme != "kafka" or not parts.netloc or not agent:
        raise ConfigurationError(f"{url!r} is not a kafka://<bootstrap>/<agent> URL")
    query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    return parts.netloc, check_agent_name(agent), query.get("prefix", "")


def kafka_interface(config: KafkaConfig, agent: str) -> AgentInterface:
    """The card interface through which ``agent`` is reached on this cluster."""
    return AgentInterface(
        url=kafka_url(config, agent),
        protocol_binding=KAFKA_PROTOCOL_BINDING,
        protocol_version=PROTOCOL_VERSION_CURRENT,
    )


def with_kafka_interface(card: AgentCard, config: KafkaConfig, agent: str) -> AgentCard:
    """A copy of ``card`` that lists its Kafka interface (first, if it was missing)."""
    result = AgentCard()
    result.CopyFrom(card)
    interface = kafka_interface(config, agent)
    if all(i.url != interface.url for i in result.supported_interfaces):
        existing = list(result.supported_interfaces)
        del result.supported_interfaces[:]
        result.supported_interfaces.extend([interface, *existing])
    return result


async def publish_card(
    producer: AIOKafkaProducer, config: KafkaConfig, agent: str, card: AgentCard
) -> None:
    """Write ``card`` as the registry's current card of ``agent``."""
    await _ensure_registry(config)
    value = json.dumps(MessageToDict(card), ensure_ascii=False).encode()
    await producer.send_and_wait(config.topic(REGISTRY_TOPIC), value, key=agent.encode())


async def _ensure_registry(config: KafkaConfig) -> None:
    await ensure_topics(
        config,
        [config.topic(REGISTRY_TOPIC)],
        partitions=1,
        topic_configs={"cleanup.policy": "compact"},
    )


class AgentRegistry:
    """Reads the agent-card registry of one cluster."""

    def __init__(self, config: KafkaConfig) -> None:
        self.config = config

    async def cards(self) -> dict[str, AgentCard]:
        """Every registered agent's latest card, by agent name."""
        await _ensure_registry(self.config)
        consumer = AIOKafkaConsumer(
            **self.config.client_options(), group_id=None, enable_auto_commit=False
        )
        try:
            await consumer.start()
            async with asyncio.timeout(READ_TIMEOUT):
                return await _read_all(consumer, self.config.topic(REGISTRY_TOPIC))
        except (KafkaError, TimeoutError) as exc:
            raise BrokerError(f"cannot read the agent registry: {exc!r}") from exc
        finally:
            await close_quietly("the consumer", consumer.stop)

    async def get(self, agent: str) -> AgentCard:
        """The card of ``agent``; `AgentNotFoundError` if none is registered."""
        cards = await self.cards()
        if agent not in cards:
            names = sorted(cards)
            known = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
            raise AgentNotFoundError(
                f"no agent named {agent!r} is registered on {self.config.bootstrap_servers} "
                f"(registered: {known or 'none'}); is it running? `a2a-kafka agents` lists them"
            )
        return cards[agent]

    async def find_by_skill(self, skill: str) -> dict[str, AgentCard]:
        """Cards with a skill whose id, name or tags match ``skill`` (case-insensitive)."""
        wanted = skill.lower()
        return {
            name: card
            for name, card in (await self.cards()).items()
            if any(
                wanted in (s.id.lower(), s.name.lower(), *(t.lower() for t in s.tags))
                for s in card.skills
            )
        }


async def _read_all(consumer: AIOKafkaConsumer, topic: str) -> dict[str, AgentCard]:
    partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or {0})]
    consumer.assign(partitions)
    await consumer.seek_to_beginning(*partitions)
    ends = await consumer.end_offsets(partitions)
    cards: dict[str, AgentCard] = {}
    while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
        for records in (await consumer.getmany(timeout_ms=500)).values():
            for record in records:
                if record.key is None:
                    continue
                name = record.key.decode(errors="replace")
                if record.value is None:
                    cards.pop(name, None)  # tombstone: the agent was deregistered
                    continue
                try:
                    cards[name] = parse_lenient(record.value, AgentCard())
                except Exception as exc:  # any bytes: one bad record must not hide the rest
                    logger.warning(
                        "skipping the card of %r at offset %d: %s", name, record.offset, exc
                    )
    return cards
