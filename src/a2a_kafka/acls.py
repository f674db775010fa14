"""The Kafka ACLs each side of the binding needs, as data, and granting them.

On a cluster that checks ACLs (``authorizer.class.name`` set, as on MSK with
IAM or SCRAM and ``allow.everyone.if.no.acl.found=false``), each principal needs:

- `agent_acls`: an agent server (`KafkaConsumerHandler` with its default group)
  creates and reads its request topic, creates its responses and dead-letter
  topics and writes to them (the record of its replies, dead letters), and its
  health topic (`a2a_kafka.server.liveness`), joins
  group ``a2a.agent.<name>``, writes to every caller's reply topic (prefix
  ``a2a.replies.``) and writes its card to ``a2a.agent-cards``;
- `caller_acls`: a caller (`KafkaClients` / `Requester`) writes to the request
  topics of the agents it calls, reads the card registry, and creates, reads
  and deletes its own reply topics (prefix ``a2a.replies.<client-id>.``).

An agent that also calls other agents needs both sets.

Kafka ACLs are per topic, and the card registry is one compacted topic keyed by
agent name: they cannot stop agent ``cs`` (Write on ``a2a.agent-cards``) from
overwriting the card of ``data``. Callers close that with signed cards whose keys
are bound to agents (`a2a_kafka.auth.cards.card_verifier` with ``owners``), and by
never following a card to another cluster or another agent's topics
(`a2a_kafka.client.trust`); see the threat model in docs/production.md §5. Names carry the
`KafkaConfig.topic_prefix`. ``Create`` is needed only where a2a-kafka creates the
topic itself (no ``Create`` on the cluster is required; idempotent producers need
no ``IdempotentWrite`` on Kafka 3.0+, since ``Write`` on a topic implies it).

`create_acls` grants ACLs through the Kafka protocol, for development clusters
and tests; on MSK use ``kafka-acls.sh`` (`Acl.kafka_acls_arguments`) or Terraform.

Internal module: not part of the public API; use what `a2a_kafka` exports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from aiokafka import AIOKafkaClient
from aiokafka.errors import for_code
from aiokafka.protocol.admin import CreateAclsRequest, DescribeAclsRequest

from a2a_kafka.client.requester import reply_topic_prefix
from a2a_kafka.config import KafkaConfig
from a2a_kafka.diagnosis import kafka_errors
from a2a_kafka.errors import BrokerError
from a2a_kafka.server.liveness import health_topic
from a2a_kafka.topics import REGISTRY_TOPIC, AgentTopics

Operation = Literal["Read", "Write", "Create", "Delete", "Describe"]
Resource = Literal["topic", "group"]
Pattern = Literal["literal", "prefixed"]

_OPERATIONS = {"Read": 3, "Write": 4, "Create": 5, "Delete": 6, "Describe": 8}
_RESOURCES = {"topic": 2, "group": 3}
_PATTERNS = {"literal": 3, "prefixed": 4}
_ANY = 1
_ALLOW = 3


@dataclass(frozen=True, slots=True)
class Acl:
    """One ``ALLOW`` rule: ``principal`` may do ``operation`` on a resource, from any host."""

    principal: str
    """Kafka principal, e.g. ``User:alice`` (SCRAM) or an IAM role's ARN-derived ``User:``."""

    resource: Resource
    """Resource type."""

    name: str
    """Resource name, or its prefix when ``pattern`` is ``prefixed``."""

    operation: Operation
    """What is allowed."""

    pattern: Pattern = "literal"
    """``literal``: exactly ``name``; ``prefixed``: every name starting with it."""

    def kafka_acls_arguments(self) -> str:
        """The ``kafka-acls.sh --add`` arguments of this rule."""
        pattern = " --resource-pattern-type prefixed" if self.pattern == "prefixed" else ""
        return (
            f"--allow-principal {self.principal} --operation {self.operation} "
            f"--{self.resource} {self.name}{pattern}"
        )


