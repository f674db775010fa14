"""The ACL sets of `a2a_kafka.acls` (a real authorizer checks them in test_security.py)."""

from __future__ import annotations

from a2a_kafka import KafkaConfig
from a2a_kafka.acls import Acl, agent_acls, caller_acls

PROD = KafkaConfig(topic_prefix="prod.", client_id="web frontend")


def table(acls: list[Acl]) -> set[tuple[str, str, str, str]]:
    return {(a.resource, a.name, a.pattern, a.operation) for a in acls}


def test_an_agent_reads_its_requests_and_writes_replies_dead_letters_and_its_card() -> None:
    acls = agent_acls(PROD, "data", "User:data")
    assert {a.principal for a in acls} == {"User:data"}
    assert table(acls) == {
        ("topic", "prod.agent.data.requests", "literal", "Read"),
        ("topic", "prod.agent.data.requests", "literal", "Describe"),
        ("topic", "prod.agent.data.requests", "literal", "Create"),
        ("topic", "prod.agent.data.responses", "literal", "Write"),
        ("topic", "prod.agent.data.responses", "literal", "Describe"),
        ("topic", "prod.agent.data.responses", "literal", "Create"),
        ("topic", "prod.agent.data.requests.dlq", "literal", "Write"),
        ("topic", "prod.agent.data.requests.dlq", "literal", "Describe"),
        ("topic", "prod.agent.data.requests.dlq", "literal", "Create"),
        ("topic", "prod.agent.data.health", "literal", "Write"),
        ("topic", "prod.agent.data.health", "literal", "Describe"),
        ("topic", "prod.agent.data.health", "literal", "Create"),
        ("topic", "prod.agent.data.task-events", "literal", "Read"),
        ("topic", "prod.agent.data.task-events", "literal", "Write"),
        ("topic", "prod.agent.data.task-events", "literal", "Describe"),
        ("topic", "prod.agent.data.task-events", "literal", "Create"),
        ("group", "prod.a2a.agent.data", "literal", "Read"),
        ("topic", "prod.a2a.replies.", "prefixed", "Write"),
        ("topic", "prod.a2a.replies.", "prefixed", "Describe"),
        ("topic", "prod.a2a.agent-cards", "literal", "Write"),
        ("topic", "prod.a2a.agent-cards", "literal", "Describe"),
        ("topic", "prod.a2a.agent-cards", "literal", "Create"),
    }


def test_a_caller_writes_requests_reads_cards_and_owns_its_reply_topics() -> None:
    acls = caller_acls(PROD, "User:web", ["data", "cs"])
    assert table(acls) == {
        ("topic", "prod.agent.data.requests", "literal", "Write"),
        ("topic", "prod.agent.data.requests", "literal", "Describe"),
        ("topic", "prod.agent.cs.requests", "literal", "Write"),
        ("topic", "prod.agent.cs.requests", "literal", "Describe"),
        ("topic", "prod.a2a.agent-cards", "literal", "Read"),
        ("topic", "prod.a2a.agent-cards", "literal", "Describe"),
        ("topic", "prod.a2a.replies.web-frontend.", "prefixed", "Create"),
        ("topic", "prod.a2a.replies.web-frontend.", "prefixed", "Read"),
        ("topic", "prod.a2a.replies.web-frontend.", "prefixed", "Write"),
        ("topic", "prod.a2a.replies.web-frontend.", "prefixed", "Describe"),
        ("topic", "prod.a2a.replies.web-frontend.", "prefixed", "Delete"),
    }


def test_an_acl_as_kafka_acls_arguments() -> None:
    acl = Acl("User:web", "topic", "prod.a2a.replies.web.", "Create", "prefixed")
    assert acl.kafka_acls_arguments() == (
        "--allow-principal User:web --operation Create "
        "--topic prod.a2a.replies.web. --resource-pattern-type prefixed"
    )
