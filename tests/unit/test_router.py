"""Routing a request record to a2a's handler: what gets rejected, and how."""

from __future__ import annotations

import json

import pytest
from a2a.server.context import ServerCallContext
from a2a.types.a2a_pb2 import GetTaskRequest
from a2a.utils.errors import InvalidRequestError

from a2a_kafka.server import router
from a2a_kafka.wire import RequestMeta

META = RequestMeta("c-1", None, None, {"A2A-Version": "1.0", "Authorization": "Bearer x"})


def body(**fields: object) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": "r-1", **fields}).encode()


def test_a_valid_request_becomes_a_call_with_http_style_headers() -> None:
    call = router.parse(body(method="GetTask", params={"id": "t"}), META, router.default_context)
    assert call.request == GetTaskRequest(id="t")
    assert call.request_id == "r-1"
    assert not call.streaming
    assert call.context.state["headers"] == {"a2a-version": "1.0", "authorization": "Bearer x"}


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (b"{oops", -32700),
        (b'"a string"', -32600),
        (json.dumps({"jsonrpc": "1.0", "id": 1, "method": "GetTask"}).encode(), -32600),
        (body(method="Nope"), -32601),
        (body(method="GetTask", params={"id": {"not": "a string"}}), -32602),
    ],
)
def test_bad_requests_are_rejected_with_json_rpc_errors(value: bytes, code: int) -> None:
    with pytest.raises(router.RejectedError) as rejected:
        router.parse(value, META, router.default_context)
    assert rejected.value.response["error"]["code"] == code


def test_a_refusing_context_builder_becomes_an_error_reply() -> None:
    def refuse(meta: RequestMeta) -> ServerCallContext:
        raise InvalidRequestError(message="unknown caller")

    with pytest.raises(router.RejectedError) as rejected:
        router.parse(body(method="GetTask", params={"id": "t"}), META, refuse)
    error = rejected.value.response["error"]
    assert (error["code"], error["message"]) == (-32600, "unknown caller")


def test_a_broken_context_builder_becomes_an_internal_error() -> None:
    def broken(meta: RequestMeta) -> ServerCallContext:
        raise KeyError("boom")

    with pytest.raises(router.RejectedError) as rejected:
        router.parse(body(method="GetTask", params={"id": "t"}), META, broken)
    assert rejected.value.response["error"]["code"] == -32603


def test_headers_survive_a_builder_that_forgets_them() -> None:
    call = router.parse(
        body(method="GetTask", params={"id": "t"}), META, lambda meta: ServerCallContext()
    )
    assert call.context.state["headers"]["a2a-version"] == "1.0"


@pytest.mark.parametrize("version", [None, "0.3", "2.0", "banana"])
def test_an_unsupported_version_is_rejected_before_routing(version: str | None) -> None:
    parameters = {} if version is None else {"A2A-Version": version}
    meta = RequestMeta("c-1", None, None, parameters)
    with pytest.raises(router.RejectedError) as rejected:
        router.parse(body(method="GetTask", params={"id": "t"}), meta, router.default_context)
    assert rejected.value.response["error"]["code"] == -32009


def test_a_patch_version_is_accepted() -> None:
    meta = RequestMeta("c-1", None, None, {"a2a-version": "1.0.3"})
    assert router.parse(body(method="GetTask", params={"id": "t"}), meta, router.default_context)
