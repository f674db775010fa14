"""Bytes read per caller instance as caller instances grow.

Each caller instance is a `Requester` (one producer, one reply consumer
assigned to its private one-partition reply topic) behind its own a2a
`Client`. A consumer reads exactly the records of the partitions it is
assigned, so the bytes a caller reads during the phase are the bytes of the
records that landed in its reply partition; an auditor consumer reads them
back afterwards and adds up key, value and header sizes. If replies were
broadcast on a shared topic, every caller would read the sum over callers
(``broadcast_bytes_per_caller``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from a2a.client import Client, ClientConfig, ClientFactory
from a2a.types.a2a_pb2 import AgentCard
from aiokafka import AIOKafkaConsumer, TopicPartition

from a2a_kafka import (
    KAFKA_PROTOCOL_BINDING,
    KafkaConfig,
    KafkaTransport,
    Requester,
    with_kafka_interface,
)
from bench.agent import bench_card
from bench.load import Outcome, fixed_count
from bench.systems import A2ASystem

CONCURRENCY = 8
"""Requests in flight per caller instance."""


def _client(requester: Requester, agent: str, card: AgentCard) -> Client:
    factory = ClientFactory(
        ClientConfig(streaming=False, supported_protocol_bindings=[KAFKA_PROTOCOL_BINDING])
    )
    factory.register(
        KAFKA_PROTOCOL_BINDING, lambda card, url, config: KafkaTransport(requester, agent, card)
    )
    return factory.create(card)


async def _record_bytes(
    config: KafkaConfig, spans: dict[TopicPartition, tuple[int, int]]
) -> dict[TopicPartition, int]:
    """Key + value + header bytes of the records in each partition's offset span."""
    consumer = AIOKafkaConsumer(**config.client_options(), group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(spans))
        sizes = dict.fromkeys(spans, 0)
        for tp, (start, _) in spans.items():
            consumer.seek(tp, start)
        while not await _reached(consumer, spans):
            for tp, records in (await consumer.getmany(timeout_ms=1000)).items():
                for r in records:
                    if r.offset < spans[tp][1]:
                        sizes[tp] += len(r.key or b"") + len(r.value or b"")
                        sizes[tp] += sum(len(k) + len(v) for k, v in r.headers)
        return sizes
    finally:
        await consumer.stop()


async def _reached(
    consumer: AIOKafkaConsumer, spans: dict[TopicPartition, tuple[int, int]]
) -> bool:
    for tp, (_, end) in spans.items():
        if await consumer.position(tp) < end:
            return False
    return True


async def _end_offsets(config: KafkaConfig, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(**config.client_options(), group_id=None)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(tps))
    finally:
        await consumer.stop()


async def one_phase(
    config: KafkaConfig, agent: str, callers: int, requests: int, payload: str
) -> dict[str, Any]:
    """``callers`` caller instances, each sending ``requests`` requests at once."""
    card = with_kafka_interface(bench_card(agent), config, agent)
    requesters = [Requester(config) for _ in range(callers)]
    try:
        systems = [A2ASystem("kafka", c, c) for c in (_client(r, agent, card) for r in requesters)]
        await asyncio.gather(*(s.send(payload) for s in systems))  # starts every requester
        tps = [TopicPartition(r.reply_to.topic, r.reply_to.partition) for r in requesters]
        starts = await _end_offsets(config, tps)
        outcomes: list[Outcome] = await asyncio.gather(
            *(fixed_count(_sender(s, payload), CONCURRENCY, requests) for s in systems)
        )
        ends = await _end_offsets(config, tps)
        sizes = await _record_bytes(config, {tp: (starts[tp], ends[tp]) for tp in tps})
    finally:
        for requester in requesters:
            await requester.aclose()
    per_caller = [sizes[tp] for tp in tps]
    return {
        "callers": callers,
        "sent": sum(o.sent for o in outcomes),
        "answered": sum(o.answered for o in outcomes),
        "failed": sum(o.sent - o.answered for o in outcomes),
        "first_errors": [e for o in outcomes for e in o.errors][:5],
        "records_per_caller": [ends[tp] - starts[tp] for tp in tps],
        "bytes_per_caller": per_caller,
        "mean_bytes_per_caller": sum(per_caller) / callers,
        "broadcast_bytes_per_caller": sum(per_caller),
    }


def _sender(system: A2ASystem, payload: str) -> Callable[[], Any]:
    return lambda: system.send(payload)


async def fanout(
    config: KafkaConfig,
    agent: str,
    counts: tuple[int, ...],
    requests: int,
    payload: str,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """One phase per caller count; bytes read per caller should not grow with it."""
    results = {}
    for callers in counts:
        phase = await one_phase(config, agent, callers, requests, payload)
        results[str(callers)] = phase
        say(
            f"{f'fan-out {callers} callers':<34} kafka  {phase['answered']:>6}/{phase['sent']:<6} "
            f"answered  {phase['mean_bytes_per_caller'] / 1024:8.1f} KiB read per caller"
        )
    return results
