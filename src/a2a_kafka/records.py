"""Reading raw topics for the tools (`trace`, `replay`, `tail`): any bytes, never a crash.

`read_to_end` walks topics from their beginning (or a point in time) to their end as it
was when reading began; `follow` reads from the end on, until cancelled. Both use manual
assignment (no consumer group, invisible to the agents). `request_summary` and
`header_text` read values that may be anything; a header name that is not UTF-8 reaches
them with U+FFFD in it (`a2a_kafka.lenient_records`, installed on ``import a2a_kafka``).

Internal module: not part of the public API.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from a2a_kafka.config import KafkaConfig
from a2a_kafka.diagnosis import kafka_errors
from a2a_kafka.errors import BrokerError
from a2a_kafka.topics import partitions_of

STALL_TIMEOUT = 30.0
"""Seconds without a record, while records remain, before reading is an error."""


def request_summary(value: object) -> tuple[str, Mapping[str, Any]] | None:
    """``(method, params)`` of a JSON-RPC request value; None for anything else."""
    body = json_object(value)
    if body is None or not isinstance(body.get("method"), str):
        return None
    params = body.get("params")
    return body["method"], params if isinstance(params, dict) else {}


def json_object(value: object) -> dict[str, Any] | None:
    """A record value parsed as a JSON object; None when it is not one."""
    if not isinstance(value, bytes | bytearray):
        return None
    try:
        body = json.loads(value)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def header_text(headers: Sequence[tuple[Any, Any]] | None) -> dict[str, str]:
    """Record headers as text (undecodable bytes replaced; a null value is ``""``)."""
    found: dict[str, str] = {}
    for name, raw in headers or ():
        key = name if isinstance(name, str) else repr(name)
        found[key] = raw.decode(errors="replace") if isinstance(raw, bytes) else ""
    return found


async def read_to_end(
    config: KafkaConfig, topics: Iterable[str], since_ms: int | None = None
) -> AsyncIterator[ConsumerRecord[Any, Any]]:
    """Every record of ``topics`` up to their current end; missing topics have none.

    Order: by partition, in offset order within each (callers sort by timestamp).
    Raises `BrokerError` when the cluster fails or reading stalls (`STALL_TIMEOUT`).
    """
    partitions = sorted(await partitions_of(config, topics))
    if not partitions:
        return
    consumer = config.kafka.consumer(**config.client_options(), enable_auto_commit=False)
    try:
        async with kafka_errors(config, f"cannot read {sorted({t.topic for t in partitions})}"):
            await consumer.start()
            consumer.assign(partitions)
            await seek(consumer, partitions, since_ms)
            ends = await consumer.end_offsets(partitions)
            left = {tp for tp in partitions if await consumer.position(tp) < ends[tp]}
            stalled_since = time.monotonic()
            while left:
                batches = await consumer.getmany(*left, timeout_ms=1000)
                if batches:
                    stalled_since = time.monotonic()
                elif time.monotonic() - stalled_since > STALL_TIMEOUT:
                    raise BrokerError(f"reading {sorted(t.topic for t in left)} stalled")
                for tp, records in batches.items():
                    for record in records:
                        if record.offset < ends[tp]:
                            yield record
                left = {tp for tp in left if await consumer.position(tp) < ends[tp]}
    finally:
        await consumer.stop()


async def follow(
    config: KafkaConfig, topics: Iterable[str], poll: float = 0.5
) -> AsyncIterator[ConsumerRecord[Any, Any]]:
    """The records that arrive on ``topics`` from now on, as they come, until cancelled."""
    names = list(topics)
    partitions = await partitions_of(config, names)
    if not partitions:
        raise BrokerError(f"none of {names} exists on {config.bootstrap_servers}")
    consumer = config.kafka.consumer(**config.client_options(), enable_auto_commit=False)
    try:
        async with kafka_errors(config, f"cannot follow {names}"):
            await consumer.start()
            consumer.assign(partitions)
            await consumer.seek_to_end(*partitions)
            while True:
                batches = await consumer.getmany(timeout_ms=int(poll * 1000))
                for records in batches.values():
                    for record in records:
                        yield record
                await asyncio.sleep(0)
    finally:
        await consumer.stop()


async def seek(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], since_ms: int | None
) -> None:
    """Position ``partitions`` at their beginning, or at the first record since ``since_ms``."""
    if since_ms is None:
        await consumer.seek_to_beginning(*partitions)
        return
    found = await consumer.offsets_for_times(dict.fromkeys(partitions, since_ms))
    for tp in partitions:
        if found.get(tp) is None:
            await consumer.seek_to_end(tp)
        else:
            consumer.seek(tp, found[tp].offset)
