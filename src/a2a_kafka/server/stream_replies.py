"""One stream's reply records in flight: produced in order, acknowledged in the background.

A stream's events are handed to the producer one after another without waiting
for the broker: the idempotent producer keeps them in order within the reply
partition and batches those that wait behind a produce request in flight. Only
records not acknowledged yet are kept, at most `MAX_UNACKED` of them: the next
record waits for the oldest one's acknowledgement first. A record that could
not be handed over, or whose delivery failed, stays; `failed` says so, and
`settle` returns it with every record not acknowledged, in order, to be produced
again (the client drops the records it already has, by sequence).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

from a2a_kafka.server.replies import ReplyRecord, ReplySender
from a2a_kafka.wire import ReplyAddress

logger = logging.getLogger(__name__)

MAX_UNACKED = 256
"""Most records of one stream handed to the producer and not acknowledged yet."""

_Delivery = asyncio.Future[Any] | None
"""A record's delivery; None: the producer refused it."""


class StreamReplies:
    """The records of one stream not acknowledged yet, oldest first (see the module docstring).

    Args:
        sender: the handler's reply sender.
        to: the caller's reply address.
        cid: the call's correlation id.
        limit: most records kept unacknowledged; `add` waits for the oldest beyond it.
    """

    def __init__(
        self, sender: ReplySender, to: ReplyAddress, cid: str, limit: int = MAX_UNACKED
    ) -> None:
        self._sender = sender
        self._to = to
        self._cid = cid
        self._limit = limit
        self._unacked: deque[tuple[ReplyRecord, _Delivery]] = deque()
        self._failed = False

    @property
    def unacked(self) -> int:
        """How many records are kept now."""
        return len(self._unacked)

    @property
    def failed(self) -> bool:
        """A kept record's delivery failed: it must be produced again (`settle`)."""
        return self._failed

    async def add(self, record: ReplyRecord) -> None:
        """Hand ``record`` to the producer after the records before it; no wait for the
        broker, unless `limit` records are unacknowledged (then for the oldest one's)."""
        if len(self._unacked) >= self._limit and (oldest := self._unacked[0][1]) is not None:
            await asyncio.wait([oldest])
            self._drop_acknowledged()
        self._unacked.append((record, await self._enqueue(record)))
        self._drop_acknowledged()

    async def settle(self) -> list[ReplyRecord]:
        """Wait for every delivery; return the records not acknowledged, in order, and
        forget them (the caller produces them again)."""
        pending = [delivery for _, delivery in self._unacked if delivery is not None]
        if pending:
            await asyncio.wait(pending)
        left = [record for record, delivery in self._unacked if not _acknowledged(delivery)]
        for _, delivery in self._unacked:  # retrieved: a failure is handled by re-sending
            if delivery is not None and not delivery.cancelled():
                delivery.exception()
        self._unacked.clear()
        self._failed = False
        return left

    def _drop_acknowledged(self) -> None:
        """Deliveries complete in order within a partition; the oldest go first. The
        oldest left is failed if its delivery completed without an acknowledgement."""
        while self._unacked and _acknowledged(self._unacked[0][1]):
            self._unacked.popleft()
        if self._unacked and (oldest := self._unacked[0][1]) is not None and oldest.done():
            self._failed = True
            if not oldest.cancelled():
                logger.warning("reply %s not acknowledged: %r", self._cid, oldest.exception())

    async def _enqueue(self, record: ReplyRecord) -> _Delivery:
        try:
            delivery = await self._sender.enqueue(self._to, self._cid, record)
        except Exception as exc:
            logger.warning("reply %s #%d not produced: %r", self._cid, record.sequence, exc)
            self._failed = True
            return None
        return asyncio.ensure_future(delivery)


def _acknowledged(delivery: _Delivery) -> bool:
    return (
        delivery is not None
        and delivery.done()
        and not delivery.cancelled()
        and delivery.exception() is None
    )
