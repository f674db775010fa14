"""``a2a-kafka bench --tracing``: the round trip with tracing off and on, interleaved.

One process serves the benchmark agent over Kafka and calls it, so both ends trace (the
caller's ``send`` span, the server's ``process`` span, W3C context in the headers). The
two modes alternate in blocks of `BLOCK` blocking echo round trips (the load of a shared
machine drifts; interleaving keeps the comparison fair). "On" records every span with
OpenTelemetry's SDK and a batch processor whose exporter drops them (the cost of tracing,
not of a collector); "off" is the default, no tracer provider.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from typing import Any

from a2a_kafka import KafkaConfig, KafkaConsumerHandler
from a2a_kafka.registry import with_kafka_interface
from a2a_kafka.telemetry import tracing
from bench.agent import BenchAgent, bench_card, bench_handler
from bench.stats import summary_ms
from bench.systems import kafka_system
from bench.tables import table

BLOCK = 50
PAYLOAD = "x" * 1024


class _Dropped:
    """A span exporter that keeps nothing."""

    def export(self, spans: Any) -> Any:
        from opentelemetry.sdk.trace.export import SpanExportResult

        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def _provider() -> Any:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(_Dropped()))  # type: ignore[arg-type]
    return provider


async def tracing_ab(bootstrap: str, rounds: int = 6) -> dict[str, Any]:
    """Round-trip latency summaries (ms) with tracing ``off`` and ``on``."""
    config = KafkaConfig(bootstrap_servers=bootstrap, topic_prefix=f"bt{uuid.uuid4().hex[:6]}.")
    agent = "bench-tracing"
    card = with_kafka_interface(bench_card(agent), config, agent)
    provider = _provider()
    samples: dict[str, list[float]] = {"off": [], "on": []}
    handler = KafkaConsumerHandler(agent, bench_handler(card, BenchAgent()), config)
    async with handler, kafka_system(config, agent) as system:
        for _ in range(BLOCK):  # warm up: topics, metadata, connections
            await system.send(PAYLOAD)
        try:
            for _ in range(rounds):
                for mode in ("off", "on"):
                    tracing.use(provider if mode == "on" else None)
                    for _ in range(BLOCK):
                        began = time.perf_counter()
                        await system.send(PAYLOAD)
                        samples[mode].append(time.perf_counter() - began)
        finally:
            tracing.use(None)
            with contextlib.suppress(Exception):
                provider.shutdown()
    return {mode: summary_ms(values) for mode, values in samples.items()}


def report(results: dict[str, Any]) -> str:
    """The figures as a small table, with the difference of the medians."""
    rows = [
        [mode, f"{r['count']}", f"{r['p50']:.2f}", f"{r['p95']:.2f}", f"{r['p99']:.2f}"]
        for mode, r in (("tracing off", results["off"]), ("tracing on", results["on"]))
    ]
    extra = results["on"]["p50"] - results["off"]["p50"]
    text = table(["1 KiB blocking round trip", "n", "p50 ms", "p95 ms", "p99 ms"], rows)
    return f"{text}\ntracing adds {extra:+.2f} ms to the median round trip (both ends traced)"
