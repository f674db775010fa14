"""What the client raises for replies that are not what A2A promises."""

from __future__ import annotations

import pytest
from a2a.client.errors import A2AClientError
from a2a.types.a2a_pb2 import Task
from a2a.utils.errors import TaskNotFoundError

from a2a_kafka.client import transport


def test_a_result_that_is_not_the_promised_type_is_a_client_error() -> None:
    with pytest.raises(A2AClientError, match="GetTask reply is not a valid Task"):
        transport._parse({"id": {"not": "a string"}}, Task(), "GetTask")


def test_json_rpc_errors_become_a2a_errors() -> None:
    with pytest.raises(TaskNotFoundError):
        transport._check({"jsonrpc": "2.0", "id": 1, "error": {"code": -32001, "message": "x"}})
    with pytest.raises(A2AClientError, match="JSON-RPC Error -1"):
        transport._check({"jsonrpc": "2.0", "id": 1, "error": {"code": -1, "message": "x"}})
    with pytest.raises(A2AClientError, match="neither"):
        transport._check({"jsonrpc": "2.0", "id": 1})
