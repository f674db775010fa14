"""`ReplyRouter` without a broker, through the config's client factory (`MemoryKafka`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka.errors import UnknownTopicOrPartitionError

from a2a_kafka import KafkaConfig, KafkaTransportError
from a2a_kafka.client.replies import ReplyRouter
from a2a_kafka.kafka_clients import AIOKafkaFactory
from a2a_kafka.lenient_records import UNREADABLE
from a2a_kafka.memory_kafka import MemoryKafka
from a2a_kafka.wire import CORRELATION_ID, ReplyAddress, ReplyKind, encode_reply

TO = ReplyAddress("a2a.replies.me", 0)


class HalfStartedConsumer:
    """Connects, then cannot find the reply partition's end."""

    def __init__(self) -> None:
        self.stopped = False

    async def start(self) -> None:
        return None

    def assign(self, partitions: object) -> None:
        return None

    async def seek_to_end(self, *partitions: object) -> None:
        raise UnknownTopicOrPartitionError()

    async def stop(self) -> None:
        self.stopped = True


class HalfStarting(AIOKafkaFactory):
    def __init__(self) -> None:
        self.made: list[HalfStartedConsumer] = []

    def consumer(self, *topics: str, **options: Any) -> Any:
        self.made.append(HalfStartedConsumer())
        return self.made[-1]


async def test_a_failed_start_stops_the_consumer_it_started() -> None:
    factory = HalfStarting()
    router = ReplyRouter(KafkaConfig(client_factory=factory), TO)
    with pytest.raises(UnknownTopicOrPartitionError):
        await router.start()
    (consumer,) = factory.made
    assert consumer.stopped


@pytest.fixture
async def kafka() -> MemoryKafka:
    memory = MemoryKafka()
    memory.create(TO.topic)
    return memory


@pytest.fixture
async def router(kafka: MemoryKafka) -> AsyncIterator[ReplyRouter]:
    started = ReplyRouter(KafkaConfig(client_factory=kafka), TO)
    await started.start()
    yield started
    await started.aclose()


def reply(kafka: MemoryKafka, cid: str, kind: ReplyKind, sequence: int, body: Any) -> None:
    value, headers = encode_reply(cid, kind, sequence, body)
    kafka.append(TO.topic, value, partition=TO.partition, headers=headers)


async def test_each_reply_reaches_the_call_waiting_for_its_correlation_id(
    kafka: MemoryKafka, router: ReplyRouter
) -> None:
    first, second = router.register("c-1"), router.register("c-2")
    reply(kafka, "c-2", ReplyKind.RESULT, 0, {"result": 2})
    reply(kafka, "c-1", ReplyKind.RESULT, 0, {"result": 1})
    assert (await first.get(5)).body == {"result": 1}
    assert (await second.get(5)).body == {"result": 2}


async def test_records_before_the_start_are_not_replies_to_this_caller(kafka: MemoryKafka) -> None:
    reply(kafka, "c-1", ReplyKind.RESULT, 0, {"result": "old"})
    async with asyncio.timeout(10):
        router = ReplyRouter(KafkaConfig(client_factory=kafka), TO)
        await router.start()
        pending = router.register("c-1")
        reply(kafka, "c-1", ReplyKind.RESULT, 0, {"result": "new"})
        assert (await pending.get(5)).body == {"result": "new"}
        await router.aclose()


async def test_bad_records_heartbeats_and_unclaimed_replies_do_not_stop_routing(
    kafka: MemoryKafka, router: ReplyRouter
) -> None:
    pending = router.register("c-1")
    kafka.append(TO.topic, b"\xff not json", headers=[(CORRELATION_ID, b"c-1")])
    kafka.append(TO.topic, b"{}", headers=[])  # no correlation id
    reply(kafka, "-", ReplyKind.HEARTBEAT, 0, None)
    reply(kafka, "nobody", ReplyKind.RESULT, 0, {"result": "for a call that gave up"})
    reply(kafka, "c-1", ReplyKind.RESULT, 0, {"result": "ok"})
    assert (await pending.get(5)).body == {"result": "ok"}


async def test_a_forgotten_call_gets_nothing_and_closing_wakes_waiters(kafka: MemoryKafka) -> None:
    router = ReplyRouter(KafkaConfig(client_factory=kafka), TO)
    await router.start()
    waiting, forgotten = router.register("c-1"), router.register("c-2")
    router.forget("c-2")
    reply(kafka, "c-2", ReplyKind.RESULT, 0, {"result": "too late"})
    await router.aclose()
    with pytest.raises(KafkaTransportError):
        await waiting.get(30)
    with pytest.raises(TimeoutError):
        await forgotten.get(0.2)


async def test_the_placeholder_of_an_unreadable_batch_is_skipped_and_counted(
    kafka: MemoryKafka, router: ReplyRouter
) -> None:
    pending = router.register("c-1")
    kafka.append(TO.topic, None, partition=TO.partition, headers=[(UNREADABLE, b"CRC mismatch")])
    reply(kafka, "c-1", ReplyKind.RESULT, 0, {"result": "ok"})
    assert (await pending.get(5)).body == {"result": "ok"}
    assert router.skipped == 1
