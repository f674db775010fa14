"""`KafkaTaskEventStream` without a broker: dispatching records to subscribers, closing."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest
from a2a.server.cluster import TaskVersion, VersionedEvent
from a2a.types.a2a_pb2 import StreamResponse, TaskState, TaskStatus, TaskStatusUpdateEvent
from google.protobuf.json_format import MessageToDict

from a2a_kafka import KafkaConfig
from a2a_kafka.cluster import KafkaTaskEventStream
from a2a_kafka.errors import BrokerError
from a2a_kafka.wire import dumps


def record(offset: int, value: bytes) -> Any:
    return SimpleNamespace(offset=offset, value=value, headers=[])


def event_record(offset: int, task_id: str, version: int) -> Any:
    update = TaskStatusUpdateEvent(
        task_id=task_id, context_id="c", status=TaskStatus(state=TaskState.TASK_STATE_WORKING)
    )
    event = MessageToDict(StreamResponse(status_update=update))
    return record(offset, dumps({"taskId": task_id, "version": version, "event": event}))


def versions(events: list[VersionedEvent]) -> list[TaskVersion]:
    return [e.version for e in events]


async def test_a_record_protobuf_cannot_parse_is_skipped_not_fatal() -> None:
    stream = KafkaTaskEventStream(KafkaConfig(), "x")
    bad = {"taskId": "t", "version": 1, "event": {"task": {"id": 5}}}  # id must be a string
    stream._dispatch(record(0, dumps(bad)), 0.0)  # must not raise: it would end the consumer
    stream._dispatch(event_record(1, "t", 2), 0.0)
    assert [offset for _, offset, _ in stream._recent["t"].events] == [1]


async def test_a_subscriber_that_falls_behind_gets_no_gap_before_its_error() -> None:
    stream = KafkaTaskEventStream(KafkaConfig(), "x", max_backlog=2)
    subscription = stream.subscribe("t", after=TaskVersion(0))
    first = asyncio.ensure_future(anext(subscription))
    await asyncio.sleep(0)  # the subscriber is registered
    for offset in range(4):
        stream._dispatch(event_record(offset, "t", offset + 1), 0.0)
    got = [await first, await anext(subscription)]  # what was queued before the overflow
    with pytest.raises(BrokerError, match="fell behind"):
        await anext(subscription)
    assert versions(got) == [TaskVersion(1), TaskVersion(2)]


async def test_closing_ends_a_subscriber_whose_backlog_is_full() -> None:
    stream = KafkaTaskEventStream(KafkaConfig(), "x", max_backlog=2)
    subscription = stream.subscribe("t", after=TaskVersion(0))
    first = asyncio.ensure_future(anext(subscription))
    await asyncio.sleep(0)  # the subscriber is registered
    stream._dispatch(event_record(0, "t", 1), 0.0)
    got = [await first]
    for offset in (1, 2):  # the subscriber is busy: these two fill its queue
        stream._dispatch(event_record(offset, "t", offset + 1), 0.0)
    await stream.aclose()
    got += [event async for event in subscription]
    assert versions(got) == [TaskVersion(1), TaskVersion(2), TaskVersion(3)]


class Client:
    """Stands for the stream's producer and consumer: started, then stopped?"""

    made: ClassVar[list[Client]] = []

    def __init__(self, **_: Any) -> None:
        self.running = False
        self.made.append(self)

    async def start(self) -> None:
        self.running = True

    async def stop(self) -> None:
        self.running = False


async def test_a_start_that_finds_no_partitions_stops_what_it_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def nothing(*_: Any, **__: Any) -> list[Any]:
        return []

    module = "a2a_kafka.cluster.event_stream"
    monkeypatch.setattr(f"{module}.ensure_topics", nothing)
    monkeypatch.setattr(f"{module}.topic_partitions", nothing)
    monkeypatch.setattr(f"{module}.AIOKafkaProducer", Client)
    monkeypatch.setattr(f"{module}.AIOKafkaConsumer", Client)
    stream = KafkaTaskEventStream(KafkaConfig(), "x")
    with pytest.raises(BrokerError, match="no partitions"):
        await stream.start()
    assert len(Client.made) == 2
    assert not any(client.running for client in Client.made)
