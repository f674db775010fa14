"""`ReplySender`: reply addresses checked on the producer's metadata, cached both ways, bounded."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError
from aiokafka.producer.transaction_manager import TransactionManager
from aiokafka.structs import TopicPartition

from a2a_kafka.server import replies
from a2a_kafka.server.replies import (
    CallerGoneError,
    ReplySender,
    UnusableAddressError,
)
from a2a_kafka.server.retry import RetryPolicy
from a2a_kafka.wire import ReplyAddress


class Cluster:
    """Answers metadata questions: topic -> partitions (absent: missing); counts them."""

    def __init__(self, topics: dict[str, int], fail_first: int = 0) -> None:
        self.topics = topics
        self.asked: list[str] = []
        self.fail_first = fail_first
        self.tracked: set[str] = set()

    async def partitions(self, producer: Any, topic: str) -> int:
        self.asked.append(topic)
        await asyncio.sleep(0)
        if self.fail_first > 0:
            self.fail_first -= 1
            raise KafkaConnectionError("broker away")
        self.tracked.add(topic)
        return self.topics.get(topic, 0)


@pytest.fixture
def cluster(monkeypatch: pytest.MonkeyPatch) -> Cluster:
    made = Cluster({"r": 1})
    monkeypatch.setattr(replies, "_partition_count", made.partitions)
    monkeypatch.setattr(
        replies, "_untrack", lambda _, topics: made.tracked.difference_update(topics)
    )
    return made


async def test_a_missing_reply_topic_is_asked_once_and_remembered(cluster: Cluster) -> None:
    sender = ReplySender(None)
    for _ in range(2000):
        with pytest.raises(CallerGoneError):
            await sender.check(ReplyAddress("gone", 0))
    assert cluster.asked == ["gone"]


async def test_concurrent_checks_share_one_question(cluster: Cluster) -> None:
    sender = ReplySender(None)
    await asyncio.gather(*(sender.check(ReplyAddress("r", 0)) for _ in range(50)))
    assert cluster.asked == ["r"]


async def test_a_missing_partition_is_permanent(cluster: Cluster) -> None:
    sender = ReplySender(None)
    policy = RetryPolicy(attempts=4, initial_backoff=0)
    with pytest.raises(UnusableAddressError, match="no partition 7"):
        await policy.run("check", lambda: sender.check(ReplyAddress("r", 7)))
    assert cluster.asked == ["r"]  # not retried


async def test_a_transient_failure_of_the_check_is_retried(cluster: Cluster) -> None:
    cluster.fail_first = 2
    sender = ReplySender(None)
    policy = RetryPolicy(attempts=4, initial_backoff=0)
    await policy.run("check", lambda: sender.check(ReplyAddress("r", 0)))
    assert cluster.asked == ["r", "r", "r"]


async def test_remembered_topics_are_bounded_and_forgotten_when_unused(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replies, "MAX_KNOWN_TOPICS", 100)
    monkeypatch.setattr(replies, "FORGET_AFTER", 0.05)
    monkeypatch.setattr(replies, "UNTRACK_EVERY", 0)
    sender = ReplySender(None)
    for n in range(1000):
        cluster.topics[f"caller-{n}"] = 1
        await sender.check(ReplyAddress(f"caller-{n}", 0))
    assert sender.known_topics <= 101
    assert len(cluster.tracked) <= 101  # the producer stops tracking forgotten topics
    await asyncio.sleep(0.1)
    await sender.check(ReplyAddress("r", 0))
    assert sender.known_topics == 1


async def test_a_topic_in_use_is_not_forgotten(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replies, "FORGET_AFTER", 0.2)
    sender = ReplySender(None, recheck=0.01)
    for _ in range(10):
        await sender.check(ReplyAddress("r", 0))
        await asyncio.sleep(0.05)
    assert "r" in cluster.tracked


class _Client:
    def __init__(self, tracked: set[str], existing: set[str]) -> None:
        self._topics = set(tracked)
        self.existing = existing

    def set_topics(self, topics: set[str]) -> None:
        self._topics = set(topics)

    @property
    def cluster(self) -> Any:
        return type("Cluster", (), {"topics": lambda _: set(self.existing)})()


class _Producer:
    """aiokafka's producer as `_untrack` sees it: tracked topics, sequence numbers."""

    def __init__(self, tracked: set[str], existing: set[str]) -> None:
        self.client = _Client(tracked, existing)
        self._txn_manager = TransactionManager(None, 60_000)
        for topic in tracked:
            self._txn_manager.increment_sequence_number(TopicPartition(topic, 0), 3)


async def test_untracking_never_leaves_the_producer_tracking_nothing() -> None:
    producer: Any = _Producer({"dlq", "r1", "r2"}, {"dlq", "r1", "r2"})
    replies._untrack(producer, ["r1"])
    assert producer.client._topics == {"dlq", "r2"}
    replies._untrack(producer, ["dlq", "r2"])  # an empty set would mean "every topic"
    assert producer.client._topics == {"dlq", "r2"}


async def test_untracking_drops_the_sequence_numbers_of_deleted_reply_topics_only() -> None:
    """Callers come and go: the idempotent producer must not keep one number per caller,
    but a reply topic that still exists keeps its number (a restarted one is refused)."""
    producer: Any = _Producer({"dlq", "closed", "idle"}, {"dlq", "idle"})
    replies._untrack(producer, ["closed", "idle"])
    numbers = producer._txn_manager._sequence_numbers
    assert sorted(p.topic for p in numbers) == ["dlq", "idle"]
    assert producer.client._topics == {"dlq"}


def test_a_deleted_reply_topic_is_not_logged_by_aiokafka_on_every_refresh(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = logging.getLogger("aiokafka.cluster")
    with caplog.at_level(logging.ERROR, logger="aiokafka.cluster"):
        log.error("Topic %s not found in cluster metadata", "a2a.replies.c1.0a1b")
        log.error("Topic %s not found in cluster metadata", "agent.data.requests")
    assert [r.getMessage() for r in caplog.records] == [
        "Topic agent.data.requests not found in cluster metadata"
    ]
