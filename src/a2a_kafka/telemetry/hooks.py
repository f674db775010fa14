"""Where the transport calls into telemetry: `calling` (a caller) and `processing` (a server).

Both check first whether anything is on (a tracer provider, metrics, JSON logs); when
nothing is, `calling` returns a shared no-op and `processing` a thin wrapper that only
notes the request's correlation id (`PARENT_ID` of the calls it makes), so the hot path
pays a context-variable set and a few attribute look-ups.

Internal module: not part of the public API.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from contextvars import ContextVar
from types import TracebackType
from typing import TYPE_CHECKING, Any

from a2a_kafka.methods import METHODS
from a2a_kafka.server.stats import outcome_seen
from a2a_kafka.telemetry import logs, metrics, tracing
from a2a_kafka.wire import CORRELATION_ID, PARENT_ID, request_key

if TYPE_CHECKING:
    from aiokafka import ConsumerRecord

    from a2a_kafka.server.handler import KafkaConsumerHandler

FAILED_OUTCOMES = frozenset({"rejected", "dead_lettered"})

_processing: ContextVar[str] = ContextVar("a2a_kafka_processing", default="")
"""The correlation id of the request this task (and the tasks it starts) is handling."""


def _on() -> bool:
    return tracing.enabled() or metrics.current() is not None or logs.enabled()


def method_label(method: object) -> str:
    """An A2A method name, or ``other``: metric labels stay few whatever a record says."""
    return method if isinstance(method, str) and method in METHODS else "other"


class _NoCall:
    """What `calling` returns while telemetry is off."""

    def __enter__(self) -> _NoCall:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def headers(self, parameters: Mapping[str, str]) -> Mapping[str, str]:
        """``parameters``, plus ``a2a-kafka-parent-id`` when made while processing a request."""
        parent = _processing.get()
        return {**parameters, PARENT_ID: parent} if parent else parameters

    def replied(self, body: Mapping[str, Any]) -> None:
        return None


_NO_CALL = _NoCall()


class _Call(_NoCall):
    """One call of a caller: its PRODUCER span, its metrics and its log fields."""

    def __init__(
        self, agent: str, topic: str, method: str, params: Mapping[str, Any], cid: str
    ) -> None:
        self.agent, self.method = agent, method_label(method)
        self._attributes = {
            **tracing.a2a_attributes(method, params),
            "messaging.message.id": cid,
            "a2a.agent": agent,
        }
        self._topic, self._key = topic, request_key(method, params)
        self._span: Any = None
        self._error: str | None = None
        self._started = 0.0
        self._log: Any = None

    def __enter__(self) -> _Call:
        self._started = time.perf_counter()
        if tracing.enabled():
            self._span = tracing.start_send(self._topic, self._key, self._attributes)
        if logs.enabled():
            self._log = logs.bind(
                {"callee": self.agent, "call_id": self._attributes["messaging.message.id"]}
            )
        return self

    def headers(self, parameters: Mapping[str, str]) -> Mapping[str, str]:
        """``parameters`` plus this call's trace context (and parent id)."""
        parameters = super().headers(parameters)
        return parameters if self._span is None else tracing.inject_headers(self._span, parameters)

    def replied(self, body: Mapping[str, Any]) -> None:
        """Note a reply: a JSON-RPC error makes the call's outcome ``error``."""
        if "error" in body:
            self._error = "error"

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is not None:
            self._error = _failure(kind)
        outcome = self._error or "ok"
        if (m := metrics.current()) is not None:
            m.calls.labels(self.agent, self.method, outcome).inc()
            m.call_duration.labels(self.agent, self.method).observe(
                time.perf_counter() - self._started
            )
        if self._span is not None:
            tracing.finish(self._span, self._error)
        if self._log is not None:
            logs.unbind(self._log)


def _failure(kind: type[BaseException]) -> str:
    if issubclass(kind, TimeoutError):
        return "timeout"
    if issubclass(kind, asyncio.CancelledError | GeneratorExit):
        return "cancelled"  # the caller gave up (or stopped reading the stream)
    return kind.__name__


def calling(
    agent: str, topic: str, method: str, params: Mapping[str, Any], correlation_id: str
) -> _NoCall:
    """A context manager around one call; ``.headers(p)`` adds the trace context to ``p``."""
    if not _on():
        return _NO_CALL
    return _Call(agent, topic, method, params, correlation_id)


