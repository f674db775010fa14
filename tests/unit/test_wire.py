"""The record format: what a request and a reply look like on the wire."""

from __future__ import annotations

import json

import pytest

from a2a_kafka import wire
from a2a_kafka.wire import ReplyAddress, ReplyKind


def test_a_request_is_a_json_rpc_object_with_transport_headers() -> None:
    value, headers = wire.encode_request(
        "SendMessage",
        {"message": {"parts": [{"text": "테란 승률?"}]}},
        correlation_id="c-1",
        reply_to=ReplyAddress("replies", 3),
        deadline=1700000000.5,
        service_parameters={"A2A-Version": "1.0", "Authorization": "Bearer x"},
    )
    assert json.loads(value) == {
        "jsonrpc": "2.0",
        "id": "c-1",
        "method": "SendMessage",
        "params": {"message": {"parts": [{"text": "테란 승률?"}]}},
    }
    assert "테란".encode() in value  # readable UTF-8, not \\u escapes
    meta = wire.decode_request_meta(headers)
    assert meta.correlation_id == "c-1"
    assert meta.reply_to == ReplyAddress("replies", 3)
    assert meta.deadline == 1700000000.5
    assert meta.service_parameters == {"A2A-Version": "1.0", "Authorization": "Bearer x"}


def test_deadline_expiry() -> None:
    meta = wire.decode_request_meta([(wire.DEADLINE, b"1000")])
    assert meta.expired(now=1.5)
    assert not meta.expired(now=0.5)
    assert not wire.decode_request_meta([]).expired()


ADDRESS = [(wire.CORRELATION_ID, b"c"), (wire.REPLY_TOPIC, b"r")]


@pytest.mark.parametrize(
    ("headers", "complaint"),
    [
        ([(wire.REPLY_TOPIC, b"r"), (wire.REPLY_PARTITION, b"-1")], "partition"),
        ([(wire.REPLY_TOPIC, b"\xff")], "UTF-8"),
        ([(wire.CORRELATION_ID, None)], "UTF-8"),
    ],
)
def test_a_reply_address_that_cannot_be_read_is_rejected_with_a_reason(
    headers: list[tuple[str, bytes]], complaint: str
) -> None:
    with pytest.raises(wire.MalformedRecordError, match=complaint):
        wire.decode_request_meta(headers)


@pytest.mark.parametrize(
    ("headers", "complaint"),
    [
        ([(wire.DEADLINE, b"soon")], "Unix time"),
        ([("Authorization", b"\xff")], "'Authorization' is not UTF-8"),
        ([("Authorization", None)], "'Authorization' is not UTF-8"),
        ([(f"A2A-{wire.NOT_UTF8}", b"1")], "is not UTF-8"),
        ([(wire.DEADLINE, b"1"), (wire.DEADLINE, b"2")], "repeated"),
    ],
)
def test_other_bad_headers_leave_the_request_answerable_with_the_reason(
    headers: list[tuple[str, bytes | None]], complaint: str
) -> None:
    meta = wire.decode_request_meta([*ADDRESS, *headers])  # type: ignore[list-item]
    assert meta.reply_to == wire.ReplyAddress("r", 0)
    assert meta.malformed is not None
    assert complaint in meta.malformed


def test_json_with_lone_surrogates_is_written_escaped() -> None:
    assert wire.dumps({"m": "\ud800"}) == b'{"m":"\\ud800"}'


def test_missing_reply_address_decodes_as_none() -> None:
    assert wire.decode_request_meta([(wire.CORRELATION_ID, b"c")]).reply_to is None


def test_replies_round_trip() -> None:
    body = {"jsonrpc": "2.0", "id": "c", "result": {"task": {"id": "t"}}}
    value, headers = wire.encode_reply("c", ReplyKind.EVENT, 7, body)
    reply = wire.decode_reply(headers, value)
    assert (reply.correlation_id, reply.kind, reply.sequence, reply.body) == (
        "c",
        ReplyKind.EVENT,
        7,
        body,
    )
    value, headers = wire.encode_reply("c", ReplyKind.END, 8, None)
    assert value is None
    assert wire.decode_reply(headers, value).body is None


@pytest.mark.parametrize(
    ("headers", "value"),
    [
        ([], b"{}"),
        ([(wire.CORRELATION_ID, b"c")], b"not json"),
        ([(wire.CORRELATION_ID, b"c")], b"[1]"),
        ([(wire.CORRELATION_ID, b"c"), (wire.KIND, b"weird")], b"{}"),
    ],
)
def test_malformed_replies_raise(headers: list[tuple[str, bytes]], value: bytes) -> None:
    with pytest.raises(wire.MalformedRecordError):
        wire.decode_reply(headers, value)


@pytest.mark.parametrize(
    ("method", "params", "key"),
    [
        ("SendMessage", {"message": {"contextId": "ctx", "taskId": "t"}}, "ctx"),
        ("SendStreamingMessage", {"message": {"taskId": "t"}}, "t"),
        ("SendMessage", {"message": {}}, None),
        ("GetTask", {"id": "t"}, "t"),
        ("CancelTask", {"id": "t"}, "t"),
        ("SubscribeToTask", {"id": "t"}, "t"),
        ("GetTaskPushNotificationConfig", {"taskId": "t", "id": "cfg"}, "t"),
        ("GetExtendedAgentCard", {}, None),
    ],
)
def test_request_keys_follow_the_conversation_or_task(
    method: str, params: dict[str, object], key: str | None
) -> None:
    assert wire.request_key(method, params) == key


def test_a_heartbeat_has_no_body() -> None:
    value, headers = wire.encode_reply("-", ReplyKind.HEARTBEAT, 0, None)
    assert wire.decode_reply(headers, value).kind is ReplyKind.HEARTBEAT


def test_a_reply_header_without_a_value_is_malformed() -> None:
    headers = [(wire.CORRELATION_ID, b"c-1"), (wire.SEQUENCE, None)]  # Kafka allows null values
    with pytest.raises(wire.MalformedRecordError, match=wire.SEQUENCE):
        wire.decode_reply(headers, b"{}")  # type: ignore[arg-type]
