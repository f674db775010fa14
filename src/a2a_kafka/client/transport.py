"""`KafkaTransport`: a2a-sdk's `ClientTransport` over Kafka topics.

Every A2A operation is one JSON-RPC request record on the agent's request
topic; unary operations get one reply record, streaming ones a sequence of
records closed by an end-of-stream record (`a2a_kafka.methods.METHODS` says which,
and each result's type). Errors the agent returns are raised as a2a-sdk's own error
classes, exactly as with the HTTP JSON-RPC transport; a reply that is not a valid
JSON-RPC response of the method is a `KafkaTransportError`.

Internal module: not part of the public API; use what `a2a_kafka` exports.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any, TypeVar, cast

from a2a.client.client import ClientCallContext
from a2a.client.errors import A2AClientError
from a2a.client.transports.base import ClientTransport
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
    SendMessageRequest,
    SendMessageResponse,
    StreamResponse,
    SubscribeToTaskRequest,
    Task,
    TaskPushNotificationConfig,
)
from a2a.utils.constants import PROTOCOL_VERSION_CURRENT, VERSION_HEADER
from a2a.utils.errors import JSON_RPC_ERROR_CODE_MAP, A2AError
from a2a.utils.proto_utils import parse_lenient
from google.protobuf import json_format
from google.protobuf.message import Message

from a2a_kafka.client.requester import Requester
from a2a_kafka.config import KafkaConfig
from a2a_kafka.errors import UNAUTHENTICATED_CODE, KafkaTransportError, UnauthenticatedError
from a2a_kafka.methods import METHODS
from a2a_kafka.topics import AgentTopics

_M = TypeVar("_M", bound=Message)

_CODE_TO_ERROR = {code: error for error, code in JSON_RPC_ERROR_CODE_MAP.items()}
_ERROR_INFO_TYPE = "type.googleapis.com/google.rpc.ErrorInfo"


class KafkaTransport(ClientTransport):
    """Talks to one agent through its Kafka request topic.

    Args:
        requester: the caller's shared producer and reply consumer.
        agent: the agent's name (its topics are ``agent.<name>.*``).
        card: the agent's card, if known (used by `get_extended_agent_card`).
        owns_requester: close ``requester`` when this transport closes.

    Timeouts: a unary call waits ``context.timeout`` seconds, else
    `KafkaConfig.request_timeout`; a stream waits at most that long (``context
    .timeout``, else `KafkaConfig.stream_idle_timeout`) for each next event.
    Either raises `a2a_kafka.KafkaTimeoutError`, an a2a ``A2AClientTimeoutError``.
    """

    def __init__(
        self,
        requester: Requester,
        agent: str,
        card: AgentCard | None = None,
        *,
        owns_requester: bool = False,
    ) -> None:
        self.agent = agent
        self.card = card
        self.topic = AgentTopics.of(requester.config, agent).requests
        self._requester = requester
        self._owns_requester = owns_requester

    @classmethod
    def create(
        cls, config: KafkaConfig, agent: str, card: AgentCard | None = None
    ) -> KafkaTransport:
        """A transport with a requester of its own, closed with it."""
        return cls(Requester(config), agent, card, owns_requester=True)

    async def send_message(
        self, request: SendMessageRequest, *, context: ClientCallContext | None = None
    ) -> SendMessageResponse:
        """Send a message; blocks until the task is done unless ``return_immediately``."""
        return cast(SendMessageResponse, await self._unary("SendMessage", request, context))

    async def send_message_streaming(
        self, request: SendMessageRequest, *, context: ClientCallContext | None = None
    ) -> AsyncGenerator[StreamResponse]:
        """Send a message and yield the task's events as the agent produces them."""
        async for event in self._stream("SendStreamingMessage", request, context):
            yield event

    async def get_task(
        self, request: GetTaskRequest, *, context: ClientCallContext | None = None
    ) -> Task:
        """The task's current state and history."""
        return cast(Task, await self._unary("GetTask", request, context))

    async def list_tasks(
        self, request: ListTasksRequest, *, context: ClientCallContext | None = None
    ) -> ListTasksResponse:
        """A page of the caller's tasks."""
        return cast(ListTasksResponse, await self._unary("ListTasks", request, context))

    async def cancel_task(
        self, request: CancelTaskRequest, *, context: ClientCallContext | None = None
    ) -> Task:
        """Ask the agent to cancel a task; returns the task as it stands after."""
        return cast(Task, await self._unary("CancelTask", request, context))

    async def create_task_push_notification_config(
        self, request: TaskPushNotificationConfig, *, context: ClientCallContext | None = None
    ) -> TaskPushNotificationConfig:
        """Create or replace a push-notification config of a task."""
        return cast(
            TaskPushNotificationConfig,
            await self._unary("CreateTaskPushNotificationConfig", request, context),
        )

    async def get_task_push_notification_config(
        self,
        request: GetTaskPushNotificationConfigRequest,
        *,
        context: ClientCallContext | None = None,
    ) -> TaskPushNotificationConfig:
        """One push-notification config of a task."""
        return cast(
            TaskPushNotificationConfig,
            await self._unary("GetTaskPushNotificationConfig", request, context),
        )

    async def list_task_push_notification_configs(
        self,
        request: ListTaskPushNotificationConfigsRequest,
        *,
        context: ClientCallContext | None = None,
    ) -> ListTaskPushNotificationConfigsResponse:
        """The push-notification configs of a task."""
        return cast(
            ListTaskPushNotificationConfigsResponse,
            await self._unary("ListTaskPushNotificationConfigs", request, context),
        )

    async def delete_task_push_notification_config(
        self,
        request: DeleteTaskPushNotificationConfigRequest,
        *,
        context: ClientCallContext | None = None,
    ) -> None:
        """Delete a push-notification config of a task."""
        await self._call("DeleteTaskPushNotificationConfig", request, context)

    async def subscribe(
        self, request: SubscribeToTaskRequest, *, context: ClientCallContext | None = None
    ) -> AsyncGenerator[StreamResponse]:
        """Follow an existing task's events (its current state comes first)."""
        async for event in self._stream("SubscribeToTask", request, context):
            yield event

    async def get_extended_agent_card(
        self, request: GetExtendedAgentCardRequest, *, context: ClientCallContext | None = None
    ) -> AgentCard:
        """The authenticated extended card; the public card if the agent has none."""
        if self.card is not None and not self.card.capabilities.extended_agent_card:
            return self.card
        return cast(AgentCard, await self._unary("GetExtendedAgentCard", request, context))

    async def close(self) -> None:
        """Close the requester if this transport owns it. Idempotent."""
        if self._owns_requester:
            await self._requester.aclose()

    async def _unary(
        self, name: str, request: Message, context: ClientCallContext | None
    ) -> Message:
        """One unary call: its result parsed as the method's response type (`METHODS`)."""
        method = METHODS[name]
        assert not method.streaming, name
        assert method.response is not None, name
        body = await self._call(name, request, context)
        data = body["result"]
        if not isinstance(data, dict):
            raise KafkaTransportError(f"{name} reply has no result object: {data!r}")
        return _parse(data, method.response(), name)

    async def _call(
        self, method: str, request: Message, context: ClientCallContext | None
    ) -> dict[str, Any]:
        config = self._requester.config
        body = await self._requester.call(
            self.topic,
            method,
            json_format.MessageToDict(request),
            service_parameters=_service_parameters(context),
            timeout=(context.timeout if context and context.timeout else config.request_timeout),
            agent=self.agent,
        )
        return _check(body)

    async def _stream(
        self, name: str, request: Message, context: ClientCallContext | None
    ) -> AsyncGenerator[StreamResponse]:
        assert METHODS[name].streaming, name
        method = name
        config = self._requester.config
        async for body in self._requester.stream(
            self.topic,
            method,
            json_format.MessageToDict(request),
            service_parameters=_service_parameters(context),
            idle_timeout=(
                context.timeout if context and context.timeout else config.stream_idle_timeout
            ),
            agent=self.agent,
        ):
            yield _parse(_check(body)["result"], StreamResponse(), method)


