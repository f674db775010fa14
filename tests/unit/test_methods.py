"""The one table of A2A methods (`a2a_kafka.methods`), and the layers that read it."""

from __future__ import annotations

import pytest
from a2a.server.routes.jsonrpc_dispatcher import JsonRpcDispatcher

from a2a_kafka.methods import DEDUPED, METHODS, STREAMING
from a2a_kafka.server import requests, router
from a2a_kafka.wire import request_key


def test_the_table_has_a2a_s_json_rpc_methods_and_request_types() -> None:
    assert {name: m.request for name, m in METHODS.items()} == JsonRpcDispatcher.METHOD_TO_MODEL


def test_streaming_and_deduped_methods() -> None:
    assert {"SendStreamingMessage", "SubscribeToTask"} == STREAMING
    assert {"SendMessage", "SendStreamingMessage"} == DEDUPED
    assert requests.DEDUPED_METHODS is DEDUPED
    assert all(METHODS[name].response is not None for name in STREAMING)


@pytest.mark.parametrize(
    ("method", "params", "key"),
    [
        ("SendMessage", {"message": {"contextId": "ctx", "taskId": "t"}}, "ctx"),
        ("SendStreamingMessage", {"message": {"taskId": "t"}}, "t"),
        ("SendMessage", {"message": {}}, None),
        ("GetTask", {"id": "t"}, "t"),
        ("SubscribeToTask", {"id": "t"}, "t"),
        ("GetTaskPushNotificationConfig", {"taskId": "t", "id": "c"}, "t"),
        ("ListTasks", {}, None),
        ("NoSuchMethod", {"id": "t"}, None),
        ("GetTask", {"id": 5}, None),
    ],
)
def test_the_record_key_keeps_a_conversation_or_task_on_one_partition(
    method: str, params: dict[str, object], key: str | None
) -> None:
    assert request_key(method, params) == key


def test_the_router_streams_exactly_the_streaming_methods() -> None:
    for name in METHODS:
        call = router.Call("id", name, METHODS[name].request(), None)  # type: ignore[arg-type]
        assert call.streaming is (name in STREAMING)
