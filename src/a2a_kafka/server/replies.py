"""Producing a request's replies, and dead letters, with the handler's producer.

A reply is a `ReplyRecord` (kind, sequence, body). Unary calls have one; a
stream has its events and an ``end`` record. `ReplySender.send` produces
records and waits until the broker has them; on failure the caller re-sends
them all: the producer is idempotent and the client drops records of a stream
it already has (by sequence) and replies of calls it no longer waits for.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    InvalidTopicError,
    KafkaError,
    TopicAuthorizationFailedError,
    UnknownTopicOrPartitionError,
)
from aiokafka.protocol.metadata import MetadataRequest

from a2a_kafka.server.retry import PermanentError
from a2a_kafka.telemetry.hooks import reply_headers
from a2a_kafka.wire import ReplyAddress, ReplyKind, encode_reply

logger = logging.getLogger(__name__)


def _observed(delivery: asyncio.Future[Any]) -> None:
    if not delivery.cancelled() and (exc := delivery.exception()) is not None:
        logger.warning("a reply copy was not written: %r", exc)


@dataclass(frozen=True, slots=True)
class ReplyRecord:
    """One reply record of a call, before encoding."""

    kind: ReplyKind
    sequence: int
    body: dict[str, Any] | None


class CallerGoneError(PermanentError):
    """The reply topic no longer exists: its caller closed, nobody waits for the reply."""


class UnusableAddressError(PermanentError):
    """The reply address can never be written: no such partition, or not authorized."""


MAX_KNOWN_TOPICS = 10_000
"""Bound on the reply topics `ReplySender` remembers (the least recently used is dropped)."""

FORGET_AFTER = 60.0
"""Seconds after its last use that a reply topic is forgotten (longer than a delivery takes)."""


UNTRACK_EVERY = 30.0
"""Seconds between changes of the producer's tracked topics: each change restarts the
producer's metadata refresh, which under caller churn would keep its sends waiting."""


@dataclass(slots=True)
class _Answer:
    at: float
    """When the cluster answered (monotonic)."""
    partitions: int
    """Its partition count; 0: the topic does not exist."""
    used: float
    """When a reply to it was last checked (monotonic)."""


