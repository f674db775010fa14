"""The wire panel's rows: Kafka records of A2A calls, correlated request → replies.

`Correlator` is fed every record the observer (`game_balance.gui.observer`) reads from the
agents' request topics and the callers' reply topics, and returns the rows to show. It follows
the binding (docs/binding.md): a request record carries ``a2a-kafka-correlation-id`` and
``a2a-kafka-reply-topic`` headers and a JSON-RPC request value (its ``method``); each reply
record carries the same correlation id, ``a2a-kafka-kind`` and ``a2a-kafka-seq``. A reply row
gets its request's method and agent and the latency ``reply timestamp − request timestamp``
(record timestamps, in ms). Replies read before their request (two topics are not ordered) wait
up to `ORPHAN_WAIT_S` for it, then are shown without.
"""

from __future__ import annotations

import json
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from a2a_kafka.wire import CORRELATION_ID, KIND, REPLY_PARTITION, REPLY_TOPIC, SEQUENCE

Row = dict[str, Any]

ORPHAN_WAIT_S = 1.5
REMEMBERED_REQUESTS = 5_000
SUMMARY_CHARS = 90


class KafkaRecord(Protocol):
    """What the correlator reads of a record (aiokafka's `ConsumerRecord` has it all)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def timestamp(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


@dataclass(frozen=True)
class Record:
    """A plain `KafkaRecord` (for tests and replays)."""

    topic: str
    partition: int
    offset: int
    timestamp: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]] = ()


@dataclass(frozen=True)
class Topics:
    """Which topic names are request topics and which are reply topics, under a prefix."""

    prefix: str = ""

    @property
    def request_pattern(self) -> re.Pattern[str]:
        """``<prefix>agent.<name>.requests``; group 1 is the agent's name."""
        return re.compile(
            rf"^{re.escape(self.prefix)}agent\.([A-Za-z0-9][A-Za-z0-9_-]*)\.requests$"
        )

    @property
    def reply_pattern(self) -> re.Pattern[str]:
        """``<prefix>a2a.replies.<client-id>.<12 hex>``; group 1 is the caller's client id."""
        return re.compile(rf"^{re.escape(self.prefix)}a2a\.replies\.(.+?)(?:\.[0-9a-f]{{12}})?$")

    def agent(self, topic: str) -> str | None:
        """The agent whose request topic this is, else None."""
        match = self.request_pattern.match(topic)
        return match.group(1) if match else None

    def caller(self, topic: str) -> str:
        """The client id in a private reply topic's name (else the topic itself)."""
        match = self.reply_pattern.match(topic)
        return match.group(1) if match else topic


@dataclass
class _Request:
    row: Row
    seen: float
    answered: bool = False


class Correlator:
    """Turns observed records into wire rows (see the module docstring)."""

    def __init__(self, topics: Topics, clock: Callable[[], float] = time.monotonic) -> None:
        self.topics = topics
        self.clock = clock
        self._requests: OrderedDict[str, _Request] = OrderedDict()
        self._orphans: list[tuple[float, Row]] = []

    def add(self, record: KafkaRecord) -> list[Row]:
        """Rows to show for ``record``: none yet for an early reply, more for a late request."""
        headers = _headers(record.headers)
        correlation_id = headers.get(CORRELATION_ID, "")
        agent = self.topics.agent(record.topic)
        if agent is not None and REPLY_TOPIC in headers:
            return self._request(record, headers, correlation_id, agent)
        row = self._reply_row(record, headers, correlation_id)
        request = self._requests.get(correlation_id)
        if request is None:
            self._orphans.append((self.clock(), row))
            return []
        return [self._link(row, request)]

    def flush(self) -> list[Row]:
        """Early replies whose request did not show up in time, shown as they are."""
        limit = self.clock() - ORPHAN_WAIT_S
        due = [row for seen, row in self._orphans if seen <= limit]
        self._orphans = [(seen, row) for seen, row in self._orphans if seen > limit]
        return due

    def reply_topics(self) -> set[str]:
        """Reply topics named by the requests seen so far."""
        return {r.row["reply_topic"] for r in self._requests.values() if r.row["reply_topic"]}

    def unanswered(self, older_than: float, since: float = 0.0) -> list[Row]:
        """Requests first seen between ``since`` and ``older_than`` seconds ago that got no
        reply yet, oldest first (``since`` on this correlator's clock)."""
        now = self.clock()
        return [
            {**r.row, "waiting_s": round(now - r.seen, 1)}
            for r in self._requests.values()
            if not r.answered and since <= r.seen <= now - older_than
        ]

    def _request(
        self, record: KafkaRecord, headers: dict[str, str], correlation_id: str, agent: str
    ) -> list[Row]:
        body = _json(record.value)
        partition = headers.get(REPLY_PARTITION, "0")
        method = str(body.get("method", "")) if body else ""
        row = _base(record, correlation_id) | {
            "direction": "request",
            "agent": agent,
            "method": method,
            "caller": self.topics.caller(headers.get(REPLY_TOPIC, "")),
            "reply_topic": headers.get(REPLY_TOPIC, ""),
            "reply_partition": int(partition) if partition.isdigit() else 0,
            "summary": _request_summary(method, body),
        }
        request = _Request(row, self.clock())
        self._requests[correlation_id] = request
        while len(self._requests) > REMEMBERED_REQUESTS:
            self._requests.popitem(last=False)
        early = [r for _, r in self._orphans if r["correlation_id"] == correlation_id]
        self._orphans = [(s, r) for s, r in self._orphans if r["correlation_id"] != correlation_id]
        return [row, *(self._link(r, request) for r in early)]

    def _reply_row(self, record: KafkaRecord, headers: dict[str, str], correlation_id: str) -> Row:
        seq = headers.get(SEQUENCE, "")
        return _base(record, correlation_id) | {
            "direction": "reply",
            "kind": headers.get(KIND, ""),
            "seq": int(seq) if seq.isdigit() else None,
            "caller": self.topics.caller(record.topic),
            "summary": _reply_summary(headers.get(KIND, ""), _json(record.value)),
        }

    def _link(self, row: Row, request: _Request) -> Row:
        request.answered = True
        return row | {
            "agent": request.row["agent"],
            "method": request.row["method"],
            "latency_ms": row["timestamp"] - request.row["timestamp"],
        }


