"""`ForwardingHandler` against a scripted `ClientTransport`: errors, events, headers, deadlines."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import httpx
import pytest
from a2a.client import ClientCallContext
from a2a.client.errors import A2AClientError, A2AClientTimeoutError
from a2a.client.transports.base import ClientTransport
from a2a.client.transports.rest import RestTransport
from a2a.server.context import ServerCallContext
from a2a.types.a2a_pb2 import (
    AgentCard,
    GetExtendedAgentCardRequest,
    GetTaskRequest,
    Message,
    SendMessageRequest,
    SendMessageResponse,
    StreamResponse,
    SubscribeToTaskRequest,
    Task,
    TaskState,
    TaskStatus,
    TaskStatusUpdateEvent,
)
from a2a.utils.errors import (
    InternalError,
    InvalidAgentResponseError,
    InvalidRequestError,
    TaskNotFoundError,
)

from a2a_kafka.config import KafkaConfig
from a2a_kafka.errors import ConfigurationError, KafkaTimeoutError
from a2a_kafka.gateway.bridge import deadline_context, http_transport
from a2a_kafka.gateway.forward import DEADLINE_STATE, ForwardingHandler
from a2a_kafka.gateway.http_gateway import Gateway, _seconds
from a2a_kafka.wire import RequestMeta


class Scripted(ClientTransport):
    """Answers with ``outcome`` (raised if an exception) and records each call's context."""

    def __init__(self, outcome: Any = None, events: list[StreamResponse] | None = None) -> None:
        self.outcome = outcome
        self.events = events or []
        self.contexts: list[ClientCallContext | None] = []

    async def _answer(self, context: ClientCallContext | None) -> Any:
        self.contexts.append(context)
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome

    async def _stream(self, context: ClientCallContext | None) -> AsyncGenerator[StreamResponse]:
        self.contexts.append(context)
        for event in self.events:
            yield event
        if isinstance(self.outcome, BaseException):
            raise self.outcome

    async def send_message(self, request: Any, *, context: Any = None) -> Any:
        return await self._answer(context)

    def send_message_streaming(self, request: Any, *, context: Any = None) -> Any:
        return self._stream(context)

    def subscribe(self, request: Any, *, context: Any = None) -> Any:
        return self._stream(context)

    async def get_task(self, request: Any, *, context: Any = None) -> Any:
        return await self._answer(context)

    async def get_extended_agent_card(self, request: Any, *, context: Any = None) -> Any:
        return await self._answer(context)

    list_tasks = cancel_task = get_task
    create_task_push_notification_config = get_task_push_notification_config = get_task
    list_task_push_notification_configs = delete_task_push_notification_config = get_task

    async def close(self) -> None:
        pass


def context(headers: dict[str, str] | None = None, **state: Any) -> ServerCallContext:
    return ServerCallContext(state={"headers": headers or {}, **state})


async def events(stream: AsyncIterator[Any]) -> list[Any]:
    return [event async for event in stream]


async def test_an_a2a_error_passes_through_as_it_came() -> None:
    error = TaskNotFoundError("no task t-1", data={"taskId": "t-1"})
    with pytest.raises(TaskNotFoundError) as caught:
        await ForwardingHandler(Scripted(error)).on_get_task(GetTaskRequest(id="t-1"), context())
    assert caught.value is error


@pytest.mark.parametrize(
    ("failure", "meaning"),
    [
        (KafkaTimeoutError("no reply from agent 'x'"), "did not answer in time"),
        (A2AClientTimeoutError("Client Request timed out"), "did not answer in time"),
        (A2AClientError("Network communication error"), "could not be reached"),
        (RuntimeError("boom"), "forwarding failed"),
    ],
)
async def test_a_failure_of_the_forwarding_leg_is_an_internal_error(
    failure: Exception, meaning: str
) -> None:
    handler = ForwardingHandler(Scripted(failure))
    with pytest.raises(InternalError, match=meaning) as caught:
        await handler.on_get_task(GetTaskRequest(id="t"), context())
    assert str(failure) in caught.value.message
    with pytest.raises(InternalError, match=meaning):
        await events(handler.on_message_send_stream(SendMessageRequest(), context()))


async def test_send_returns_the_task_or_the_message() -> None:
    task = Task(id="t", context_id="c")
    got = await ForwardingHandler(Scripted(SendMessageResponse(task=task))).on_message_send(
        SendMessageRequest(), context()
    )
    assert got == task
    message = Message(message_id="m")
    handler = ForwardingHandler(Scripted(SendMessageResponse(message=message)))
    assert await handler.on_message_send(SendMessageRequest(), context()) == message
    with pytest.raises(InvalidAgentResponseError):
        await ForwardingHandler(Scripted(SendMessageResponse())).on_message_send(
            SendMessageRequest(), context()
        )


