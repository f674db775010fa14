"""What a run measures: the full run for the docs, and the quick one for the smoke test."""

from __future__ import annotations

from dataclasses import dataclass

KIB = 1024


@dataclass(frozen=True, slots=True)
class Plan:
    """Sizes, counts and durations of one run."""

    name: str
    """``"full"`` or ``"quick"``."""

    warmup: int
    """Requests sent to each system before anything is measured."""

    latency_samples: int
    """Sequential blocking sends per system and payload size."""

    latency_payloads: tuple[int, ...]
    """Payload sizes (bytes) of the round-trip latency figure."""

    stream_samples: int
    """Streams of ``stream_events`` events per system."""

    stream_events: int
    """Events per stream."""

    throughput_seconds: float
    """Measured duration of each throughput cell."""

    concurrencies: tuple[int, ...]
    """Requests in flight for the throughput figure."""

    payloads: tuple[int, ...]
    """Payload sizes (bytes) of the throughput figure."""

    cpu_concurrency: int
    """The concurrency whose cell (at the smallest payload) gives CPU seconds per 1,000."""

    client_processes: int
    """Load processes per system that drive the throughput cells (`bench.loader`)."""

    callers: tuple[int, ...]
    """Caller instance counts of the fan-out figure."""

    requests_per_caller: int
    """Requests each caller instance sends in the fan-out figure."""

    scale_out_instances: tuple[int, ...]
    """Server instance counts of the scale-out figure."""

    conversations: int
    """Conversations of ``turns`` turns per system."""

    new_callers: int
    """New callers whose first call is timed against their warm ones (`bench.first_call`)."""

    workers_rounds: int
    """Rounds of ``a2a-kafka serve --workers`` 1 then 2 (`bench.workers`); 0: none."""

    turns: int
    """Turns of one conversation."""


FULL = Plan(
    name="full",
    warmup=200,
    latency_samples=1000,
    latency_payloads=(1 * KIB, 256 * KIB),
    stream_samples=300,
    stream_events=20,
    throughput_seconds=5.0,
    concurrencies=(1, 8, 64, 256),
    payloads=(1 * KIB, 256 * KIB),
    cpu_concurrency=64,
    client_processes=2,
    callers=(1, 2, 4, 8),
    requests_per_caller=200,
    scale_out_instances=(1, 2),
    conversations=50,
    turns=10,
    new_callers=10,
    workers_rounds=2,
)

QUICK = Plan(
    name="quick",
    warmup=10,
    latency_samples=20,
    latency_payloads=(1 * KIB, 256 * KIB),
    stream_samples=5,
    stream_events=20,
    throughput_seconds=0.5,
    concurrencies=(1, 8),
    payloads=(1 * KIB, 256 * KIB),
    cpu_concurrency=8,
    client_processes=2,
    callers=(1, 2),
    requests_per_caller=10,
    scale_out_instances=(1, 2),
    conversations=2,
    turns=10,
    new_callers=2,
    workers_rounds=0,
)

FOCUS = Plan(
    name="focus",
    warmup=100,
    latency_samples=500,
    latency_payloads=(1 * KIB,),
    stream_samples=150,
    stream_events=20,
    throughput_seconds=5.0,
    concurrencies=(1, 64),
    payloads=(1 * KIB,),
    cpu_concurrency=64,
    client_processes=2,
    callers=(1,),
    requests_per_caller=20,
    scale_out_instances=(1,),
    conversations=20,
    turns=10,
    new_callers=5,
    workers_rounds=1,
)
"""The figures the targets are about, for trying a change (about a minute)."""

PLANS = {plan.name: plan for plan in (FULL, QUICK, FOCUS)}
