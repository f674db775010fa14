"""`ForwardingHandler`: a server-side `RequestHandler` that forwards every call to a client.

The one piece both directions of the HTTP <-> Kafka bridge share:

- the gateway serves a2a-sdk's HTTP routes (JSON-RPC, HTTP+JSON) with a
  `ForwardingHandler` over a `KafkaTransport`: HTTP in, Kafka out;
- the bridge serves a `KafkaConsumerHandler` with a `ForwardingHandler` over
  a2a-sdk's ``JsonRpcTransport`` / ``RestTransport``: Kafka in, HTTP out.

Contract:

- **Results and events** are the downstream agent's, unchanged (a stream's
  `StreamResponse` items become the handler's events, in order).
- **Errors.** A2A's errors (TaskNotFound, InvalidParams, VersionNotSupported, ...
  every class of ``JSON_RPC_ERROR_CODE_MAP``) are re-raised as they came, message
  and data included, so the serving routes give the caller the same code. What
  only the forwarding leg can fail with (no reply in time, network or broker
  errors, a reply that is not A2A) becomes ``InternalError`` saying so: see
  `ERROR_TABLE`.
- **Service parameters.** The inbound call's ``Authorization``, ``A2A-Version``,
  ``A2A-Extensions`` and W3C trace headers (`FORWARDED_HEADERS`) go out as the
  outbound call's service parameters (HTTP headers, or Kafka record headers).
- **Deadlines.** A deadline in the inbound context (``state[DEADLINE_STATE]``,
  Unix seconds, set by the serving side from the caller's deadline) becomes the
  outbound call's timeout; without one the client's default applies.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, NoReturn, TypeVar

from a2a.client.client import ClientCallContext
from a2a.client.errors import A2AClientError, A2AClientTimeoutError
from a2a.client.transports.base import ClientTransport
from a2a.server.context import ServerCallContext
from a2a.server.events.event_queue import Event
from a2a.server.request_handlers.request_handler import RequestHandler
from a2a.types.a2a_pb2 import (
    AgentCard,
    CancelTaskRequest,
    DeleteTaskPushNotificationConfigRequest,
    GetExtendedAgentCardRequest,
    GetTaskPushNotificationConfigRequest,
    GetTaskRequest,
    ListTaskPushNotificationConfigsRequest,
    ListTaskPushNotificationConfigsResponse,
    ListTasksRequest,
    ListTasksResponse,
    Message,
    SendMessageRequest,
    StreamResponse,
    SubscribeToTaskRequest,
    Task,
    TaskPushNotificationConfig,
)
from a2a.utils.errors import (
    JSON_RPC_ERROR_CODE_MAP,
    A2AError,
    InternalError,
    InvalidAgentResponseError,
)

DEADLINE_STATE = "a2a_kafka_deadline"
"""`ServerCallContext.state` key of the caller's deadline (Unix time in seconds)."""

FORWARDED_HEADERS = (
    "Authorization",
    "A2A-Version",
    "A2A-Extensions",
    "traceparent",
    "tracestate",
)
"""Inbound headers forwarded as service parameters, spelled as they go out."""

ERROR_TABLE: tuple[tuple[type[BaseException], str], ...] = (
    (A2AClientTimeoutError, "the agent did not answer in time"),
    (A2AClientError, "the agent could not be reached"),
    (A2AError, "the agent's answer could not be forwarded"),
    (Exception, "forwarding failed"),
)
"""Failures of the forwarding leg, first match wins; each becomes ``InternalError``.

A2A's own errors (``JSON_RPC_ERROR_CODE_MAP``) never reach this table."""

_R = TypeVar("_R")

CardFilter = Callable[[AgentCard], AgentCard]
"""Rewrites a card on its way through (e.g. to list the forwarder's own URLs)."""