def agent_acls(
    config: KafkaConfig, agent: str, principal: str, *, group_id: str | None = None
) -> list[Acl]:
    """What the server of ``agent`` needs (group ``a2a.agent.<name>`` unless given)."""
    topics = AgentTopics.of(config, agent)
    group = group_id or config.topic(f"a2a.agent.{agent}")
    rules: list[tuple[Resource, str, tuple[Operation, ...], Pattern]] = [
        ("topic", topics.requests, ("Read", "Describe", "Create"), "literal"),
        ("topic", topics.responses, ("Write", "Describe", "Create"), "literal"),
        ("topic", topics.dead_letters, ("Write", "Describe", "Create"), "literal"),
        ("topic", health_topic(config, agent), ("Write", "Describe", "Create"), "literal"),
        # only with SharedTaskState: the cross-instance task-event stream
        (
            "topic",
            config.topic(f"agent.{agent}.task-events"),
            ("Read", "Write", "Describe", "Create"),
            "literal",
        ),
        ("group", group, ("Read",), "literal"),
        ("topic", config.topic("a2a.replies."), ("Write", "Describe"), "prefixed"),
        ("topic", config.topic(REGISTRY_TOPIC), ("Write", "Describe", "Create"), "literal"),
    ]
    return _expand(principal, rules)


def caller_acls(config: KafkaConfig, principal: str, agents: Iterable[str]) -> list[Acl]:
    """What a caller with ``config`` (its client id names its reply topics) needs."""
    rules: list[tuple[Resource, str, tuple[Operation, ...], Pattern]] = [
        ("topic", AgentTopics.of(config, agent).requests, ("Write", "Describe"), "literal")
        for agent in agents
    ]
    rules += [
        ("topic", config.topic(REGISTRY_TOPIC), ("Read", "Describe"), "literal"),
        # Write: the caller's heartbeats on its own reply topic (`a2a_kafka.reply_topics`)
        (
            "topic",
            reply_topic_prefix(config),
            ("Create", "Read", "Write", "Describe", "Delete"),
            "prefixed",
        ),
    ]
    return _expand(principal, rules)


def _expand(
    principal: str, rules: list[tuple[Resource, str, tuple[Operation, ...], Pattern]]
) -> list[Acl]:
    return [
        Acl(principal, resource, name, operation, pattern)
        for resource, name, operations, pattern in rules
        for operation in operations
    ]


async def create_acls(config: KafkaConfig, acls: Iterable[Acl], *, settle: float = 10.0) -> None:
    """Grant ``acls`` as the principal of ``config`` (a super user or one allowed to Alter).

    Returns once the broker applies them (DescribeAcls lists them), at most
    ``settle`` seconds later. Raises `BrokerError` when Kafka refuses.
    """
    wanted = list(dict.fromkeys(acls))
    client = AIOKafkaClient(**config.client_options())  # the protocol-level client: no factory
    try:
        await _create_acls(config, client, wanted, settle)
    finally:
        await client.close()


async def _create_acls(
    config: KafkaConfig, client: AIOKafkaClient, wanted: list[Acl], settle: float
) -> None:
    async with kafka_errors(config):
        await client.bootstrap()
        node = client.get_random_node()
        for response in await asyncio.gather(*(client.send(node, _creation(a)) for a in wanted)):
            for code, message in response.creation_responses:
                if code:
                    raise BrokerError(
                        f"creating an ACL failed: {for_code(code).__name__} {message}"
                    )
        try:
            async with asyncio.timeout(settle):
                for acl in wanted:
                    while not _listed(await client.send(node, _description(acl))):  # noqa: ASYNC110 - no notification
                        await asyncio.sleep(0.05)
        except TimeoutError:
            raise BrokerError(f"the ACLs were not applied within {settle:g} s") from None


def _creation(acl: Acl) -> CreateAclsRequest:
    return CreateAclsRequest(*_codes(acl), _ALLOW)


def _description(acl: Acl) -> DescribeAclsRequest:
    return DescribeAclsRequest(*_codes(acl), _ALLOW)


def _codes(acl: Acl) -> tuple[int, str, int, str, str, int]:
    resource, pattern = _RESOURCES[acl.resource], _PATTERNS[acl.pattern]
    return resource, acl.name, pattern, acl.principal, "*", _OPERATIONS[acl.operation]


def _listed(response: Any) -> bool:
    return response.error_code == 0 and bool(response.resources)