async def test_stream_events_come_out_in_order_and_an_error_ends_them() -> None:
    update = TaskStatusUpdateEvent(
        task_id="t", status=TaskStatus(state=TaskState.TASK_STATE_WORKING)
    )
    script = [StreamResponse(task=Task(id="t")), StreamResponse(status_update=update)]
    handler = ForwardingHandler(Scripted(TaskNotFoundError("gone"), script))
    seen: list[Any] = []

    async def follow() -> None:
        async for event in handler.on_subscribe_to_task(SubscribeToTaskRequest(), context()):
            seen.append(event)

    with pytest.raises(TaskNotFoundError, match="gone"):
        await follow()
    assert seen == [Task(id="t"), update]
    empty = ForwardingHandler(Scripted(None, [StreamResponse()]))
    with pytest.raises(InvalidAgentResponseError):
        await events(empty.on_message_send_stream(SendMessageRequest(), context()))


async def test_wanted_headers_go_out_with_their_spelling_and_others_stay() -> None:
    transport = Scripted(Task(id="t"))
    inbound = {
        "authorization": "Bearer x",
        "a2a-version": "1.0",
        "A2A-Extensions": "urn:e",
        "cookie": "secret",
        "content-length": "12",
    }
    await ForwardingHandler(transport).on_get_task(GetTaskRequest(id="t"), context(inbound))
    sent = transport.contexts[0]
    assert sent is not None
    assert sent.service_parameters == {
        "Authorization": "Bearer x",
        "A2A-Version": "1.0",
        "A2A-Extensions": "urn:e",
    }
    assert sent.timeout is None


async def test_the_callers_deadline_becomes_the_timeout() -> None:
    transport = Scripted(Task(id="t"))
    handler = ForwardingHandler(transport)
    await handler.on_get_task(GetTaskRequest(), context(**{DEADLINE_STATE: time.time() + 5}))
    await handler.on_get_task(GetTaskRequest(), context(**{DEADLINE_STATE: time.time() - 5}))
    first, past = (c.timeout if c else None for c in transport.contexts)
    assert first is not None
    assert 4 < first <= 5
    assert past == 0.001  # already gone: fails at once downstream, never waits


async def test_the_extended_card_goes_through_the_card_filter() -> None:
    handler = ForwardingHandler(
        Scripted(AgentCard(name="a")), card_filter=lambda c: AgentCard(name=c.name + "!")
    )
    card = await handler.on_get_extended_agent_card(GetExtendedAgentCardRequest(), context())
    assert card.name == "a!"


@pytest.mark.parametrize("raw", ["", "soon", "0", "-3", "nan", "inf"])
def test_a_bad_timeout_header_is_an_invalid_request(raw: str) -> None:
    with pytest.raises(InvalidRequestError, match="A2A-Kafka-Timeout"):
        _seconds(raw)


def test_the_gateway_card_lists_only_the_gateways_urls() -> None:
    gateway = Gateway(KafkaConfig(bootstrap_servers="b:9092"), "http://gw:8080/")
    card = AgentCard(name="data", description="d")
    card.supported_interfaces.add(url="kafka://b:9092/data", protocol_binding="urn:x")
    rewritten = gateway.http_card("data", card)
    assert [(i.protocol_binding, i.url) for i in rewritten.supported_interfaces] == [
        ("JSONRPC", "http://gw:8080/agents/data/"),
        ("HTTP+JSON", "http://gw:8080/agents/data/rest"),
    ]
    assert rewritten.description == "d"
    assert len(card.supported_interfaces) == 1  # the registry's card is left as it was


def test_the_bridge_passes_the_records_deadline_and_headers_on() -> None:
    meta = RequestMeta(
        correlation_id="c",
        reply_to=None,
        deadline=1234.5,
        service_parameters={"A2A-Version": "1.0", "Authorization": "Bearer k"},
    )
    state = deadline_context(meta).state
    assert state[DEADLINE_STATE] == 1234.5
    assert state["headers"] == {"a2a-version": "1.0", "authorization": "Bearer k"}
    no_deadline = RequestMeta("c", None, None, {})
    assert DEADLINE_STATE not in deadline_context(no_deadline).state


def test_the_bridge_speaks_the_first_1x_http_binding_of_the_card() -> None:
    card = AgentCard(name="weather")
    card.supported_interfaces.add(url="grpc:1", protocol_binding="GRPC", protocol_version="1.0")
    card.supported_interfaces.add(
        url="http://old/", protocol_binding="JSONRPC", protocol_version="0.3"
    )
    card.supported_interfaces.add(url="http://a/rest", protocol_binding="HTTP+JSON")
    card.supported_interfaces.add(url="http://a/", protocol_binding="JSONRPC")
    client = httpx.AsyncClient()
    transport = http_transport(client, card)
    assert isinstance(transport, RestTransport)
    assert transport.url == "http://a/rest"
    del card.supported_interfaces[1:]
    with pytest.raises(ConfigurationError, match="GRPC"):
        http_transport(client, card)
