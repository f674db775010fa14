"""Reading an agent's request topic back: Kafka as the audit log of A2A traffic.

Every request an agent ever received stays in ``agent.<name>.requests`` for the
topic's retention. `read_requests` walks it from the beginning (or from a point
in time) to its current end and yields one `AuditEntry` per record, decoded as
far as the record allows: a malformed record is reported, not skipped.

Internal module: not part of the public API; use what `a2a_kafka` exports.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

from a2a_kafka.closing import close_quietly
from a2a_kafka.config import KafkaConfig
from a2a_kafka.errors import BrokerError
from a2a_kafka.lenient_records import unreadable
from a2a_kafka.records import seek as _seek
from a2a_kafka.topics import AgentTopics, partitions_of
from a2a_kafka.wire import MalformedRecordError, decode_request_meta

STALL_TIMEOUT = 30.0
"""Seconds without a record, while records remain, before reading is an error."""


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
    """Yield the agent's request records up to the topic's current end, partition by partition."""
    topic = AgentTopics.of(config, agent).requests
    partitions = sorted(await partitions_of(config, [topic]))
    if not partitions:
        return
    consumer = config.kafka.consumer(**config.client_options(), enable_auto_commit=False)
    try:
        await consumer.start()
        consumer.assign(partitions)
        await _seek(consumer, partitions, since_ms)
        ends = await consumer.end_offsets(partitions)
        for tp in partitions:
            stalled_since = time.monotonic()
            while await consumer.position(tp) < ends[tp]:
                records = (await consumer.getmany(tp, timeout_ms=1000)).get(tp, [])
                if records:
                    stalled_since = time.monotonic()
                elif time.monotonic() - stalled_since > STALL_TIMEOUT:
                    raise BrokerError(f"reading {tp.topic} stalled for {STALL_TIMEOUT:g} s")
                for record in records:
                    if record.offset < ends[tp]:
                        yield entry(record.timestamp, tp.partition, record.offset, record)
    except KafkaError as exc:
        raise BrokerError(f"cannot read {topic} on {config.bootstrap_servers}: {exc!r}") from exc
    finally:
        await close_quietly("the consumer", consumer.stop)


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    return set((await consumer.topics() and consumer.partitions_for_topic(topic)) or ())


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