def _parse(data: Any, message: _M, method: str) -> _M:
    """The result as ``message``; `KafkaTransportError` when the agent sent something else."""
    try:
        return parse_lenient(data, message)
    except (json_format.ParseError, TypeError, ValueError) as exc:
        raise KafkaTransportError(
            f"{method} reply is not a valid {type(message).__name__}: {exc}"
        ) from exc


def _service_parameters(context: ClientCallContext | None) -> dict[str, str]:
    parameters = dict(context.service_parameters or {}) if context else {}
    parameters.setdefault(VERSION_HEADER, PROTOCOL_VERSION_CURRENT)
    return parameters


def _check(body: dict[str, Any]) -> dict[str, Any]:
    """Return a JSON-RPC success response; raise the A2A error of an error response."""
    error = body.get("error")
    if error:
        if not isinstance(error, dict):
            raise KafkaTransportError(
                f"Invalid JSON-RPC response: error is not an object: {error!r}"
            )
        raise _error(error)
    if "result" not in body:
        raise KafkaTransportError("Invalid JSON-RPC response: it has neither 'result' nor 'error'")
    return body


def _error(error: dict[str, Any]) -> A2AError:
    code, message = error.get("code"), error.get("message", str(error))
    data = None
    for detail in error.get("data") or []:
        if isinstance(detail, dict) and detail.get("@type") == _ERROR_INFO_TYPE:
            data = detail.get("metadata") or None
            break
    if isinstance(code, int) and code in _CODE_TO_ERROR:
        return _CODE_TO_ERROR[code](message, data=data)
    if code == UNAUTHENTICATED_CODE:
        return UnauthenticatedError(message, data)
    return A2AClientError(f"JSON-RPC Error {code}: {message}")  # as a2a's JSON-RPC transport
