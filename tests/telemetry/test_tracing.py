"""One connected trace across Kafka: the caller → Balance → its calls to Data and CS."""

from __future__ import annotations

from typing import Any

from a2a_kafka import KafkaConfig
from a2a_kafka.records import read_to_end
from a2a_kafka.telemetry.tracing import trace_id_of
from a2a_kafka.wire import CORRELATION_ID
from traced import TracedDemo

PROCESS_ATTRIBUTES = (
    "messaging.system",
    "messaging.operation.name",
    "messaging.destination.name",
    "messaging.destination.partition.id",
    "messaging.kafka.offset",
    "messaging.kafka.message.key",
    "messaging.consumer.group.name",
    "messaging.message.id",
    "a2a.method",
    "a2a.task.id",
    "a2a.context.id",
)


def children(spans: list[dict[str, Any]], parent: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in spans if s["parent_id"] == parent["span_id"]]


def descendants(spans: list[dict[str, Any]], parent: dict[str, Any]) -> list[dict[str, Any]]:
    found = children(spans, parent)
    return found + [d for c in found for d in descendants(spans, c)]


def analysis_root(demo: TracedDemo) -> dict[str, Any]:
    """The caller's span of the second turn ("7.3"), the one that runs the analysis."""
    roots = [
        s
        for s in demo.spans
        if s["kind"] == "PRODUCER" and not s["parent_id"] and "balance" in s["name"]
    ]
    assert len(roots) == 2, [s["name"] for s in roots]  # one per turn
    return max(roots, key=lambda s: s["start"])


def test_the_balance_analysis_is_one_connected_trace(traced_demo: TracedDemo) -> None:
    spans, root = traced_demo.spans, analysis_root(traced_demo)
    prefix = traced_demo.env["A2A_KAFKA_TOPIC_PREFIX"]
    assert root["name"] == f"send {prefix}agent.balance.requests"
    assert root["attributes"]["messaging.system"] == "kafka"
    assert root["attributes"]["messaging.operation.name"] == "send"

    (balance,) = [s for s in children(spans, root) if s["kind"] == "CONSUMER"]
    assert balance["name"] == f"process {prefix}agent.balance.requests"
    assert balance["trace_id"] == root["trace_id"]

    under_balance = descendants(spans, balance)
    calls = [s for s in under_balance if s["kind"] == "PRODUCER"]
    called = sorted(s["name"].removeprefix(f"send {prefix}agent.") for s in calls)
    assert called == ["cs.requests", "cs.requests", "data.requests"]
    for call in calls:
        (process,) = [s for s in children(spans, call) if s["kind"] == "CONSUMER"]
        agent = call["name"].removeprefix(f"send {prefix}agent.").removesuffix(".requests")
        assert process["name"] == f"process {prefix}agent.{agent}.requests"
        assert process["attributes"]["messaging.consumer.group.name"] == (
            f"{prefix}a2a.agent.{agent}"
        )
    assert {s["trace_id"] for s in [root, *under_balance]} == {root["trace_id"]}


def test_process_spans_carry_the_messaging_and_a2a_attributes(traced_demo: TracedDemo) -> None:
    root = analysis_root(traced_demo)
    (balance,) = [s for s in children(traced_demo.spans, root) if s["kind"] == "CONSUMER"]
    attributes = balance["attributes"]

    missing = [name for name in PROCESS_ATTRIBUTES if name not in attributes]
    assert not missing
    assert attributes["messaging.operation.name"] == "process"
    assert attributes["messaging.operation.type"] == "process"
    assert attributes["a2a.method"] == "SendStreamingMessage"
    assert attributes["a2a.context.id"] == traced_demo.context_id
    assert attributes["messaging.kafka.message.key"] == traced_demo.context_id
    assert attributes["messaging.message.id"] == root["attributes"]["messaging.message.id"]
    assert attributes["a2a_kafka.outcome"] == "answered"


def test_a2a_sdk_handler_spans_are_children_of_the_process_span(traced_demo: TracedDemo) -> None:
    root = analysis_root(traced_demo)
    (balance,) = [s for s in children(traced_demo.spans, root) if s["kind"] == "CONSUMER"]

    names = {s["name"].rsplit(".", 1)[-1] for s in children(traced_demo.spans, balance)}

    assert "on_message_send_stream" in names


async def test_replies_keep_the_trace(traced_demo: TracedDemo) -> None:
    root = analysis_root(traced_demo)
    config = KafkaConfig.from_env(
        bootstrap_servers=traced_demo.env["KAFKA_BOOTSTRAP_SERVERS"],
        topic_prefix=traced_demo.env["A2A_KAFKA_TOPIC_PREFIX"],
    )
    cid = root["attributes"]["messaging.message.id"].encode()
    topic = config.topic("agent.balance.responses")

    replies = [r async for r in read_to_end(config, [topic]) if (CORRELATION_ID, cid) in r.headers]

    assert len(replies) > 10  # the stream's events and its end
    assert {trace_id_of(r.headers) for r in replies} == {root["trace_id"]}
