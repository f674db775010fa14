"""A stream's replies reach the caller in order, once each, and errors always get through."""

from __future__ import annotations

from a2a_kafka.client.replies import PendingReplies, iterate
from a2a_kafka.wire import Reply, ReplyKind


def event(seq: int, body: dict[str, object] | None = None) -> Reply:
    return Reply("c", ReplyKind.EVENT, seq, body or {"result": {"n": seq}})


async def drain(*replies: Reply) -> list[object]:
    pending = PendingReplies("c")
    for reply in replies:
        pending.put(reply)
    return [r.body async for r in iterate(pending, idle_timeout=1)]


async def test_out_of_order_records_are_reordered_and_duplicates_dropped() -> None:
    got = await drain(event(1), event(0), event(0), event(2), Reply("c", ReplyKind.END, 3, None))
    assert got == [{"result": {"n": 0}}, {"result": {"n": 1}}, {"result": {"n": 2}}]


async def test_an_error_redelivered_under_an_old_sequence_still_ends_the_stream() -> None:
    interrupted = {"error": {"code": -32603, "message": "interrupted"}}
    got = await drain(event(0), event(0, interrupted), Reply("c", ReplyKind.END, 1, None))
    assert got == [{"result": {"n": 0}}, interrupted]


async def test_a_result_record_ends_a_stream() -> None:
    rejected = {"error": {"code": -32602, "message": "bad params"}}
    assert await drain(Reply("c", ReplyKind.RESULT, 0, rejected)) == [rejected]


async def test_a_result_record_under_an_old_sequence_ends_the_stream() -> None:
    # The first run's instance died after records 0 and 1; the redelivery is answered
    # with the task it left, as one result record (sequence 0): the caller's answer.
    task = {"result": {"task": {"id": "t", "status": {"state": "TASK_STATE_COMPLETED"}}}}
    got = await drain(event(0), event(1), Reply("c", ReplyKind.RESULT, 0, task))
    assert got == [{"result": {"n": 0}}, {"result": {"n": 1}}, task]
