"""The record format of the A2A Kafka binding: values, headers and keys.

A request record's value is a JSON-RPC 2.0 request object of A2A's JSON-RPC
binding (``{"jsonrpc": "2.0", "id": ..., "method": "SendMessage", "params":
{...}}``); a reply record's value is the matching JSON-RPC response object, so
plain Kafka tools show readable A2A traffic. Transport metadata travels in
headers whose names start with ``a2a-kafka-``; every other header of a request
is an A2A service parameter (``A2A-Version``, ``A2A-Extensions``,
``Authorization``, ...) or W3C trace context (``traceparent``, ``tracestate``).

See ``docs/binding.md`` for the normative description.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

PREFIX = "a2a-kafka-"
CORRELATION_ID = "a2a-kafka-correlation-id"
"""Request and reply: the id that pairs replies with their request (= JSON-RPC id)."""
REPLY_TOPIC = "a2a-kafka-reply-topic"
"""Request: the topic the server must produce replies to."""
REPLY_PARTITION = "a2a-kafka-reply-partition"
"""Request: the partition of ``REPLY_TOPIC`` the server must produce replies to."""
CALLER_ID = "a2a-kafka-caller-id"
"""Request: who sends it; dedupe keeps the message ids of different callers apart."""
DEADLINE = "a2a-kafka-deadline"
"""Request: Unix time in milliseconds after which the caller no longer waits."""
PARENT_ID = "a2a-kafka-parent-id"
"""Request, optional: the correlation id of the request its caller was processing when it
made this call (an agent calling another agent); lets tools rebuild who called whom."""
KIND = "a2a-kafka-kind"
"""Reply: ``result`` (the one reply of a unary call), ``event`` (a stream item) or ``end``."""
SEQUENCE = "a2a-kafka-seq"
"""Reply: 0-based position of the record within its reply stream."""

Headers = Sequence[tuple[str, bytes]]

NOT_UTF8 = "\ufffd"
"""Stands for bytes that are not UTF-8 in a decoded header (see `a2a_kafka.lenient_records`)."""
_ADDRESS = frozenset({CORRELATION_ID, REPLY_TOPIC, REPLY_PARTITION})
_MAX_PROBLEM = 500


class ReplyKind(StrEnum):
    """What a reply record is."""

    RESULT = "result"
    EVENT = "event"
    END = "end"
    HEARTBEAT = "heartbeat"
    """Written by a caller to its own reply topic: "still here" (see `reply_topics`)."""


class MalformedRecordError(ValueError):
    """A record does not follow the binding; the message says how."""


@dataclass(frozen=True, slots=True)
class ReplyAddress:
    """Where the replies to a request go."""

    topic: str
    partition: int


@dataclass(frozen=True, slots=True)
class RequestMeta:
    """The transport metadata of a request record, read from its headers."""

    correlation_id: str | None
    reply_to: ReplyAddress | None
    deadline: float | None
    """Unix time in seconds, or None for no deadline."""
    service_parameters: dict[str, str]
    caller_id: str | None = None
    """The ``a2a-kafka-caller-id`` header, if any."""
    malformed: str | None = None
    """Why the request cannot be served though it can be answered (bad headers), or None."""

    def expired(self, now: float | None = None) -> bool:
        """Whether the caller has stopped waiting for this request."""
        return self.deadline is not None and (now or time.time()) > self.deadline


@dataclass(frozen=True, slots=True)
class Reply:
    """A decoded reply record."""

    correlation_id: str
    kind: ReplyKind
    sequence: int
    body: dict[str, Any] | None
    """The JSON-RPC response object; None for ``end``."""


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON (non-ASCII kept as is, like a2a-sdk's SSE path).

    Text with lone surrogates (JSON may escape them) is written with ``\\u`` escapes.
    """
    try:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:
        return json.dumps(obj, separators=(",", ":")).encode()


def encode_request(
    method: str,
    params: dict[str, Any],
    *,
    correlation_id: str,
    reply_to: ReplyAddress,
    deadline: float | None,
    service_parameters: Mapping[str, str],
    caller_id: str | None = None,
) -> tuple[bytes, list[tuple[str, bytes]]]:
    """The value and headers of a request record."""
    body = {"jsonrpc": "2.0", "id": correlation_id, "method": method, "params": params}
    headers = [(name, value.encode()) for name, value in service_parameters.items()]
    headers += [
        (CORRELATION_ID, correlation_id.encode()),
        (REPLY_TOPIC, reply_to.topic.encode()),
        (REPLY_PARTITION, str(reply_to.partition).encode()),
    ]
    if deadline is not None:
        headers.append((DEADLINE, str(int(deadline * 1000)).encode()))
    if caller_id:
        headers.append((CALLER_ID, caller_id.encode()))
    return dumps(body), headers


