"""`KafkaTaskEventStream`: a2a's TaskEventStream contract over a Kafka topic."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from a2a.server.cluster import TaskVersion, VersionedEvent
from a2a.types.a2a_pb2 import TaskState, TaskStatus, TaskStatusUpdateEvent

from a2a_kafka import KafkaConfig
from a2a_kafka.cluster import KafkaTaskEventStream
from a2a_kafka.errors import BrokerError
from a2a_kafka.pytest_plugin import UniqueNames


def update(
    task_id: str, version: int, state: TaskState = TaskState.TASK_STATE_WORKING
) -> VersionedEvent:
    event = TaskStatusUpdateEvent(task_id=task_id, context_id="c", status=TaskStatus(state=state))
    return VersionedEvent(event=event, version=TaskVersion(version))


@pytest.fixture
async def pair(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> AsyncIterator[tuple[KafkaTaskEventStream, KafkaTaskEventStream]]:
    name = unique_names.agent()
    async with (
        KafkaTaskEventStream(kafka_config, name) as a,
        KafkaTaskEventStream(kafka_config, name) as b,
    ):
        yield a, b


async def test_events_reach_subscribers_on_other_instances_in_order_after_a_version(
    pair: tuple[KafkaTaskEventStream, KafkaTaskEventStream],
) -> None:
    a, b = pair
    seen: list[tuple[str, int]] = []
    b.add_listener(lambda task_id, event, origin: seen.append((origin, 0)))
    subscription = b.subscribe("t1", after=TaskVersion(2))
    first = asyncio.ensure_future(anext(subscription))
    await asyncio.sleep(0.1)  # the subscriber is registered
    for version in (1, 2, 3, 4):
        await a.publish("t1", update("t1", version))
    await a.publish("t2", update("t2", 9))  # another task: not delivered here
    got = [await first, await anext(subscription)]
    assert [e.version for e in got] == [TaskVersion(3), TaskVersion(4)]
    await subscription.aclose()
    assert {origin for origin, _ in seen} == {a.instance_id}


async def test_a_subscriber_arriving_just_after_an_event_still_gets_it(
    pair: tuple[KafkaTaskEventStream, KafkaTaskEventStream],
) -> None:
    a, b = pair
    arrived = asyncio.Event()
    b.add_listener(lambda task_id, event, origin: arrived.set())
    await a.publish("t1", update("t1", 5, TaskState.TASK_STATE_CANCELED))
    await asyncio.wait_for(arrived.wait(), 10)
    subscription = b.subscribe("t1", after=TaskVersion(4))  # a snapshot read at version 4
    replayed = await asyncio.wait_for(anext(subscription), 5)
    assert replayed.version == TaskVersion(5)
    await subscription.aclose()
    await b.destroy("t1")
    later = b.subscribe("t1", after=TaskVersion(4))
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(anext(later), 0.3)


async def test_a_subscription_made_after_the_stream_closed_fails_at_once(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    stream = KafkaTaskEventStream(kafka_config, unique_names.agent())
    await stream.start()
    await stream.aclose()
    events = stream.subscribe("t-1", after=TaskVersion(0))
    async with asyncio.timeout(30):  # never waits for events that cannot come
        with pytest.raises(BrokerError, match="is closed"):
            await anext(events)
