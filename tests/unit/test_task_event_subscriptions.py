"""`KafkaTaskEventStream` without a broker: dispatching records to subscribers, closing."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from a2a.server.cluster import TaskVersion, VersionedEvent
from a2a.types.a2a_pb2 import StreamResponse, TaskState, TaskStatus, TaskStatusUpdateEvent
from google.protobuf.json_format import MessageToDict

from a2a_kafka import KafkaConfig
from a2a_kafka.cluster import KafkaTaskEventStream
from a2a_kafka.errors import BrokerError
from a2a_kafka.kafka_clients import AIOKafkaFactory
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

    def __init__(self) -> None:
        self.running = False

    async def start(self) -> None:
        self.running = True

    async def stop(self) -> None:
        self.running = False


class EmptyCluster:
    """An admin client of a cluster where created topics never get partitions."""

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def list_topics(self) -> list[str]:
        return []

    async def create_topics(self, new_topics: Any) -> None:
        return None

    async def describe_topics(self, names: Any) -> list[Any]:
        return []


class Clients(AIOKafkaFactory):
    """The config's client factory: records the clients the stream makes."""

    def __init__(self) -> None:
        self.made: list[Client] = []

    def producer(self, **options: Any) -> Any:
        self.made.append(Client())
        return self.made[-1]

    def consumer(self, *topics: str, **options: Any) -> Any:
        self.made.append(Client())
        return self.made[-1]

    def admin(self, **options: Any) -> Any:
        return EmptyCluster()


async def test_a_start_that_finds_no_partitions_stops_what_it_started() -> None:
    clients = Clients()
    stream = KafkaTaskEventStream(KafkaConfig(client_factory=clients), "x")
    with pytest.raises(BrokerError, match="no partitions"):
        await stream.start()
    assert len(clients.made) == 2
    assert not any(client.running for client in clients.made)
