"""Every A2A operation through a2a's own `Client`, over HTTP JSON-RPC and over Kafka.

The same assertions run against both transports: the Kafka binding must behave
exactly like a2a-sdk's HTTP JSON-RPC binding, errors included. They also run through
the gateway (a2a's JSON-RPC and REST clients -> HTTP -> Kafka -> agent) and through the
reverse bridge (a Kafka caller -> Kafka -> HTTP -> an HTTP-only agent): see
`forwarding_targets`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from a2a.client import Client, ClientCallContext, ClientConfig, ClientFactory
from a2a.helpers import get_artifact_text, get_message_text
from a2a.types.a2a_pb2 import (
    AgentInterface,
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
    StreamResponse,
    SubscribeToTaskRequest,
    Task,
    TaskPushNotificationConfig,
    TaskState,
)
from a2a.utils.constants import TransportProtocol
from a2a.utils.errors import (
    ExtendedAgentCardNotConfiguredError,
    InternalError,
    InvalidParamsError,
    PushNotificationNotSupportedError,
    TaskNotCancelableError,
    TaskNotFoundError,
    UnsupportedOperationError,
    VersionNotSupportedError,
)
from forwarding_targets import BINDINGS, through_bridge, through_gateway
from scripted_agent import agent_card, free_port, http_server, release, request_handler

from a2a_kafka import (
    KAFKA_PROTOCOL_BINDING,
    KafkaClients,
    KafkaConfig,
    KafkaConsumerHandler,
    with_kafka_interface,
)
from a2a_kafka.pytest_plugin import UniqueNames

TERMINAL = {
    TaskState.TASK_STATE_COMPLETED,
    TaskState.TASK_STATE_CANCELED,
    TaskState.TASK_STATE_FAILED,
}


@dataclass
class Agent:
    """A running scripted agent and a way to make clients for it."""

    make_client: Callable[..., Client]
    clients: list[Client] = field(default_factory=list)

    def client(self, **config: object) -> Client:
        client = self.make_client(**config)
        self.clients.append(client)
        return client


FORWARDED = [*BINDINGS, "bridge"]


@pytest.fixture(params=["http", "kafka", *FORWARDED])
async def agent(
    request: pytest.FixtureRequest, kafka_config: KafkaConfig, unique_names: UniqueNames
) -> AsyncIterator[Agent]:
    # request.param: a transport, or (transport, push-notification store?) when indirect
    transport, push = request.param if isinstance(request.param, tuple) else (request.param, True)
    name = unique_names.agent()
    extended = agent_card(name)
    extended.description = "extended card"
    if transport in FORWARDED:
        target = (
            through_bridge(name, kafka_config, extended, push)
            if transport == "bridge"
            else through_gateway(transport, name, kafka_config, extended, push)
        )
        async with target as make:
            agent = Agent(make)
            yield agent
            for client in agent.clients:
                await client.close()
        return
    if transport == "http":
        url = f"http://127.0.0.1:{free_port()}/"
        card = agent_card(
            name,
            [
                AgentInterface(
                    url=url, protocol_binding=TransportProtocol.JSONRPC, protocol_version="1.0"
                )
            ],
        )
        handler = request_handler(card, extended, push=push)
        async with http_server(handler, card):
            agent = Agent(lambda **c: ClientFactory(ClientConfig(**c)).create(card))
            yield agent
            for client in agent.clients:
                await client.close()
        await handler.aclose()  # ends tasks left waiting for input
        return
    card = with_kafka_interface(agent_card(name), kafka_config, name)
    handler = request_handler(card, extended, push=push)
    async with (
        KafkaConsumerHandler(name, handler, kafka_config, agent_card=card),
        KafkaClients(kafka_config) as clients,
    ):
        # One KafkaClients (one producer, one reply topic) serves every client config.
        def make(**c: Any) -> Client:
            factory = ClientFactory(
                ClientConfig(**c, supported_protocol_bindings=[KAFKA_PROTOCOL_BINDING])
            )
            clients.register(factory)
            return factory.create(card)

        agent = Agent(make)
        yield agent
        for client in agent.clients:
            await client.close()
    await handler.aclose()


def user_message(text: str, *, task_id: str = "", context_id: str = "") -> SendMessageRequest:
    return SendMessageRequest(
        message=Message(
            role=Role.ROLE_USER,
            message_id=f"m-{text[:8]}-{id(text)}-{asyncio.get_running_loop().time()}",
            parts=[Part(text=text)],
            task_id=task_id,
            context_id=context_id,
        )
    )


async def collect(stream: AsyncIterator[StreamResponse]) -> list[StreamResponse]:
    return [event async for event in stream]


def final_task(events: list[StreamResponse]) -> Task:
    tasks = [e.task for e in events if e.HasField("task")]
    assert tasks, f"no task in {events}"
    return tasks[-1]


async def test_blocking_send_returns_the_completed_task(agent: Agent) -> None:
    events = await collect(agent.client(streaming=False).send_message(user_message("echo hi 안녕")))
    task = final_task(events)
    assert task.status.state == TaskState.TASK_STATE_COMPLETED
    assert get_artifact_text(task.artifacts[0]) == "echo: hi 안녕"


async def test_a_message_reply_is_returned_as_a_message(agent: Agent) -> None:
    events = await collect(agent.client().send_message(user_message("message hello")))
    assert len(events) == 1
    assert get_message_text(events[0].message) == "reply: hello"


async def test_streaming_delivers_thinking_then_artifact_then_completion(agent: Agent) -> None:
    events = await collect(agent.client().send_message(user_message("echo stream")))
    kinds = [e.WhichOneof("payload") for e in events]
    assert kinds[0] == "task"
    thinking = [
        get_message_text(e.status_update.status.message)
        for e in events
        if e.HasField("status_update")
    ]
    assert thinking[:3] == ["thinking 0", "thinking 1", "thinking 2"]
    assert "artifact_update" in kinds
    assert events[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED


async def test_a_long_stream_arrives_complete_and_in_order(agent: Agent) -> None:
    events = await collect(agent.client().send_message(user_message("stream 500")))
    texts = [
        get_message_text(e.status_update.status.message)
        for e in events
        if e.HasField("status_update") and e.status_update.status.message.parts
    ]
    assert texts == [str(n) for n in range(500)]
    assert events[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED


async def test_return_immediately_then_subscribe_sees_completion(agent: Agent) -> None:
    client = agent.client(streaming=False, polling=True)
    events = await collect(client.send_message(user_message("hold")))
    task = final_task(events)
    assert task.status.state not in TERMINAL
    follower = agent.client()
    stream = follower.subscribe(SubscribeToTaskRequest(id=task.id))
    first = await anext(stream)
    assert first.task.id == task.id
    release(task.id)
    rest = await collect(stream)
    assert rest[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED


async def test_get_task_and_list_tasks(agent: Agent) -> None:
    client = agent.client(streaming=False)
    task = final_task(await collect(client.send_message(user_message("echo x"))))
    fetched = await client.get_task(GetTaskRequest(id=task.id))
    assert fetched.id == task.id
    assert fetched.status.state == TaskState.TASK_STATE_COMPLETED
    listed = await client.list_tasks(ListTasksRequest(context_id=task.context_id))
    assert [t.id for t in listed.tasks] == [task.id]


async def test_get_unknown_task_raises_task_not_found(agent: Agent) -> None:
    with pytest.raises(TaskNotFoundError):
        await agent.client().get_task(GetTaskRequest(id="no-such-task"))


async def test_cancel_a_running_task(agent: Agent) -> None:
    client = agent.client(streaming=False, polling=True)
    task = final_task(await collect(client.send_message(user_message("hold"))))
    canceled = await client.cancel_task(CancelTaskRequest(id=task.id))
    assert canceled.status.state == TaskState.TASK_STATE_CANCELED
    with pytest.raises(TaskNotCancelableError):
        await client.cancel_task(CancelTaskRequest(id=task.id))


async def test_subscribe_from_a_second_client(agent: Agent) -> None:
    starter, follower = agent.client(), agent.client()
    started = starter.send_message(user_message("hold"))
    first = await anext(started)
    task_id = first.task.id
    follow = follower.subscribe(SubscribeToTaskRequest(id=task_id))
    assert (await anext(follow)).task.id == task_id
    release(task_id)
    followed, original = await asyncio.gather(collect(follow), collect(started))
    for events in (followed, original):
        assert events[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED


async def test_multi_turn_input_required_continues_the_same_task(agent: Agent) -> None:
    client = agent.client()
    first = final_task_or_update(await collect(client.send_message(user_message("ask"))))
    assert first[1] == TaskState.TASK_STATE_INPUT_REQUIRED
    task_id, context_id = first[0].id, first[0].context_id
    events = await collect(
        client.send_message(user_message("Zerg", task_id=task_id, context_id=context_id))
    )
    assert events[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED
    fetched = await client.get_task(GetTaskRequest(id=task_id))
    assert fetched.context_id == context_id
    assert get_artifact_text(fetched.artifacts[-1]) == "answer: Zerg"


def final_task_or_update(events: list[StreamResponse]) -> tuple[Task, TaskState]:
    task = final_task(events)
    states = [e.status_update.status.state for e in events if e.HasField("status_update")]
    return task, (states[-1] if states else task.status.state)


async def test_push_notification_config_crud(agent: Agent) -> None:
    client = agent.client(streaming=False)
    task = final_task(await collect(client.send_message(user_message("echo push"))))
    config = TaskPushNotificationConfig(task_id=task.id, id="cfg-1", url="https://example.com/hook")
    created = await client.create_task_push_notification_config(config)
    assert created.url == "https://example.com/hook"
    got = await client.get_task_push_notification_config(
        GetTaskPushNotificationConfigRequest(task_id=task.id, id="cfg-1")
    )
    assert got.id == "cfg-1"
    listed = await client.list_task_push_notification_configs(
        ListTaskPushNotificationConfigsRequest(task_id=task.id)
    )
    assert [c.id for c in listed.configs] == ["cfg-1"]
    await client.delete_task_push_notification_config(
        DeleteTaskPushNotificationConfigRequest(task_id=task.id, id="cfg-1")
    )
    listed = await client.list_task_push_notification_configs(
        ListTaskPushNotificationConfigsRequest(task_id=task.id)
    )
    assert list(listed.configs) == []


async def test_subscribe_to_a_finished_task_is_unsupported(agent: Agent) -> None:
    client = agent.client(streaming=False)
    task = final_task(await collect(client.send_message(user_message("echo done"))))
    with pytest.raises(UnsupportedOperationError, match="terminal state"):
        await collect(agent.client().subscribe(SubscribeToTaskRequest(id=task.id)))


async def test_invalid_params_are_rejected(agent: Agent) -> None:
    client = agent.client(streaming=False)
    task = final_task(await collect(client.send_message(user_message("ask"))))
    with pytest.raises(InvalidParamsError, match="does not match"):
        await collect(
            client.send_message(user_message("Zerg", task_id=task.id, context_id="another"))
        )


@pytest.mark.parametrize(
    "agent", [(t, False) for t in ("http", "kafka", *FORWARDED)], indirect=True
)
async def test_push_configs_without_a_store_are_not_supported(agent: Agent) -> None:
    client = agent.client(streaming=False)
    task = final_task(await collect(client.send_message(user_message("echo push"))))
    config = TaskPushNotificationConfig(task_id=task.id, id="c", url="https://example.com/hook")
    with pytest.raises(PushNotificationNotSupportedError):
        await client.create_task_push_notification_config(config)


async def test_extended_agent_card(agent: Agent) -> None:
    card = await agent.client().get_extended_agent_card(GetExtendedAgentCardRequest())
    assert card.description == "extended card"


async def test_service_parameters_reach_the_agent(agent: Agent) -> None:
    context = ClientCallContext(
        service_parameters={"Authorization": "Bearer t0k3n", "A2A-Extensions": "urn:x:ext"}
    )
    events = await collect(
        agent.client(streaming=False).send_message(user_message("headers"), context=context)
    )
    seen = json.loads(get_artifact_text(final_task(events).artifacts[0]))
    assert seen == {"a2a-extensions": "urn:x:ext", "authorization": "Bearer t0k3n"}


async def test_unsupported_protocol_version_is_rejected(agent: Agent) -> None:
    context = ClientCallContext(service_parameters={"A2A-Version": "0.3"})
    with pytest.raises(VersionNotSupportedError):
        await agent.client().get_task(GetTaskRequest(id="x"), context=context)


async def test_executor_failure_raises_internal_error(agent: Agent) -> None:
    with pytest.raises(InternalError, match="scripted failure"):
        await collect(agent.client(streaming=False).send_message(user_message("fail now")))


async def test_extended_card_not_configured(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    name = unique_names.agent()
    card = with_kafka_interface(agent_card(name), kafka_config, name)
    async with (
        KafkaConsumerHandler(name, request_handler(card), kafka_config),
        KafkaClients(kafka_config) as clients,
    ):
        with pytest.raises(ExtendedAgentCardNotConfiguredError):
            await clients.create(card).get_extended_agent_card(GetExtendedAgentCardRequest())


async def test_one_agent_served_over_http_and_kafka_at_once(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    name = unique_names.agent()
    url = f"http://127.0.0.1:{free_port()}/"
    http = AgentInterface(
        url=url, protocol_binding=TransportProtocol.JSONRPC, protocol_version="1.0"
    )
    card = with_kafka_interface(agent_card(name, [http]), kafka_config, name)
    handler = request_handler(card)  # one handler, one task store, two transports
    async with (
        http_server(handler, card),
        KafkaConsumerHandler(name, handler, kafka_config, agent_card=card),
        KafkaClients(kafka_config) as clients,
    ):
        over_kafka = clients.create(card)
        assert type(over_kafka._transport).__name__ == "KafkaTransport"  # type: ignore[attr-defined]
        task = final_task(await collect(over_kafka.send_message(user_message("echo both"))))
        over_http = ClientFactory(ClientConfig()).create(card)
        try:
            fetched = await over_http.get_task(GetTaskRequest(id=task.id))
        finally:
            await over_http.close()
    assert get_artifact_text(fetched.artifacts[0]) == "echo: both"
