"""From a request record to a2a's `RequestHandler` and back to JSON-RPC responses.

This is the Kafka counterpart of a2a-sdk's ``JsonRpcDispatcher``: the same
methods (`a2a_kafka.methods.METHODS`), the same parameter parsing, the same
version check and the same error objects, minus HTTP (and so without a2a's
HTTP routes, which need starlette). Every failure becomes a JSON-RPC error response; no
exception escapes `unary` or `stream`.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from a2a.auth.user import UnauthenticatedUser
from a2a.extensions.common import HTTP_EXTENSION_HEADER, get_requested_extensions
from a2a.server.context import ServerCallContext
from a2a.server.jsonrpc_models import (
    InternalError,
    InvalidParamsError,
    InvalidRequestError,
    JSONParseError,
    JSONRPCError,
    MethodNotFoundError,
)
from a2a.server.request_handlers.request_handler import RequestHandler
from a2a.server.request_handlers.response_helpers import build_error_response
from a2a.types.a2a_pb2 import ListTasksResponse, SendMessageResponse, Task
from a2a.utils.constants import PROTOCOL_VERSION_1_0, VERSION_HEADER
from a2a.utils.errors import A2AError, TaskNotFoundError, VersionNotSupportedError
from a2a.utils.proto_utils import to_stream_response
from google.protobuf.json_format import MessageToDict, ParseDict
from google.protobuf.message import Message
from packaging.version import InvalidVersion, Version

from a2a_kafka.errors import UnauthenticatedError
from a2a_kafka.methods import METHODS, STREAMING
from a2a_kafka.wire import RequestMeta

logger = logging.getLogger(__name__)

ContextBuilder = Callable[[RequestMeta], ServerCallContext]
"""Builds the `ServerCallContext` of a request from its record metadata."""


def default_context(meta: RequestMeta) -> ServerCallContext:
    """Service parameters as ``state['headers']`` (lower-cased, as over HTTP).

    The caller is unauthenticated: a record header proves nothing about who
    wrote it. Agents that authenticate callers use `a2a_kafka.auth.AuthPolicy`'s
    builder (or their own) in `KafkaConsumerHandler`.
    """
    headers = _headers(meta)
    # model_construct: every field is built here, so pydantic's validation (once per
    # request on the hot path) has nothing to check.
    return ServerCallContext.model_construct(
        state={"headers": headers},
        user=UnauthenticatedUser(),
        requested_extensions=get_requested_extensions(
            [headers.get(HTTP_EXTENSION_HEADER.lower(), "")]
        ),
    )


def _headers(meta: RequestMeta) -> dict[str, str]:
    """The request's service parameters, names lower-cased."""
    return {name.lower(): value for name, value in meta.service_parameters.items()}


@dataclass(frozen=True, slots=True)
class Call:
    """A parsed, routable request."""

    request_id: str | int | None
    method: str
    request: Message
    context: ServerCallContext

    @property
    def streaming(self) -> bool:
        return self.method in STREAMING


class RejectedError(Exception):
    """A request that cannot be routed; ``response`` is the error reply to send.

    ``unauthenticated``: refused for its credentials (`UnauthenticatedError`).
    """

    def __init__(
        self,
        request_id: str | int | None,
        error: JSONRPCError | A2AError,
        *,
        unauthenticated: bool = False,
    ) -> None:
        super().__init__(str(error.message))
        self.unauthenticated = unauthenticated
        self.response = build_error_response(request_id, error)


