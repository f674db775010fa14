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
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer

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


class ReplySender:
    """Produces the replies of calls to their reply addresses.

    Args:
        producer: the handler's producer.
        topic_exists: asks the cluster whether a topic exists.
        recheck: seconds a reply topic known to exist is trusted before asking again.
            A caller deletes its private reply topic when it closes; without the check,
            producing to it would wait out the producer's metadata timeout per attempt.
        kept_on: a topic (the agent's ``agent.<name>.responses``) that also gets every
            reply record, keyed by correlation id, so the conversation outlives the
            caller's reply topic (`a2a_kafka.history`). Not waited for: best effort.
    """

    def __init__(
        self,
        producer: AIOKafkaProducer,
        topic_exists: Callable[[str], Awaitable[bool]],
        recheck: float = 10.0,
        kept_on: str | None = None,
    ) -> None:
        self._producer = producer
        self._kept_on = kept_on
        self._topic_exists = topic_exists
        self._recheck = recheck
        self._seen: dict[str, float] = {}
        self._asking: dict[str, asyncio.Future[bool]] = {}

    async def reachable(self, to: ReplyAddress) -> bool:
        """Whether ``to``'s topic exists (cached for ``recheck`` seconds when it does).

        Concurrent checks of one topic share a single question to the cluster.
        """
        if time.monotonic() - self._seen.get(to.topic, -self._recheck) < self._recheck:
            return True
        if to.topic not in self._asking:
            self._asking[to.topic] = asyncio.ensure_future(self._ask(to.topic))
        return await asyncio.shield(self._asking[to.topic])

    async def _ask(self, topic: str) -> bool:
        try:
            exists = await self._topic_exists(topic)
        finally:
            del self._asking[topic]
        if exists:
            self._seen[topic] = time.monotonic()
        else:
            self._seen.pop(topic, None)
        return exists

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

        Raises `CallerGoneError` (not worth retrying) when the reply topic is gone.
        """
        if not await self.reachable(to):
            raise CallerGoneError(f"reply topic {to.topic} no longer exists")
        deliveries = [await self.enqueue(to, cid, reply) for reply in replies]
        await asyncio.gather(*deliveries)

    async def dead_letter(
        self, topic: str, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        """Produce a dead letter and wait for the broker's acknowledgement."""
        await self._producer.send_and_wait(topic, value, key=key, headers=headers)
