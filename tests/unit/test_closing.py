"""Closing is bounded and quiet: `close_quietly`, `PendingReplies`, `serve_until_signal`."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.errors import KafkaConnectionError

from a2a_kafka.client import replies
from a2a_kafka.client.replies import PendingReplies
from a2a_kafka.closing import close_quietly
from a2a_kafka.errors import BrokerError, KafkaTransportError
from a2a_kafka.server.run import serve_until_signal
from a2a_kafka.wire import Reply, ReplyKind


@pytest.mark.parametrize("failure", [asyncio.CancelledError(), KafkaConnectionError("down")])
async def test_a_close_that_fails_inside_the_client_does_not_escape(failure: BaseException) -> None:
    async def stop() -> None:
        raise failure

    await close_quietly("it", stop)


async def test_a_close_that_hangs_is_cut_short() -> None:
    async with asyncio.timeout(5):
        await close_quietly("it", asyncio.Event().wait, timeout=0.05)


async def test_a_cancelled_closer_is_still_cancelled() -> None:
    task = asyncio.ensure_future(close_quietly("it", asyncio.Event().wait))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_unread_replies_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replies, "MAX_UNREAD", 10)
    pending = PendingReplies("c")
    for n in range(11):
        pending.put(Reply("c", ReplyKind.EVENT, n, {}))
    assert pending._queue.qsize() == 1
    with pytest.raises(KafkaTransportError, match="more than 10 replies"):
        await pending.get(1)


class Failing:
    def __init__(self) -> None:
        self.closed = False

    async def start(self) -> None:
        pass

    async def wait_failed(self) -> BrokerError:
        await asyncio.sleep(0)
        return BrokerError("agent 'x' stopped consuming: UnicodeDecodeError()")

    async def aclose(self) -> None:
        self.closed = True


async def test_serving_ends_with_the_failure_of_a_service() -> None:
    service = Failing()
    async with asyncio.timeout(5):
        with pytest.raises(BrokerError, match="stopped consuming"):
            await serve_until_signal([service], signals=())
    assert service.closed


async def test_a_producer_that_cannot_flush_in_time_is_aborted_and_its_connections_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """stop() waiting for records it cannot deliver must not leave connections open."""
    from aiokafka.errors import KafkaError

    from a2a_kafka import closing

    done: list[str] = []

    class Part:
        def __init__(self, name: str) -> None:
            self.name = name

        def fail_all(self, exc: BaseException) -> None:
            assert isinstance(exc, KafkaError)
            done.append(f"{self.name} failed")

        async def close(self) -> None:
            done.append(f"{self.name} closed")

    class Producer:
        _message_accumulator = Part("records")
        _sender = Part("sender")
        client = Part("connections")

        async def stop(self) -> None:
            await asyncio.Event().wait()  # a record for a deleted topic: waits for ever

    monkeypatch.setattr(closing, "CLOSE_TIMEOUT", 0.05)
    monkeypatch.setattr(closing.close_quietly, "__defaults__", (0.05,))
    await closing.close_producer("the producer", Producer())
    assert done == ["records failed", "sender closed", "connections closed"]