def processing(
    handler: KafkaConsumerHandler,
    record: ConsumerRecord[Any, Any],
    process: Callable[[ConsumerRecord[Any, Any]], Awaitable[None]],
) -> Coroutine[Any, Any, None]:
    """``process(record)`` as the request being processed (see `PARENT_ID`), wrapped in
    its CONSUMER span, metrics and log fields when those are on."""
    if not _on():
        return _plain(record, process)
    return _observed(handler, record, process)


async def _plain(
    record: ConsumerRecord[Any, Any],
    process: Callable[[ConsumerRecord[Any, Any]], Awaitable[None]],
) -> None:
    token = _processing.set(_correlation_id(record))
    try:
        await process(record)
    finally:
        _processing.reset(token)


def _correlation_id(record: ConsumerRecord[Any, Any]) -> str:
    for name, raw in record.headers or ():
        if name == CORRELATION_ID and isinstance(raw, bytes):
            return raw.decode(errors="replace")
    return ""


async def _observed(
    handler: KafkaConsumerHandler,
    record: ConsumerRecord[Any, Any],
    process: Callable[[ConsumerRecord[Any, Any]], Awaitable[None]],
) -> None:
    started, clock = time.time(), time.perf_counter()
    processing_token = _processing.set(_correlation_id(record))
    attributes = _record_attributes(handler, record)
    method = method_label(attributes.get("a2a.method"))
    m = metrics.current()
    if m is not None:
        m.watch(handler)
        wait = max(0.0, started - record.timestamp / 1000) if record.timestamp else 0.0
        m.queue_wait.labels(handler.agent).observe(wait)
    span = token = None
    if tracing.enabled():
        span, token = tracing.start_process(
            tracing.extract_parent(record.headers), record.topic, attributes
        )
    log = logs.bind(_log_fields(handler.agent, attributes)) if logs.enabled() else None
    seen: list[str] = []
    watching = outcome_seen.set(seen)
    outcome = "cancelled"
    try:
        await process(record)
        outcome = seen[-1] if seen else "unknown"
    finally:
        outcome_seen.reset(watching)
        _processing.reset(processing_token)
        if m is not None:
            m.requests.labels(handler.agent, method, outcome).inc()
            m.process_duration.labels(handler.agent, method).observe(time.perf_counter() - clock)
        if span is not None:
            span.set_attribute("a2a_kafka.outcome", outcome)
            tracing.finish(span, outcome if outcome in FAILED_OUTCOMES else None)
            tracing.detach(token)
        if log is not None:
            logs.unbind(log)


def reply_headers(body: Mapping[str, Any] | None) -> list[tuple[str, bytes]]:
    """Headers a reply record adds: the trace context of the request's process span.

    The first reply naming the task and context also puts their ids on the span.
    """
    if not tracing.enabled():
        return []
    span = tracing.current_span()
    if body is not None and span is not None and span.is_recording():
        for name, value in _reply_ids(body).items():
            span.set_attribute(name, value)
    return tracing.current_headers()


def _reply_ids(body: Mapping[str, Any]) -> dict[str, str]:
    result = body.get("result")
    if not isinstance(result, Mapping):
        return {}
    found: Any = result.get("task") or result.get("statusUpdate") or result.get("artifactUpdate")
    if not isinstance(found, Mapping):
        return {}
    task = found.get("id") if "task" in result else found.get("taskId")
    ids = {"a2a.task.id": task, "a2a.context.id": found.get("contextId")}
    return {k: v for k, v in ids.items() if isinstance(v, str) and v}


def _record_attributes(
    handler: KafkaConsumerHandler, record: ConsumerRecord[Any, Any]
) -> dict[str, Any]:
    """The process span's attributes, read from any bytes without raising."""
    from a2a_kafka.records import request_summary

    attrs: dict[str, Any] = {
        "messaging.destination.partition.id": str(record.partition),
        "messaging.kafka.offset": record.offset,
        "messaging.consumer.group.name": handler.group_id,
        "a2a.agent": handler.agent,
    }
    if isinstance(record.key, bytes):
        attrs["messaging.kafka.message.key"] = record.key.decode(errors="replace")
    if cid := _correlation_id(record):
        attrs["messaging.message.id"] = cid
    summary = request_summary(record.value)
    if summary is not None:
        attrs.update(tracing.a2a_attributes(summary[0], summary[1]))
    return attrs


def _log_fields(agent: str, attributes: Mapping[str, Any]) -> dict[str, str]:
    return {
        "agent": agent,
        "method": str(attributes.get("a2a.method", "")),
        "correlation_id": str(attributes.get("messaging.message.id", "")),
        "task_id": str(attributes.get("a2a.task.id", "")),
        "context_id": str(attributes.get("a2a.context.id", "")),
    }