def _base(record: KafkaRecord, correlation_id: str) -> Row:
    return {
        "id": f"{record.topic}:{record.partition}:{record.offset}",
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "key": _text(record.key),
        "timestamp": record.timestamp,
        "correlation_id": correlation_id,
        "bytes": len(record.value or b""),
        "method": "",
        "agent": "",
        "latency_ms": None,
        "kind": "",
        "seq": None,
        "reply_topic": "",
        "reply_partition": None,
    }


def _headers(headers: Sequence[tuple[str, bytes]]) -> dict[str, str]:
    return {name: _text(value) or "" for name, value in headers}


def _text(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode("utf-8", errors="replace")


def _json(raw: bytes | None) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def _texts(parts: object) -> str:
    if not isinstance(parts, list):
        return ""
    return " ".join(str(p["text"]) for p in parts if isinstance(p, dict) and "text" in p)


def _request_summary(method: str, body: dict[str, Any] | None) -> str:
    params = body.get("params") if body else None
    if not isinstance(params, dict):
        return ""
    message = params.get("message")
    if isinstance(message, dict):
        return _clip(_texts(message.get("parts")))
    return _clip(str(params.get("id", "")))


def _reply_summary(kind: str, body: dict[str, Any] | None) -> str:
    if kind == "end":
        return "end of stream"
    if body is None:
        return ""
    error = body.get("error")
    if isinstance(error, dict):
        return _clip(f"error {error.get('code')}: {error.get('message', '')}")
    result = body.get("result")
    if not isinstance(result, dict):
        return ""
    for name in ("task", "message", "statusUpdate", "artifactUpdate"):  # a StreamResponse
        if isinstance(result.get(name), dict):
            return _clip(_describe(name, result[name]))
    if "status" in result:  # a Task (GetTask, CancelTask)
        return _clip(_describe("task", result))
    return _clip(", ".join(result))


def _state(status: object) -> str:
    state = status.get("state", "") if isinstance(status, dict) else ""
    return str(state).removeprefix("TASK_STATE_").lower().replace("_", "-")


def _describe(name: str, item: dict[str, Any]) -> str:
    if name == "statusUpdate":
        status = item.get("status", {})
        message = status.get("message", {}) if isinstance(status, dict) else {}
        text = _texts(message.get("parts")) if isinstance(message, dict) else ""
        return f"{_state(status)}: {text}" if text else _state(status)
    if name == "artifactUpdate":
        artifact = item.get("artifact", {})
        return f"artifact {artifact.get('name', '') if isinstance(artifact, dict) else ''}"
    if name == "message":
        return f"message: {_texts(item.get('parts'))}"
    if name == "task":
        return f"task {_state(item.get('status'))}"
    return name