def decode_request_meta(headers: Headers) -> RequestMeta:
    """Read a request's metadata; missing fields are None.

    Raises `MalformedRecordError` when the reply address or correlation id cannot be
    read (nobody can be told). Any other bad header (a name or value that is not
    UTF-8, a null value, a bad deadline, a repeated transport header) is kept in
    `RequestMeta.malformed`: the request is answered with an error.
    """
    found: dict[str, str] = {}
    params: dict[str, str] = {}
    problems: list[str] = []
    for name, raw in headers:
        value = raw.decode(errors="replace") if isinstance(raw, bytes) else None
        if value is None or NOT_UTF8 in value or NOT_UTF8 in name:
            if name in _ADDRESS:
                raise MalformedRecordError(f"header {name!r} is not UTF-8 text")
            problems.append(f"header {name!r} is not UTF-8 text")
        elif name.startswith(PREFIX):
            if found.setdefault(name, value) != value:
                problems.append(f"header {name!r} is repeated with different values")
        else:
            params[name] = value
    try:
        deadline = _deadline(found.get(DEADLINE))
    except MalformedRecordError as exc:
        deadline, problems = None, [*problems, str(exc)]
    return RequestMeta(
        correlation_id=found.get(CORRELATION_ID) or None,
        reply_to=_reply_address(found),
        deadline=deadline,
        service_parameters=params,
        caller_id=found.get(CALLER_ID) or None,
        malformed="; ".join(problems)[:_MAX_PROBLEM] or None,
    )


def _reply_address(found: Mapping[str, str]) -> ReplyAddress | None:
    topic, partition = found.get(REPLY_TOPIC), found.get(REPLY_PARTITION, "0")
    if not topic:
        return None
    if not partition.isdigit():
        raise MalformedRecordError(f"{REPLY_PARTITION} {partition!r} is not a partition number")
    return ReplyAddress(topic, int(partition))


def _deadline(raw: str | None) -> float | None:
    if raw is None:
        return None
    if not raw.isdigit():
        raise MalformedRecordError(f"{DEADLINE} {raw!r} is not Unix time in milliseconds")
    return int(raw) / 1000


def encode_reply(
    correlation_id: str, kind: ReplyKind, sequence: int, body: dict[str, Any] | None
) -> tuple[bytes | None, list[tuple[str, bytes]]]:
    """The value and headers of a reply record."""
    headers = [
        (CORRELATION_ID, correlation_id.encode()),
        (KIND, kind.value.encode()),
        (SEQUENCE, str(sequence).encode()),
    ]
    return (None if body is None else dumps(body)), headers


def decode_reply(headers: Headers, value: bytes | None) -> Reply:
    """Decode a reply record; raises `MalformedRecordError` on anything else."""
    meta: dict[str, str] = {}
    for name, raw in headers:
        if name.startswith(PREFIX):
            if raw is None:  # Kafka allows a header without a value
                raise MalformedRecordError(f"reply header {name!r} has no value")
            meta[name] = raw.decode(errors="replace")
    correlation_id = meta.get(CORRELATION_ID)
    if not correlation_id:
        raise MalformedRecordError(f"reply without {CORRELATION_ID} header")
    try:
        kind = ReplyKind(meta.get(KIND, ReplyKind.RESULT))
        sequence = int(meta.get(SEQUENCE, "0"))
        body = None if kind in (ReplyKind.END, ReplyKind.HEARTBEAT) else json.loads(value or b"")
    except ValueError as exc:
        raise MalformedRecordError(f"bad reply {correlation_id}: {exc}") from None
    if body is not None and not isinstance(body, dict):
        raise MalformedRecordError(f"reply {correlation_id} is not a JSON-RPC response object")
    return Reply(correlation_id, kind, sequence, body)


def request_key(method: str, params: Mapping[str, Any]) -> str | None:
    """The record key that keeps one conversation or task on one partition.

    Messages are keyed by their context id (else task id); task operations by
    task id. None (Kafka's sticky partitioner) when the request names neither.
    """
    from a2a_kafka.methods import METHODS  # the one table (which imports a2a's types)

    known = METHODS.get(method)
    return known.record_key(params) if known is not None else None
