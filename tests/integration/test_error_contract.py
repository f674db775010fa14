"""The error contract (`a2a_kafka.errors`): every public client operation fails with the
documented `A2AClientError` subclass when the broker is stopped, the agent unknown, or the
reply malformed; never with a third-party exception.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from a2a.client import A2AClientError, Client, ClientConfig
from a2a.types import (
    CancelTaskRequest,
    DeleteTaskPushNotificationConfigRequest,
    GetExtendedAgentCardRequest,
    GetTaskPushNotificationConfigRequest,
    GetTaskRequest,
    ListTaskPushNotificationConfigsRequest,
    ListTasksRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
    SubscribeToTaskRequest,
    TaskPushNotificationConfig,
)
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from a2a_kafka import (
    AgentNotFoundError,
    AgentRegistry,
    AgentTopics,
    BrokerError,
    KafkaClients,
    KafkaConfig,
    KafkaTransportError,
)
from a2a_kafka.broker.layout import free_port
from a2a_kafka.registry import kafka_interface
from a2a_kafka.topics import ensure_agent_topics
from a2a_kafka.wire import ReplyKind, decode_request_meta, encode_reply

Operation = Callable[[Client], Awaitable[object]]


async def drain(events: AsyncIterator[object]) -> None:
    async for _ in events:
        pass


def message() -> Message:
    return Message(role=Role.ROLE_USER, message_id="m-1", parts=[Part(text="hi")])


OPERATIONS: dict[str, Operation] = {
    "send_message": lambda c: drain(c.send_message(SendMessageRequest(message=message()))),
    "get_task": lambda c: c.get_task(GetTaskRequest(id="t-1")),
    "list_tasks": lambda c: c.list_tasks(ListTasksRequest()),
    "cancel_task": lambda c: c.cancel_task(CancelTaskRequest(id="t-1")),
    "subscribe": lambda c: drain(c.subscribe(SubscribeToTaskRequest(id="t-1"))),
    "create_task_push_notification_config": lambda c: c.create_task_push_notification_config(
        TaskPushNotificationConfig(task_id="t-1", url="https://example.com/hook")
    ),
    "get_task_push_notification_config": lambda c: c.get_task_push_notification_config(
        GetTaskPushNotificationConfigRequest(task_id="t-1", id="c-1")
    ),
    "list_task_push_notification_configs": lambda c: c.list_task_push_notification_configs(
        ListTaskPushNotificationConfigsRequest(task_id="t-1")
    ),
    "delete_task_push_notification_config": lambda c: c.delete_task_push_notification_config(
        DeleteTaskPushNotificationConfigRequest(task_id="t-1", id="c-1")
    ),
    "get_extended_agent_card": lambda c: c.get_extended_agent_card(GetExtendedAgentCardRequest()),
}
"""Every operation of a2a's `Client`, over Kafka."""

STREAMING = [True, False]  # send_message streams or blocks, as ClientConfig says


def card_for(config: KafkaConfig, agent: str) -> Any:
    from a2a.types import AgentCapabilities, AgentCard

    return AgentCard(
        name=agent,
        description="x",
        version="1",
        supported_interfaces=[kafka_interface(config, agent)],
        capabilities=AgentCapabilities(streaming=True, extended_agent_card=True),
    )


async def assert_fails(
    config: KafkaConfig, agent: str, expected: type[A2AClientError], streaming: bool
) -> None:
    """Each operation, on a fresh client, raises ``expected``; closing raises nothing."""
    for name, operation in OPERATIONS.items():
        if name == "subscribe" and not streaming:
            continue  # a2a's Client refuses it itself (NotImplementedError), as over HTTP
        async with KafkaClients(config, ClientConfig(streaming=streaming)) as clients:
            client = clients.create(card_for(config, agent))
            with pytest.raises(A2AClientError) as caught:
                async with asyncio.timeout(120):
                    await operation(client)
            assert isinstance(caught.value, expected), (name, caught.value)
            await client.close()


@pytest.mark.parametrize("streaming", STREAMING)
async def test_broker_stopped_every_operation_is_a_broker_error(streaming: bool) -> None:
    config = KafkaConfig(bootstrap_servers=f"127.0.0.1:{free_port()}", request_timeout=5.0)
    await assert_fails(config, "data", BrokerError, streaming)
    async with KafkaClients(config) as clients:
        with pytest.raises(BrokerError):
            await clients.connect("data")
    registry = AgentRegistry(config)
    for look_up in (registry.cards(), registry.get("data"), registry.find_by_skill("x")):
        with pytest.raises(BrokerError):
            await look_up


@pytest.mark.parametrize("streaming", STREAMING)
async def test_unknown_agent_every_operation_is_agent_not_found(
    kafka_config: KafkaConfig, streaming: bool, unique_names: Any
) -> None:
    config = kafka_config.with_(topic_prefix=unique_names.topic("p") + ".")
    agent = unique_names.agent()
    await assert_fails(config, agent, AgentNotFoundError, streaming)
    async with KafkaClients(config) as clients:
        with pytest.raises(AgentNotFoundError):
            await clients.connect(agent)


@contextlib.asynccontextmanager
async def garbling_agent(config: KafkaConfig, agent: str) -> AsyncIterator[None]:
    """An "agent" answering every request with a JSON-RPC object that has no result."""
    await ensure_agent_topics(config, [agent])
    consumer = AIOKafkaConsumer(
        AgentTopics.of(config, agent).requests,
        **config.consumer_kwargs(group_id=f"garble-{agent}", auto_offset_reset="earliest"),
    )
    producer = AIOKafkaProducer(**config.producer_kwargs())
    await consumer.start()
    await producer.start()

    async def answer() -> None:
        async for record in consumer:
            meta = decode_request_meta(record.headers)
            assert meta.reply_to is not None
            assert meta.correlation_id is not None
            body = {"jsonrpc": "2.0", "id": meta.correlation_id}  # neither result nor error
            value, headers = encode_reply(meta.correlation_id, ReplyKind.RESULT, 0, body)
            await producer.send_and_wait(
                meta.reply_to.topic, value, partition=meta.reply_to.partition, headers=headers
            )

    task = asyncio.create_task(answer())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await consumer.stop()
        await producer.stop()


@pytest.mark.parametrize("streaming", STREAMING)
async def test_malformed_replies_are_kafka_transport_errors(
    kafka_config: KafkaConfig, streaming: bool, unique_names: Any
) -> None:
    config = kafka_config.with_(topic_prefix=unique_names.topic("p") + ".")
    agent = unique_names.agent()
    async with garbling_agent(config, agent):
        await assert_fails(config, agent, KafkaTransportError, streaming)
