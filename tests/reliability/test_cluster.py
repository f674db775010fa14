"""Two instances of one agent share task state: a task started on A is fetched,
subscribed to and cancelled through B, and the cancel stops the agent on A."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from a2a.client import ClientCallContext
from a2a.types.a2a_pb2 import (
    CancelTaskRequest,
    GetTaskRequest,
    SubscribeToTaskRequest,
    TaskState,
)
from aiokafka.partitioner import DefaultPartitioner
from fault_agent import FaultAgent, fault_card
from serving import message

from a2a_kafka import KafkaConfig, KafkaConsumerHandler, KafkaTransport, with_kafka_interface
from a2a_kafka.cluster import SharedTaskState
from a2a_kafka.pytest_plugin import UniqueNames


class Steer:
    """A producer partitioner that sends the next requests to one chosen partition."""

    def __init__(self) -> None:
        self.target: int | None = None
        self._default = DefaultPartitioner()

    def __call__(self, key: bytes | None, every: list[int], available: list[int]) -> int:
        if self.target is not None:
            return self.target
        return int(self._default(key, every, available))


@dataclass
class Instance:
    server: KafkaConsumerHandler
    agent: FaultAgent
    state: SharedTaskState

    @property
    def partition(self) -> int:
        return int(min(tp.partition for tp in self.server.assignment))


@contextlib.asynccontextmanager
async def instance(config: KafkaConfig, name: str, url: str) -> AsyncIterator[Instance]:
    async with SharedTaskState.open(config, name, url) as state:
        agent = FaultAgent()
        card = with_kafka_interface(fault_card(name), config, name)
        handler = state.request_handler(agent, card)
        async with state.consumer_handler(handler, agent_card=card) as server:
            yield Instance(server, agent, state)


async def split(a: Instance, b: Instance) -> None:
    """Wait until the group's partitions are divided between the two instances."""
    async with asyncio.timeout(30):
        while not _divided(a.server.assignment, b.server.assignment):  # noqa: ASYNC110 - no event
            await asyncio.sleep(0.1)


def _divided(one: frozenset[Any], other: frozenset[Any]) -> bool:
    return bool(one and other and not one & other)


async def until(stream: Any, state: TaskState) -> float:
    """Read ``stream`` until the task reaches ``state``; the monotonic time then."""
    async for event in stream:
        seen = event.status_update.status.state or event.task.status.state
        if seen == state:
            return asyncio.get_running_loop().time()
    raise AssertionError(f"the stream ended before {TaskState.Name(state)}")


async def test_subscribe_and_cancel_through_another_instance(
    kafka_config: KafkaConfig, unique_names: UniqueNames, database_url: str
) -> None:
    name = unique_names.agent()
    steer = Steer()
    client_config = kafka_config.with_(producer_options={"partitioner": steer})
    async with (
        instance(kafka_config, name, database_url) as a,
        instance(kafka_config, name, database_url) as b,
    ):
        await split(a, b)
        transport = KafkaTransport.create(client_config, name)
        try:
            steer.target = a.partition
            started = transport.send_message_streaming(
                message("hold"), context=ClientCallContext(timeout=20)
            )
            task_id = (await anext(started)).task.id
            await until(started, TaskState.TASK_STATE_WORKING)

            steer.target = b.partition
            fetched = await transport.get_task(GetTaskRequest(id=task_id))
            assert fetched.status.state == TaskState.TASK_STATE_WORKING
            subscription = transport.subscribe(
                SubscribeToTaskRequest(id=task_id), context=ClientCallContext(timeout=20)
            )
            snapshot = await anext(subscription)
            assert snapshot.task.id == task_id

            subscriber = asyncio.ensure_future(until(subscription, TaskState.TASK_STATE_CANCELED))
            origin = asyncio.ensure_future(until(started, TaskState.TASK_STATE_CANCELED))
            cancelled = await transport.cancel_task(CancelTaskRequest(id=task_id))
            assert cancelled.status.state == TaskState.TASK_STATE_CANCELED
            await asyncio.gather(subscriber, origin)  # both streams see the cancel and end
        finally:
            await transport.close()
        assert (a.agent.executions, b.agent.executions) == (1, 0)
        stored = await b.state.task_store.get(task_id, _context())
        assert stored is not None
        assert stored.task.status.state == TaskState.TASK_STATE_CANCELED


def _context() -> Any:
    from a2a.server.context import ServerCallContext

    return ServerCallContext()
