"""How agents keep up: consumer group members, lag of their request topics, dead letters.

What ``a2a-kafka status`` shows, read with the admin API as Kafka's own
``kafka-consumer-groups --describe`` does:

- **members**: instances in the agent's consumer group ``a2a.agent.<name>``
  (`KafkaConsumerHandler`'s default group), and the group's state;
- **lag**: per partition of ``agent.<name>.requests``, the end offset minus the
  group's committed offset, i.e. requests not yet finished (a handler commits
  only after a request's replies were acknowledged). A partition the group
  never committed counts from its first retained record;
- **dead letters**: records retained on ``agent.<name>.requests.dlq``;
- **states**: the task-state fingerprint each member advertises
  (`a2a_kafka.server.state_check`); more than one means the instances do not
  share their tasks;
- **instances**: each instance's consume-loop health as it last reported it on
  ``agent.<name>.health`` (`a2a_kafka.server.liveness`): serving, stuck, failed
  or silent.

Internal module: not part of the public API; use what `a2a_kafka` exports.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from a2a_kafka.config import KafkaConfig
from a2a_kafka.diagnosis import kafka_errors
from a2a_kafka.server.liveness import InstanceHealth, read_reports
from a2a_kafka.topics import AgentTopics, existing_topics, partitions_of

GROUP_QUERIES = 16
"""Agents whose consumer group `agent_status` describes at once (one admin client)."""

_MARK = re.compile(r"\.state-([A-Za-z0-9_-]+)$")


def fingerprint_in(client_id: str) -> str:
    """The state fingerprint a group member advertises in its client id; ``unknown`` if none."""
    match = _MARK.search(client_id)
    return match.group(1) if match else "unknown"


@dataclass(frozen=True, slots=True)
class PartitionLag:
    """One partition of an agent's request topic."""

    partition: int
    """Partition number."""

    committed: int | None
    """The group's committed offset (next request to finish); None if never committed."""

    start: int
    """Offset of the oldest retained record."""

    end: int
    """Offset the next request will get."""

    @property
    def lag(self) -> int:
        """Requests retained and not yet finished by the group."""
        return self.end - max(self.start, self.committed or 0)


@dataclass(frozen=True, slots=True)
class AgentStatus:
    """Consumer group, lag and dead letters of one agent."""

    agent: str
    """The agent's name."""

    group: str
    """Its consumer group id."""

    state: str
    """Group state as the broker reports it: ``Stable``, ``Empty``, ``PreparingRebalance``..."""

    members: int
    """Instances in the group now."""

    partitions: tuple[PartitionLag, ...]
    """Lag per partition of the request topic, by partition number."""

    dead_letters: int
    """Records retained on the dead-letter topic."""

    states: tuple[str, ...] = ()
    """The task-state fingerprint of each member (``unknown`` if it says none)."""

    instances: tuple[InstanceHealth, ...] = ()
    """Each instance's last health report, by instance id."""

    @property
    def healthy(self) -> bool:
        """Whether every instance that reported is serving."""
        return all(i.state == "serving" for i in self.instances)

    @property
    def state_shared(self) -> bool:
        """Whether every member uses one task state."""
        return len(set(self.states)) <= 1

    @property
    def lag(self) -> int:
        """Requests not finished yet, over all partitions."""
        return sum(p.lag for p in self.partitions)


async def served_agents(config: KafkaConfig) -> list[str]:
    """Names of the agents that have a request topic on the cluster (this topic prefix)."""
    pattern = re.compile(rf"{re.escape(config.topic('agent.'))}([A-Za-z0-9_-]+)\.requests")
    return sorted(
        match.group(1)
        for topic in await existing_topics(config)
        if (match := pattern.fullmatch(topic))
    )


async def agent_status(
    config: KafkaConfig, agents: Iterable[str], *, group_ids: dict[str, str] | None = None
) -> list[AgentStatus]:
    """The status of each of ``agents`` (group ``a2a.agent.<name>`` unless in ``group_ids``).

    Raises `BrokerError` when the cluster cannot be used.
    """
    names = list(agents)
    topics = {name: AgentTopics.of(config, name) for name in names}
    groups = {
        name: (group_ids or {}).get(name) or config.topic(f"a2a.agent.{name}") for name in names
    }
    tps = await partitions_of(
        config, [t for name in names for t in (topics[name].requests, topics[name].dead_letters)]
    )
    admin = config.kafka.admin(**config.client_options())
    consumer = config.kafka.consumer(**config.client_options())
    try:
        async with kafka_errors(config):
            await admin.start()
            await consumer.start()
            # Assigned first, the partitions' metadata arrives in one request; unassigned,
            # aiokafka fetches it topic by topic, 0.1 s each (32 s for 158 agents).
            if tps:
                consumer.assign(tps)
            offsets = _Offsets(
                await consumer.beginning_offsets(tps) if tps else {},
                await consumer.end_offsets(tps) if tps else {},
            )
            reports = await read_reports(config, names)
            bound = asyncio.Semaphore(GROUP_QUERIES)

            async def one(name: str) -> AgentStatus:
                async with bound:
                    status = await _agent_status(admin, name, groups[name], topics[name], offsets)
                return replace(status, instances=tuple(reports[name]))

            return list(await asyncio.gather(*(one(name) for name in names)))
    finally:
        await consumer.stop()
        await admin.close()


@dataclass(frozen=True, slots=True)
class _Offsets:
    start: dict[TopicPartition, int]
    end: dict[TopicPartition, int]

    def of(self, topic: str) -> list[tuple[TopicPartition, int, int]]:
        """``(partition, start, end)`` of each partition of ``topic``, in partition order."""
        tps = sorted((tp for tp in self.end if tp.topic == topic), key=lambda tp: tp.partition)
        return [(tp, self.start[tp], self.end[tp]) for tp in tps]


async def _agent_status(
    admin: AIOKafkaAdminClient, agent: str, group: str, topics: AgentTopics, offsets: _Offsets
) -> AgentStatus:
    description = await describe_group(admin, group)
    requests = offsets.of(topics.requests)
    committed = await _committed(admin, group, [tp for tp, _, _ in requests])
    return AgentStatus(
        agent=agent,
        group=group,
        state=description.get("state") or "Dead",
        members=len(description.get("members") or []),
        partitions=tuple(
            PartitionLag(tp.partition, committed.get(tp.partition), start, end)
            for tp, start, end in requests
        ),
        dead_letters=sum(end - start for _, start, end in offsets.of(topics.dead_letters)),
        states=tuple(
            fingerprint_in(str(m.get("client_id", ""))) for m in description.get("members") or []
        ),
    )


async def describe_group(admin: AIOKafkaAdminClient, group_id: str) -> dict[str, Any]:
    # One group per request: aiokafka 0.14 decodes a DescribeGroups v3 response with
    # the v2 schema, which misreads every group after the first.
    for response in await admin.describe_consumer_groups([group_id]):
        for group in response.to_object()["groups"]:
            if group["error_code"] == 0 and group["group"] == group_id:
                return dict(group)
    return {}


async def _committed(
    admin: AIOKafkaAdminClient, group: str, partitions: list[TopicPartition]
) -> dict[int, int]:
    if not partitions:
        return {}
    offsets = await admin.list_consumer_group_offsets(group, partitions=partitions)
    return {tp.partition: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}