class ReplySender:
    """Produces the replies of calls to their reply addresses.

    Whether a reply address exists is asked with one metadata request on the
    producer's own connections (never an admin connection, never creating the
    topic); concurrent checks of one topic share it. A topic known to exist is
    trusted for ``recheck`` seconds, one known missing for ``missing_for`` seconds:
    a caller deletes its private reply topic when it closes, and producing to a
    missing topic would wait out the producer's metadata timeout per attempt.

    Bounds: at most `MAX_KNOWN_TOPICS` reply topics are remembered, none unused for
    more than `FORGET_AFTER` seconds; the producer stops tracking the metadata of
    forgotten ones (aiokafka's producer tracks every topic it ever wrote), in one
    change every `UNTRACK_EVERY` seconds.

    Args:
        producer: the handler's producer.
        recheck: seconds an existing reply topic is trusted before asking again.
        missing_for: seconds a missing reply topic is known missing.
        kept_on: a topic (the agent's ``agent.<name>.responses``) that also gets every
            reply record, keyed by correlation id, so the conversation outlives the
            caller's reply topic (`a2a_kafka.history`). Not waited for: best effort.
    """

    def __init__(
        self,
        producer: AIOKafkaProducer,
        recheck: float = 10.0,
        missing_for: float = 5.0,
        kept_on: str | None = None,
    ) -> None:
        self._producer = producer
        self._kept_on = kept_on
        self._recheck = recheck
        self._missing_for = missing_for
        self._known: OrderedDict[str, _Answer] = OrderedDict()  # least recently used first
        self._asking: dict[str, asyncio.Future[int]] = {}
        self._untracked: set[str] = set()
        """Forgotten topics the producer still tracks (at most those of `UNTRACK_EVERY` s)."""
        self._last_untrack = time.monotonic()

    @property
    def known_topics(self) -> int:
        """How many reply topics are remembered now."""
        return len(self._known)

    async def check(self, to: ReplyAddress) -> None:
        """Return if replies can be produced to ``to``; raise why not.

        Raises `CallerGoneError` (the topic is missing) or `UnusableAddressError`
        (it has no such partition, or this producer may not see it), both permanent;
        any other failure (the broker did not answer) is worth retrying.
        """
        partitions = await self._partitions(to.topic)
        if partitions == 0:
            raise CallerGoneError(f"reply topic {to.topic} no longer exists")
        if not 0 <= to.partition < partitions:
            raise UnusableAddressError(
                f"reply topic {to.topic} has no partition {to.partition} (it has {partitions})"
            )

    async def _partitions(self, topic: str) -> int:
        now = time.monotonic()
        self._forget(now)
        known = self._known.get(topic)
        if known is not None:
            known.used = now
            self._known.move_to_end(topic)
            if now - known.at < (self._recheck if known.partitions else self._missing_for):
                return known.partitions
        if topic not in self._asking:
            self._asking[topic] = asyncio.ensure_future(self._ask(topic))
        return await asyncio.shield(self._asking[topic])

    async def _ask(self, topic: str) -> int:
        try:
            partitions = await _partition_count(self._producer, topic)
        finally:
            del self._asking[topic]
        now = time.monotonic()
        self._known.pop(topic, None)
        self._known[topic] = _Answer(now, partitions, now)
        return partitions

    def _forget(self, now: float) -> None:
        dropped: list[str] = []
        while self._known:
            topic, answer = next(iter(self._known.items()))
            if now - answer.used <= FORGET_AFTER and len(self._known) <= MAX_KNOWN_TOPICS:
                break
            del self._known[topic]
            dropped.append(topic)
        self._untracked.update(dropped)
        if self._untracked and now - self._last_untrack >= UNTRACK_EVERY:
            self._last_untrack = now
            _untrack(self._producer, self._untracked)
            self._untracked.clear()

    async def enqueue(self, to: ReplyAddress, cid: str, reply: ReplyRecord) -> Awaitable[Any]:
        """Hand one record to the producer; await the result to know it was written."""
        value, headers = encode_reply(cid, reply.kind, reply.sequence, reply.body)
        headers += reply_headers(reply.body)
        delivery: Awaitable[Any] = await self._producer.send(
            to.topic, value, key=cid.encode(), partition=to.partition, headers=headers
        )
        if self._kept_on is not None:
            await self._keep(self._kept_on, cid, value, headers)
        return delivery

    async def _keep(
        self, topic: str, cid: str, value: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        """The copy for the record of replies: best effort, never the reply's failure."""
        try:
            copy = await self._producer.send(topic, value, key=cid.encode(), headers=headers)
        except Exception as exc:
            logger.warning("reply %s not kept on %s: %r", cid, topic, exc)
            return
        copy.add_done_callback(_observed)

    async def send(self, to: ReplyAddress, cid: str, replies: Sequence[ReplyRecord]) -> None:
        """Produce ``replies`` in order and wait until the broker acknowledged all.

        Raises what `check` raises first.
        """
        await self.check(to)
        deliveries = [await self.enqueue(to, cid, reply) for reply in replies]
        await asyncio.gather(*deliveries)

    async def dead_letter(
        self, topic: str, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        """Produce a dead letter and wait for the broker's acknowledgement."""
        await self._producer.send_and_wait(topic, value, key=key, headers=headers)


async def _partition_count(producer: AIOKafkaProducer, topic: str) -> int:
    """How many partitions ``topic`` has (0: it does not exist), from one metadata request.

    Raises `UnusableAddressError` when the producer is not authorized to see it, and
    `KafkaError` when the broker gives no answer.
    """
    client = producer.client
    node = client.get_random_node()
    if node is None:
        raise KafkaError("no broker known to ask for the metadata of a reply topic")
    request = MetadataRequest([topic], allow_auto_topic_creation=False)
    response = await client.send(node, request)
    for found in response.to_object()["topics"]:
        if found["topic"] != topic:
            continue
        code = found["error_code"]
        if code == UnknownTopicOrPartitionError.errno:
            return 0
        if code == TopicAuthorizationFailedError.errno:
            raise UnusableAddressError(f"not authorized to write reply topic {topic}")
        if code == InvalidTopicError.errno:
            raise UnusableAddressError(f"{topic!r} is not a valid topic name")
        if code != 0:
            raise KafkaError(f"metadata of reply topic {topic}: error code {code}")
        return len(found["partitions"])
    return 0


def _untrack(producer: AIOKafkaProducer, topics: Iterable[str]) -> None:
    """Stop refreshing the metadata of ``topics``: aiokafka's producer tracks every topic it
    ever wrote, so one per caller would grow without bound (an empty set means "all").

    The idempotent producer also keeps a sequence number per partition it ever wrote;
    those of topics the last metadata refresh no longer found (their callers deleted
    them) are dropped too. A topic that still exists keeps its numbers: restarting them
    would make the broker refuse the next reply to it as out of sequence.
    """
    client = producer.client
    tracked: set[str] = set(client._topics)
    dropped = tracked.intersection(topics)
    keep = tracked - dropped
    if keep and dropped:
        deleted = dropped - client.cluster.topics()
        client.set_topics(keep)
        manager = producer._txn_manager
        if manager is not None and deleted:
            for partition in [p for p in manager._sequence_numbers if p.topic in deleted]:
                del manager._sequence_numbers[partition]


class _DeletedReplyTopics(logging.Filter):
    """Drops aiokafka's error line for a reply topic missing from the cluster's metadata.

    A caller deletes its private reply topic when it closes, and the producer keeps
    asking for the topics it wrote until `_untrack` forgets them: under caller churn
    that is one error line per closed caller per metadata refresh. The handler finds
    a missing reply topic itself (`CallerGoneError`, counted as ``caller_gone``).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.msg == "Topic %s not found in cluster metadata"
            and bool(record.args)
            and "a2a.replies." in str(record.args[0])  # type: ignore[index]
        )


logging.getLogger("aiokafka.cluster").addFilter(_DeletedReplyTopics())
