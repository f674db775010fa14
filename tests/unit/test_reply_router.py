"""`ReplyRouter` without a broker: a start that fails half-way."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from aiokafka.errors import UnknownTopicOrPartitionError

from a2a_kafka import KafkaConfig
from a2a_kafka.client.replies import ReplyRouter
from a2a_kafka.wire import ReplyAddress


class HalfStartedConsumer:
    """Connects, then cannot find the reply partition's end."""

    instances: ClassVar[list[HalfStartedConsumer]] = []

    def __init__(self, **_: Any) -> None:
        self.stopped = False
        self.instances.append(self)

    async def start(self) -> None:
        return None

    def assign(self, partitions: object) -> None:
        return None

    async def seek_to_end(self, *partitions: object) -> None:
        raise UnknownTopicOrPartitionError()

    async def stop(self) -> None:
        self.stopped = True


async def test_a_failed_start_stops_the_consumer_it_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("a2a_kafka.client.replies.AIOKafkaConsumer", HalfStartedConsumer)
    router = ReplyRouter(KafkaConfig(), ReplyAddress("replies", 0))
    with pytest.raises(UnknownTopicOrPartitionError):
        await router.start()
    (consumer,) = HalfStartedConsumer.instances
    assert consumer.stopped