def parse(value: bytes | None, meta: RequestMeta, build_context: ContextBuilder) -> Call:
    """Parse a request record; raises `RejectedError` carrying the error reply."""
    try:
        body = json.loads(value or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise RejectedError(meta.correlation_id, JSONParseError(message=str(exc))) from None
    except RecursionError:
        message = "the request is nested too deeply"
        raise RejectedError(meta.correlation_id, InvalidRequestError(message=message)) from None
    if not isinstance(body, dict):
        raise RejectedError(meta.correlation_id, InvalidRequestError(message="not an object"))
    request_id = body.get("id", meta.correlation_id)
    if isinstance(request_id, bool) or not isinstance(request_id, str | int | None):
        request_id = meta.correlation_id
    if body.get("jsonrpc") != "2.0":
        raise RejectedError(
            request_id, InvalidRequestError(message="'jsonrpc' must be exactly '2.0'")
        )
    method = body.get("method")
    known = METHODS.get(method) if isinstance(method, str) else None
    model = known.request if known is not None else None
    if model is None or not isinstance(method, str):
        raise RejectedError(request_id, MethodNotFoundError(data={"method": method}))
    try:
        request = ParseDict(body.get("params") or {}, model(), ignore_unknown_fields=True)
    except Exception as exc:  # protobuf raises several unrelated types
        raise RejectedError(request_id, InvalidParamsError(data={"parseError": str(exc)})) from None
    try:
        context = build_context(meta)
    except UnauthenticatedError as exc:  # `a2a_kafka.auth.AuthPolicy` refusing the caller
        raise RejectedError(request_id, exc.as_jsonrpc(), unauthenticated=True) from None
    except A2AError as exc:  # another refusal by the hook
        raise RejectedError(request_id, exc) from None
    except Exception as exc:
        logger.exception("context builder failed for %s", request_id)
        raise RejectedError(request_id, InternalError(message=str(exc))) from None
    # The version check reads the headers: keep them whatever the builder did.
    if "headers" not in context.state:
        context.state["headers"] = _headers(meta)
    context.tenant = getattr(request, "tenant", "")
    context.state["method"] = method
    context.state["request_id"] = request_id
    _check_version(request_id, context)
    return Call(request_id, method, request, context)


def _check_version(request_id: str | int | None, context: ServerCallContext) -> None:
    """Reject an unsupported ``A2A-Version`` before anything (e.g. dedupe) records the call.

    The one version check of a request (in `parse`, so `unary` and `stream` need none): the
    same rule as a2a's ``validate_version``: missing means 0.3; the major must match.
    """
    headers = context.state["headers"]
    actual = headers.get(VERSION_HEADER.lower()) or headers.get(VERSION_HEADER) or "0.3"
    if not _supported(actual):
        message = (
            f"A2A version '{actual}' is not supported by this handler. "
            f"Expected version '{PROTOCOL_VERSION_1_0}'."
        )
        raise RejectedError(request_id, VersionNotSupportedError(message=message))


_SUPPORTED_MAJOR = Version(PROTOCOL_VERSION_1_0).major


@functools.lru_cache(maxsize=64)
def _supported(version: str) -> bool:
    """Whether an ``A2A-Version`` value has the supported major (cached: callers send few)."""
    try:
        return Version(version).major == _SUPPORTED_MAJOR
    except InvalidVersion:
        return False


async def unary(handler: RequestHandler, call: Call) -> dict[str, Any]:
    """Run a unary call; its JSON-RPC response (success or error)."""
    try:
        result = await _unary(handler, call.method, call.request, call.context)
    except A2AError as exc:
        return build_error_response(call.request_id, exc)
    except Exception as exc:
        logger.exception("%s %s failed", call.method, call.request_id)
        return build_error_response(call.request_id, InternalError(message=str(exc)))
    return {"jsonrpc": "2.0", "id": call.request_id, "result": result}


async def stream(handler: RequestHandler, call: Call) -> AsyncIterator[dict[str, Any]]:
    """Run a streaming call; yields its JSON-RPC responses, an error one last if it fails."""
    try:
        async for event in _stream(handler, call.method, call.request, call.context):
            result = MessageToDict(to_stream_response(event))
            yield {"jsonrpc": "2.0", "id": call.request_id, "result": result}
    except A2AError as exc:
        yield build_error_response(call.request_id, exc)
    except Exception as exc:
        logger.exception("%s %s failed", call.method, call.request_id)
        yield build_error_response(call.request_id, InternalError(message=str(exc)))


async def _unary(
    handler: RequestHandler, method: str, request: Any, context: ServerCallContext
) -> Any:
    match method:
        case "SendMessage":
            outcome = await handler.on_message_send(request, context)
            if isinstance(outcome, Task):
                return MessageToDict(SendMessageResponse(task=outcome))
            return MessageToDict(SendMessageResponse(message=outcome))
        case "GetTask":
            return MessageToDict(_found(await handler.on_get_task(request, context)))
        case "CancelTask":
            return MessageToDict(_found(await handler.on_cancel_task(request, context)))
        case "ListTasks":
            listed = await handler.on_list_tasks(request, context)
            return _list_tasks_result(listed, request.include_artifacts)
        case "CreateTaskPushNotificationConfig":
            return MessageToDict(
                await handler.on_create_task_push_notification_config(request, context)
            )
        case "GetTaskPushNotificationConfig":
            return MessageToDict(
                await handler.on_get_task_push_notification_config(request, context)
            )
        case "ListTaskPushNotificationConfigs":
            return MessageToDict(
                await handler.on_list_task_push_notification_configs(request, context)
            )
        case "DeleteTaskPushNotificationConfig":
            await handler.on_delete_task_push_notification_config(request, context)
            return None
        case "GetExtendedAgentCard":
            return MessageToDict(await handler.on_get_extended_agent_card(request, context))
    raise A2AError(f"method {method} is not unary")  # unreachable: parse() checked it


async def _stream(
    handler: RequestHandler, method: str, request: Any, context: ServerCallContext
) -> AsyncIterator[Any]:
    if method == "SendStreamingMessage":
        source = handler.on_message_send_stream(request, context)
    else:
        source = handler.on_subscribe_to_task(request, context)
    async for event in source:
        yield event


def _list_tasks_result(response: ListTasksResponse, include_artifacts: bool) -> dict[str, Any]:
    """ListTasks' result as a2a's JSON-RPC route writes it: every field; artifacts on request."""
    result = MessageToDict(response, always_print_fields_with_no_presence=True)
    if not include_artifacts:
        for task in result["tasks"]:
            task.pop("artifacts", None)
    return result


def _found(task: Task | None) -> Task:
    if task is None:
        raise TaskNotFoundError
    return task
