"""Reply routing: one consumer per caller, replies handed to the call that waits.

Each caller owns a reply address (a topic and partition no other caller reads)
and one consumer assigned to it. A call registers its waiter *before* its
request is produced, so a reply can never arrive unseen; replies for calls that
already gave up are dropped with a debug log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from a2a_kafka.closing import close_quietly
from a2a_kafka.config import KafkaConfig
from a2a_kafka.errors import KafkaTransportError
from a2a_kafka.wire import MalformedRecordError, Reply, ReplyAddress, ReplyKind, decode_reply

logger = logging.getLogger(__name__)

_CLOSED = object()

MAX_UNREAD = 10_000
"""Bound on the replies of one call received but not read yet; past it the call fails."""

FAIL_WAITERS_AFTER = 3
"""Consecutive failed polls of the reply consumer after which waiting calls fail."""


class PendingReplies:
    """The replies of one call, in arrival order (at most `MAX_UNREAD` unread)."""

    def __init__(self, correlation_id: str) -> None:
        self.correlation_id = correlation_id
        self._queue: asyncio.Queue[Reply | object] = asyncio.Queue()

    def put(self, item: Reply | object) -> None:
        if self._queue.qsize() >= MAX_UNREAD and isinstance(item, Reply):
            item = KafkaTransportError(
                f"call {self.correlation_id}: more than {MAX_UNREAD} replies were not read"
            )
            while not self._queue.empty():
                self._queue.get_nowait()
        self._queue.put_nowait(item)

    async def get(self, timeout: float) -> Reply:
        """The next reply; `TimeoutError` after ``timeout`` seconds, error if closed or failed."""
        async with asyncio.timeout(timeout):
            item = await self._queue.get()
        if isinstance(item, Reply):
            return item
        if isinstance(item, KafkaTransportError):
            self._queue.put_nowait(item)  # a stream reading on sees it again
            raise item
        raise KafkaTransportError("the Kafka transport was closed while a call was waiting")


class ReplyRouter:
    """Consumes one reply partition and routes records by correlation id."""

    def __init__(self, config: KafkaConfig, address: ReplyAddress) -> None:
        self.address = address
        self._config = config
        self._pending: dict[str, PendingReplies] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self.skipped = 0
        """Records of the reply partition that were not a reply (logged and dropped)."""
        self.failures = 0
        """Polls of the reply consumer that failed (logged, retried)."""
        self.dropped = 0
        """Replies nobody waits for (the call gave up) and heartbeats."""

    @property
    def alive(self) -> bool:
        """Whether the reply consumer is running."""
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Assign the reply partition and position at its end before returning."""
        consumer = AIOKafkaConsumer(
            **self._config.consumer_kwargs(group_id=None, auto_offset_reset="latest")
        )
        try:
            await consumer.start()
            tp = TopicPartition(self.address.topic, self.address.partition)
            consumer.assign([tp])
            await consumer.seek_to_end(tp)
            await consumer.position(tp)  # resolved now: later replies are all seen
        except BaseException:  # the requester cannot close a router it never got
            await close_quietly("the reply consumer", consumer.stop)
            raise
        self._consumer = consumer
        self._task = asyncio.create_task(self._run(consumer), name="a2a-kafka-replies")

    def register(self, correlation_id: str) -> PendingReplies:
        """Start waiting for ``correlation_id``; call before producing the request."""
        pending = PendingReplies(correlation_id)
        self._pending[correlation_id] = pending
        return pending

    def forget(self, correlation_id: str) -> None:
        """Stop waiting; later replies for this id are dropped."""
        self._pending.pop(correlation_id, None)

    async def _run(self, consumer: AIOKafkaConsumer) -> None:
        """Poll until cancelled; survives any failure (logged at once, retried with backoff)."""
        failures = 0
        while True:
            try:
                batches = await consumer.getmany(timeout_ms=1000)
            except Exception as exc:  # aiokafka retries what is retriable itself
                failures += 1
                self.failures += 1
                logger.error(
                    "reply consumer on %s failed (%d in a row): %r",
                    self.address.topic,
                    failures,
                    exc,
                    exc_info=failures == 1,
                )
                if failures == FAIL_WAITERS_AFTER:
                    self._fail_waiters(
                        KafkaTransportError(
                            f"the reply consumer on {self.address.topic} keeps failing: {exc!r}"
                        )
                    )
                await asyncio.sleep(min(5.0, 0.25 * 2**failures))  # no hot loop
                continue
            failures = 0
            for records in batches.values():
                for record in records:
                    try:
                        self._route(record.headers, record.value)
                    except Exception:  # one bad record must not stop every caller's replies
                        self.skipped += 1
                        logger.exception("reply at offset %d not routed", record.offset)

    def _fail_waiters(self, error: KafkaTransportError) -> None:
        for pending in self._pending.values():
            pending.put(error)

    def _route(self, headers: Any, value: bytes | None) -> None:
        try:
            reply = decode_reply(headers, value)
        except MalformedRecordError as exc:
            self.skipped += 1
            logger.warning("dropping malformed reply on %s: %s", self.address.topic, exc)
            return
        if reply.kind is ReplyKind.HEARTBEAT:
            self.dropped += 1
            return
        pending = self._pending.get(reply.correlation_id)
        if pending is None:
            self.dropped += 1
            logger.debug("no caller waits for reply %s (timed out?)", reply.correlation_id)
            return
        pending.put(reply)

    async def aclose(self) -> None:
        """Stop consuming and wake every waiting call with an error. Idempotent."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for pending in self._pending.values():
            pending.put(_CLOSED)
        self._pending.clear()
        if self._consumer is not None:
            await close_quietly("the reply consumer", self._consumer.stop)
            self._consumer = None


async def iterate(pending: PendingReplies, idle_timeout: float) -> AsyncIterator[Reply]:
    """Yield a stream's replies in sequence order, without duplicates, up to its ``end``.

    A ``result`` record is the whole answer, whatever its sequence number: a request
    rejected before it could stream, or a redelivered one answered from its recorded
    outcome after its first run's stream was cut (records of that stream were seen).
    """
    expected = 0
    early: dict[int, Reply] = {}
    while True:
        reply = early.pop(expected, None) or await pending.get(idle_timeout)
        if reply.kind is ReplyKind.RESULT:
            yield reply
            return
        if reply.sequence > expected:
            early[reply.sequence] = reply
            continue
        if reply.sequence < expected:
            if reply.body is not None and "error" in reply.body:
                yield reply  # a redelivery that could not be answered again, e.g. "interrupted"
                return
            continue  # a redelivered duplicate of a record already yielded
        expected += 1
        if reply.kind is ReplyKind.END:
            return
        yield reply
