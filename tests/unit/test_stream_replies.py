"""`StreamReplies`: a stream's records produced without waiting, kept until acknowledged."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka.errors import KafkaConnectionError

from a2a_kafka.server.replies import ReplyRecord
from a2a_kafka.server.stream_replies import StreamReplies
from a2a_kafka.wire import ReplyAddress, ReplyKind


class Sender:
    """Hands out one delivery future per record; the test decides when each is acknowledged."""

    def __init__(self) -> None:
        self.deliveries: list[asyncio.Future[Any]] = []

    async def enqueue(self, to: ReplyAddress, cid: str, reply: ReplyRecord) -> Any:
        self.deliveries.append(asyncio.get_running_loop().create_future())
        return self.deliveries[-1]


def event(sequence: int) -> ReplyRecord:
    return ReplyRecord(ReplyKind.EVENT, sequence, {"n": sequence})


def window(sender: Sender, limit: int = 4) -> StreamReplies:
    return StreamReplies(sender, ReplyAddress("r", 0), "c", limit=limit)  # type: ignore[arg-type]


async def test_records_are_handed_over_without_waiting_and_only_unacknowledged_ones_kept() -> None:
    sender = Sender()
    replies = window(sender)
    for n in range(3):
        await replies.add(event(n))
    assert len(sender.deliveries) == 3  # none acknowledged yet
    sender.deliveries[0].set_result(None)
    sender.deliveries[1].set_result(None)
    await replies.add(event(3))
    assert replies.unacked == 2  # records 2 and 3
    for delivery in sender.deliveries[2:]:
        delivery.set_result(None)
    assert await replies.settle() == []


async def test_past_the_limit_the_next_record_waits_for_the_oldest_acknowledgement() -> None:
    sender = Sender()
    replies = window(sender, limit=2)
    await replies.add(event(0))
    await replies.add(event(1))
    third = asyncio.ensure_future(replies.add(event(2)))
    await asyncio.sleep(0)
    assert not third.done()
    assert len(sender.deliveries) == 2
    sender.deliveries[0].set_result(None)
    await asyncio.wait_for(third, 5)
    assert len(sender.deliveries) == 3
    assert replies.unacked == 2


async def test_a_failed_delivery_is_returned_with_every_record_after_it() -> None:
    sender = Sender()
    replies = window(sender)
    for n in range(4):
        await replies.add(event(n))
    sender.deliveries[0].set_result(None)
    sender.deliveries[1].set_exception(KafkaConnectionError("broker away"))
    sender.deliveries[2].set_result(None)
    sender.deliveries[3].set_result(None)
    await replies.add(event(4))
    assert replies.failed
    sender.deliveries[4].set_result(None)
    assert [r.sequence for r in await replies.settle()] == [1]
    assert not replies.failed
    assert replies.unacked == 0


async def test_a_record_the_producer_refused_is_kept_as_failed() -> None:
    class Refusing(Sender):
        async def enqueue(self, to: ReplyAddress, cid: str, reply: ReplyRecord) -> Any:
            raise KafkaConnectionError("no broker")

    replies = window(Refusing())
    await replies.add(event(0))
    assert replies.failed
    assert [r.sequence for r in await replies.settle()] == [0]
