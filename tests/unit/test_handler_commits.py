"""`KafkaConsumerHandler`'s offset commits without a broker: a commit that never ends."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import TopicPartition

from a2a_kafka import KafkaConfig, KafkaConsumerHandler
from a2a_kafka.server import handler as handler_module

TP = TopicPartition("agent.x.requests", 0)


class UnansweredConsumer:
    """A consumer whose broker is gone: aiokafka retries a commit until it finds one."""

    def __init__(self) -> None:
        self.stopped = False

    async def commit(self, offsets: object) -> None:
        await asyncio.Event().wait()

    async def stop(self) -> None:
        self.stopped = True


async def test_close_does_not_hang_on_a_commit_the_broker_never_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(handler_module, "COMMIT_TIMEOUT", 0.05)
    server = KafkaConsumerHandler("x", None, KafkaConfig())  # type: ignore[arg-type]
    consumer = UnansweredConsumer()
    server._consumer = consumer
    server._offsets.started(TP, 0)
    server._offsets.finished(TP, 0)
    async with asyncio.timeout(5):
        await server.aclose()
    assert consumer.stopped
    assert server._offsets.committable() == {TP: 1}  # not taken for committed
