"""Producing a request's replies, and dead letters, with the handler's producer.

A reply is a `ReplyRecord` (kind, sequence, body). Unary calls have one; a
stream has its events and an ``end`` record. `ReplySender.send` produces
records and waits until the broker has them; on failure the caller re-sends
them all: the producer is idempotent and the client drops records of a stream
it already has (by sequence) and replies of calls it no longer waits for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer

from a2a_kafka.wire import ReplyAddress, ReplyKind, encode_reply


@dataclass(frozen=True, slots=True)
class ReplyRecord:
    """One reply record of a call, before encoding."""

    kind: ReplyKind
    sequence: int
    body: dict[str, Any] | None


class ReplySender:
    """Produces the replies of calls to their reply addresses."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer

    async def enqueue(self, to: ReplyAddress, cid: str, reply: ReplyRecord) -> Awaitable[Any]:
        """Hand one record to the producer; await the result to know it was written."""
        value, headers = encode_reply(cid, reply.kind, reply.sequence, reply.body)
        delivery: Awaitable[Any] = await self._producer.send(
            to.topic, value, key=cid.encode(), partition=to.partition, headers=headers
        )
        return delivery

    async def send(self, to: ReplyAddress, cid: str, replies: Sequence[ReplyRecord]) -> None:
        """Produce ``replies`` in order and wait until the broker acknowledged all."""
        deliveries = [await self.enqueue(to, cid, reply) for reply in replies]
        await asyncio.gather(*deliveries)

    async def dead_letter(
        self, topic: str, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        """Produce a dead letter and wait for the broker's acknowledgement."""
        await self._producer.send_and_wait(topic, value, key=key, headers=headers)
