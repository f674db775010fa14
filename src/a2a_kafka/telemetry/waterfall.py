"""A call's trace as a waterfall: each call's round trip, split into Kafka and agent time.

`RecentSpans` keeps the spans this library made (``send`` and ``process``) of the last
traces of a process, by trace id; `install` gives a process one without touching its
global tracer provider (an SDK provider the process already has gets it added instead).
`rows` turns one trace into the waterfall: one row per call (the caller's ``send`` span),
its agent's ``process`` span inside it, the calls that processing made nested below.
A call's time on Kafka is its round trip minus its time in the agent: the queue, the
network and the broker both ways.

Needs the OpenTelemetry SDK (the ``telemetry`` extra); `install` returns None without it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from a2a_kafka.telemetry import tracing

try:
    from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
except ImportError:  # the telemetry extra is not installed
    SpanProcessor = object  # type: ignore[assignment,misc]


class RecentSpans(SpanProcessor):
    """Keeps the send/process spans of the last ``traces`` traces (oldest dropped first)."""

    def __init__(self, traces: int = 200) -> None:
        self._keep = traces
        self._spans: OrderedDict[int, list[Any]] = OrderedDict()
        self._open: dict[int, int] = {}
        self._settled: dict[int, asyncio.Event] = {}

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        if _ours(span):
            trace_id = span.context.trace_id
            self._open[trace_id] = self._open.get(trace_id, 0) + 1

    def on_end(self, span: ReadableSpan) -> None:
        if not _ours(span) or span.context is None:
            return
        trace_id = span.context.trace_id
        self._spans.setdefault(trace_id, []).append(span)
        self._spans.move_to_end(trace_id)
        while len(self._spans) > self._keep:
            dropped, _ = self._spans.popitem(last=False)
            self._open.pop(dropped, None)
        left = self._open.get(trace_id, 1) - 1
        self._open[trace_id] = left
        if left <= 0 and trace_id in self._settled:
            self._settled[trace_id].set()

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True

    async def settled(self, trace_id: int, timeout: float) -> None:
        """Wait (at most ``timeout`` seconds) until every span of the trace has ended."""
        if self._open.get(trace_id, 0) <= 0:
            return
        event = self._settled.setdefault(trace_id, asyncio.Event())
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await event.wait()
        finally:
            self._settled.pop(trace_id, None)

    def spans(self, trace_id: int) -> list[Any]:
        """The finished spans of the trace."""
        return list(self._spans.get(trace_id, ()))


def _ours(span: Any) -> bool:
    scope = getattr(span, "instrumentation_scope", None)
    return scope is not None and scope.name == tracing.INSTRUMENTATION


@contextlib.contextmanager
def install() -> Iterator[RecentSpans | None]:
    """A `RecentSpans` that sees this library's spans while the block runs (None: no SDK)."""
    if not tracing.installed() or SpanProcessor is object:
        yield None
        return
    recent = RecentSpans()
    from opentelemetry import trace

    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):  # the process traces already: join it
        current.add_span_processor(recent)
        yield recent
        return
    provider = TracerProvider()
    provider.add_span_processor(recent)
    previous = tracing.use(provider)
    try:
        yield recent
    finally:
        tracing.use(previous)
        provider.shutdown()


@contextlib.contextmanager
def root(name: str) -> Iterator[Any]:
    """A span, current in the block, whose trace `rows` shows; None while tracing is off."""
    if not tracing.enabled():
        yield None
        return
    span, token = tracing.start_root(name)
    try:
        yield span
    finally:
        span.end()
        tracing.detach(token)


def rows(spans: list[Any], root_span_id: int | None = None) -> list[dict[str, Any]]:
    """The waterfall of one trace's send/process spans, in display order.

    Each row: ``agent``, ``method``, ``depth``, ``start_ms`` (since the first call began),
    ``total_ms`` (the caller's round trip), ``agent_start_ms``/``agent_ms`` (the agent's
    processing, None if its span is missing) and ``kafka_ms`` (the rest of the round trip:
    the part of it the agent's span does not cover; that span can outlast the reply, as
    state writes the reply does not need run after it).
    """
    sends = sorted((s for s in spans if s.kind.name == "PRODUCER"), key=lambda s: s.start_time)
    processes = {s.parent.span_id: s for s in spans if s.kind.name == "CONSUMER" and s.parent}
    owner = {p.context.span_id: send_id for send_id, p in processes.items()}
    if not sends:
        return []
    origin = sends[0].start_time
    top = [s for s in sends if s.parent is None or s.parent.span_id not in owner]
    if root_span_id is not None:
        top = [s for s in top if s.parent is not None and s.parent.span_id == root_span_id] or top
    found: list[dict[str, Any]] = []

    def add(send: Any, depth: int) -> None:
        process = processes.get(send.context.span_id)
        total = _ms(send.end_time - send.start_time)
        agent_ms = _ms(process.end_time - process.start_time) if process else None
        found.append(
            {
                "agent": str(send.attributes.get("a2a.agent", send.name)),
                "method": str(send.attributes.get("a2a.method", "")),
                "depth": depth,
                "start_ms": _ms(send.start_time - origin),
                "total_ms": total,
                "agent_start_ms": _ms(process.start_time - origin) if process else None,
                "agent_ms": agent_ms,
                "kafka_ms": round(total - _overlap_ms(send, process), 1),
            }
        )
        if process is None:
            return
        for child in sends:
            if child.parent is not None and child.parent.span_id == process.context.span_id:
                add(child, depth + 1)

    for send in top:
        add(send, 0)
    return found


def _ms(nanoseconds: int) -> float:
    return round(nanoseconds / 1e6, 1)


def _overlap_ms(send: Any, process: Any | None) -> float:
    """Milliseconds of the caller's round trip during which the agent was processing."""
    if process is None:
        return 0.0
    start = max(send.start_time, process.start_time)
    end = min(send.end_time, process.end_time)
    return _ms(max(0, end - start))