class ForwardingHandler(RequestHandler):
    """Answers every A2A call by making the same call through ``transport``.

    Args:
        transport: the client side: where calls go (not closed by this handler).
        card_filter: applied to the extended agent card on its way back.
        forwarded_headers: inbound headers passed on (case-insensitive match).
    """

    def __init__(
        self,
        transport: ClientTransport,
        *,
        card_filter: CardFilter | None = None,
        forwarded_headers: tuple[str, ...] = FORWARDED_HEADERS,
    ) -> None:
        self.transport = transport
        self._card_filter = card_filter or (lambda card: card)
        self._headers = {name.lower(): name for name in forwarded_headers}

    async def on_message_send(
        self, params: SendMessageRequest, context: ServerCallContext
    ) -> Task | Message:
        """SendMessage: the agent's task or message."""
        try:
            response = await self.transport.send_message(params, context=self._out(context))
        except Exception as exc:
            _raise(exc)
        if response.HasField("task"):
            return response.task
        if response.HasField("message"):
            return response.message
        raise InvalidAgentResponseError("SendMessage response has neither task nor message")

    async def on_message_send_stream(
        self, params: SendMessageRequest, context: ServerCallContext
    ) -> AsyncGenerator[Event]:
        """SendStreamingMessage: the agent's events, in order."""
        async for event in _events(
            self.transport.send_message_streaming(params, context=self._out(context))
        ):
            yield event

    async def on_subscribe_to_task(
        self, params: SubscribeToTaskRequest, context: ServerCallContext
    ) -> AsyncGenerator[Event]:
        """SubscribeToTask: the task's events, its current state first."""
        async for event in _events(self.transport.subscribe(params, context=self._out(context))):
            yield event

    async def on_get_task(self, params: GetTaskRequest, context: ServerCallContext) -> Task:
        """GetTask."""
        return await self._call(self.transport.get_task, params, context)

    async def on_list_tasks(
        self, params: ListTasksRequest, context: ServerCallContext
    ) -> ListTasksResponse:
        """ListTasks."""
        return await self._call(self.transport.list_tasks, params, context)

    async def on_cancel_task(self, params: CancelTaskRequest, context: ServerCallContext) -> Task:
        """CancelTask."""
        return await self._call(self.transport.cancel_task, params, context)

    async def on_create_task_push_notification_config(
        self, params: TaskPushNotificationConfig, context: ServerCallContext
    ) -> TaskPushNotificationConfig:
        """CreateTaskPushNotificationConfig."""
        return await self._call(
            self.transport.create_task_push_notification_config, params, context
        )

    async def on_get_task_push_notification_config(
        self, params: GetTaskPushNotificationConfigRequest, context: ServerCallContext
    ) -> TaskPushNotificationConfig:
        """GetTaskPushNotificationConfig."""
        return await self._call(self.transport.get_task_push_notification_config, params, context)

    async def on_list_task_push_notification_configs(
        self, params: ListTaskPushNotificationConfigsRequest, context: ServerCallContext
    ) -> ListTaskPushNotificationConfigsResponse:
        """ListTaskPushNotificationConfigs."""
        return await self._call(self.transport.list_task_push_notification_configs, params, context)

    async def on_delete_task_push_notification_config(
        self, params: DeleteTaskPushNotificationConfigRequest, context: ServerCallContext
    ) -> None:
        """DeleteTaskPushNotificationConfig."""
        await self._call(self.transport.delete_task_push_notification_config, params, context)

    async def on_get_extended_agent_card(
        self, params: GetExtendedAgentCardRequest, context: ServerCallContext
    ) -> AgentCard:
        """GetExtendedAgentCard, through ``card_filter``."""
        card = await self._call(self.transport.get_extended_agent_card, params, context)
        return self._card_filter(card)

    async def _call(
        self, method: Callable[..., Awaitable[_R]], params: Any, context: ServerCallContext
    ) -> _R:
        try:
            return await method(params, context=self._out(context))
        except Exception as exc:
            _raise(exc)

    def _out(self, context: ServerCallContext) -> ClientCallContext:
        """The outbound call's context: forwarded headers and the remaining time."""
        return ClientCallContext(
            service_parameters=forwarded_parameters(context.state.get("headers"), self._headers),
            timeout=remaining(context.state.get(DEADLINE_STATE)),
        )


def forwarded_parameters(headers: Any, wanted: Mapping[str, str]) -> dict[str, str]:
    """The ``wanted`` (lower-case name -> outbound name) entries of ``headers``."""
    if not isinstance(headers, Mapping):
        return {}
    found: dict[str, str] = {}
    for name, value in headers.items():
        outbound = wanted.get(str(name).lower())
        if outbound is not None and isinstance(value, str):
            found[outbound] = value
    return found


def remaining(deadline: Any) -> float | None:
    """Seconds left until ``deadline`` (Unix seconds); None without one; never below 1 ms."""
    if not isinstance(deadline, int | float) or isinstance(deadline, bool):
        return None
    return max(float(deadline) - time.time(), 0.001)


async def _events(stream: AsyncIterator[StreamResponse]) -> AsyncGenerator[Event]:
    try:
        async for response in stream:
            payload = response.WhichOneof("payload")
            if payload is None:
                raise InvalidAgentResponseError("stream event without a payload")
            event: Event = getattr(response, payload)
            yield event
    except Exception as exc:
        _raise(exc)


def _raise(exc: Exception) -> NoReturn:
    """Re-raise an A2A error as it came; anything else as `InternalError` (`ERROR_TABLE`)."""
    if type(exc) in JSON_RPC_ERROR_CODE_MAP:
        raise exc
    for kind, meaning in ERROR_TABLE:
        if isinstance(exc, kind):
            raise InternalError(message=f"{meaning}: {exc}") from exc
    raise exc  # a BaseException that is not an Exception: never caught here
