"""The A2A methods the Kafka binding carries: one table, read by every layer.

Each `Method` says its JSON-RPC name, its protobuf request and response types, whether it
streams (event records then an end record) or is unary (one result record), how its
request record is keyed (so one conversation or task stays on one partition), and whether
the server dedupes it (a redelivered SendMessage never runs twice). The client transport,
the wire format, the server's router and its request processor all read `METHODS`; none
keeps its own list.

Internal module: not part of the public API; use what `a2a_kafka` exports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
from google.protobuf.message import Message

_MESSAGE_KEY = (("message", "contextId"), ("message", "taskId"))
_TASK_KEY = (("id",),)
_CONFIG_KEY = (("taskId",),)


@dataclass(frozen=True, slots=True)
class Method:
    """One A2A method as carried over Kafka."""

    name: str
    """The JSON-RPC method name (A2A's JSON-RPC binding)."""
    request: type[Message]
    """The protobuf type of ``params``."""
    response: type[Message] | None
    """The protobuf type of each ``result`` (a stream's: every event); None: no result."""
    streaming: bool
    """Replies are events then an end record (else one result record)."""
    key_paths: tuple[tuple[str, ...], ...]
    """Where in ``params`` (JSON names) the record key is: the first non-empty one wins."""
    deduped: bool = False
    """The server claims the request's message id, so a redelivery never runs twice."""

    def record_key(self, params: Mapping[str, Any]) -> str | None:
        """The record key of a request with these ``params``; None: Kafka's partitioner."""
        for path in self.key_paths:
            value: Any = params
            for name in path:
                value = value.get(name) if isinstance(value, Mapping) else None
            if isinstance(value, str) and value:
                return value
        return None


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("SendMessage", SendMessageRequest, SendMessageResponse, False, _MESSAGE_KEY, True),
        Method(
            "SendStreamingMessage", SendMessageRequest, StreamResponse, True, _MESSAGE_KEY, True
        ),
        Method("GetTask", GetTaskRequest, Task, False, _TASK_KEY),
        Method("ListTasks", ListTasksRequest, ListTasksResponse, False, _CONFIG_KEY),
        Method("CancelTask", CancelTaskRequest, Task, False, _TASK_KEY),
        Method("SubscribeToTask", SubscribeToTaskRequest, StreamResponse, True, _TASK_KEY),
        Method(
            "CreateTaskPushNotificationConfig",
            TaskPushNotificationConfig,
            TaskPushNotificationConfig,
            False,
            _CONFIG_KEY,
        ),
        Method(
            "GetTaskPushNotificationConfig",
            GetTaskPushNotificationConfigRequest,
            TaskPushNotificationConfig,
            False,
            _CONFIG_KEY,
        ),
        Method(
            "ListTaskPushNotificationConfigs",
            ListTaskPushNotificationConfigsRequest,
            ListTaskPushNotificationConfigsResponse,
            False,
            _CONFIG_KEY,
        ),
        Method(
            "DeleteTaskPushNotificationConfig",
            DeleteTaskPushNotificationConfigRequest,
            None,
            False,
            _CONFIG_KEY,
        ),
        Method("GetExtendedAgentCard", GetExtendedAgentCardRequest, AgentCard, False, _CONFIG_KEY),
    )
}
"""Every A2A method of the binding, by JSON-RPC name."""

STREAMING = frozenset(m.name for m in METHODS.values() if m.streaming)
"""Names of the streaming methods."""
DEDUPED = frozenset(m.name for m in METHODS.values() if m.deduped)
"""Names of the methods the server dedupes."""
