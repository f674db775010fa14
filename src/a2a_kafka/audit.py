"""Reading an agent's request topic back: Kafka as the audit log of A2A traffic.

Every request an agent ever received stays in ``agent.<name>.requests`` for the
topic's retention. `read_requests` walks it from the beginning (or from a point
in time) to its current end and yields one `AuditEntry` per record, decoded as
far as the record allows: a malformed record is reported, not skipped.

Internal module: not part of the public API; use what `a2a_kafka` exports.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from a2a_kafka.config import KafkaConfig
from a2a_kafka.lenient_records import unreadable
from a2a_kafka.records import read_to_end
from a2a_kafka.topics import AgentTopics
from a2a_kafka.wire import MalformedRecordError, decode_request_meta


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One request record as the agent received it."""

    timestamp_ms: int
    partition: int
    offset: int
    method: str
    """The JSON-RPC method, or ``"?"`` when the record is not a JSON-RPC request."""
    correlation_id: str
    key: str
    text: str
    """The text parts of a message, or the task id of a task operation."""
    problem: str = ""
    """Why the record could not be read as a request; empty when it could."""


async def read_requests(
    config: KafkaConfig, agent: str, since_ms: int | None = None
) -> AsyncIterator[AuditEntry]:
    """Yield the agent's request records up to the topic's current end (in offset order
    within each partition; see `a2a_kafka.records.read_to_end`). Raises `BrokerError`."""
    async for record in read_to_end(config, [AgentTopics.of(config, agent).requests], since_ms):
        yield entry(record.timestamp, record.partition, record.offset, record)


def entry(timestamp: int, partition: int, offset: int, record: Any) -> AuditEntry:
    """Decode one request record for the audit log."""
    key = record.key.decode(errors="replace") if record.key else ""
    method, correlation_id, text, problem = "?", "", "", ""
    if (why := unreadable(record)) is not None:
        return AuditEntry(timestamp, partition, offset, method, "", key, "", f"unreadable: {why}")
    try:  # any bytes: one record that is not a request must not stop the audit
        correlation_id = decode_request_meta(record.headers).correlation_id or ""
        body = json.loads(record.value or b"")
        if not isinstance(body, dict):
            raise MalformedRecordError("not a JSON object")
        raw_method = body.get("method", "?")
        method = raw_method if isinstance(raw_method, str) else "?"
        params = body.get("params")
        text = _summary(params if isinstance(params, dict) else {})
    except RecursionError:
        problem = "JSON nested too deeply"
    except Exception as exc:
        problem = str(exc)[:500] or type(exc).__name__
    return AuditEntry(timestamp, partition, offset, method, correlation_id, key, text, problem)


def _summary(params: dict[str, Any]) -> str:
    message = params.get("message")
    if isinstance(message, dict):
        parts = message.get("parts")
        texts = (
            [p.get("text") for p in parts if isinstance(p, dict)] if isinstance(parts, list) else []
        )
        return " ".join(text for text in texts if isinstance(text, str))
    found = params.get("id") or params.get("taskId")
    return found if isinstance(found, str) else ""
