"""OpenTelemetry spans for A2A over Kafka, if OpenTelemetry is installed and configured.

Spans follow OTel's messaging semantic conventions for Kafka
(``docs/messaging/kafka.md`` of open-telemetry/semantic-conventions):

- the caller's **PRODUCER** span ``send <request topic>`` lasts from producing the
  request to its last reply (the caller's view of the call); its context travels to the
  agent as W3C ``traceparent``/``tracestate`` request headers;
- the agent's **CONSUMER** span ``process <request topic>`` wraps the handling of one
  request record; its parent is the caller's span (and it links to it), so a2a-sdk's
  own handler spans, the agent's work and the agent's own calls to other agents become
  its children, and reply records carry its context.

Both carry ``messaging.system=kafka``, ``messaging.operation.name``/``type``,
``messaging.destination.name``, ``messaging.kafka.message.key``, ``messaging.message.id``
(the correlation id) and the A2A ``a2a.method``, ``a2a.task.id``, ``a2a.context.id``;
the process span also ``messaging.destination.partition.id``, ``messaging.kafka.offset``
and ``messaging.consumer.group.name``.

Cost: nothing is recorded until an SDK tracer provider is installed (`configure_from_env`
with ``OTEL_TRACES_EXPORTER`` set, or the application's own ``set_tracer_provider``).
Without the ``opentelemetry`` packages every function here is a no-op; `enabled` is the
one check the hot path makes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

logger = logging.getLogger(__name__)

TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
TRACE_HEADERS = (TRACEPARENT, TRACESTATE)

try:
    from opentelemetry import context as otel_context
    from opentelemetry import trace
    from opentelemetry.propagate import extract, inject
    from opentelemetry.trace import Link, SpanKind, Status, StatusCode
except ImportError:  # the telemetry extra is not installed: tracing is off
    trace = None  # type: ignore[assignment]

INSTRUMENTATION = "a2a_kafka"

_provider: Any = None
"""A tracer provider used instead of the global one (`use`), e.g. the GUI's own."""


def installed() -> bool:
    """Whether the OpenTelemetry API is importable."""
    return trace is not None


def enabled() -> bool:
    """Whether spans are recorded: an SDK tracer provider is installed (or `use`d)."""
    if trace is None:
        return False
    if _provider is not None:
        return True
    provider = trace.get_tracer_provider()
    return not isinstance(provider, trace.ProxyTracerProvider | trace.NoOpTracerProvider)


def configure_from_env() -> bool:
    """Install an SDK tracer provider when ``OTEL_TRACES_EXPORTER`` asks for one.

    ``otlp`` (the default of OTel's own auto-configuration, over HTTP/protobuf to
    ``OTEL_EXPORTER_OTLP_ENDPOINT``) or ``console``; ``none`` or unset: nothing.
    ``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES`` name the process. Returns
    whether tracing is now on. Needs the ``telemetry`` extra.
    """
    wanted = os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if not wanted or wanted == "none" or enabled():
        return enabled()
    try:
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import (
            BatchSpanProcessor,
            ConsoleSpanExporter,
            SpanExporter,
        )
    except ImportError:
        logger.warning("OTEL_TRACES_EXPORTER=%s needs: pip install 'a2a-kafka[telemetry]'", wanted)
        return False
    exporter: SpanExporter
    if wanted == "console":
        exporter = ConsoleSpanExporter()
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    provider = TracerProvider()  # resource from OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return True


def use(provider: Any) -> Any:
    """Record this library's spans with ``provider`` (None: the global one again).

    For a process that wants its own spans without installing a global provider (the
    GUI's waterfall). Returns the provider used before.
    """
    global _provider
    previous, _provider = _provider, provider
    return previous


def _tracer() -> Any:
    return (_provider or trace.get_tracer_provider()).get_tracer(INSTRUMENTATION)


def a2a_attributes(method: str, params: Mapping[str, Any]) -> dict[str, str]:
    """``a2a.method``, and ``a2a.task.id``/``a2a.context.id`` where the request names them."""
    found = {"a2a.method": method}
    message = params.get("message")
    if isinstance(message, Mapping):
        task, ctx = message.get("taskId"), message.get("contextId")
    else:
        task, ctx = params.get("id") or params.get("taskId"), None
    if isinstance(task, str) and task:
        found["a2a.task.id"] = task
    if isinstance(ctx, str) and ctx:
        found["a2a.context.id"] = ctx
    return found


def start_send(topic: str, key: str | None, attributes: Mapping[str, str]) -> Any:
    """Start the caller's PRODUCER span (not made current; end it with `finish`)."""
    attrs: dict[str, Any] = {
        "messaging.system": "kafka",
        "messaging.operation.name": "send",
        "messaging.operation.type": "send",
        "messaging.destination.name": topic,
        **attributes,
    }
    if key is not None:
        attrs["messaging.kafka.message.key"] = key
    return _tracer().start_span(f"send {topic}", kind=SpanKind.PRODUCER, attributes=attrs)


def inject_headers(span: Any, parameters: Mapping[str, str]) -> dict[str, str]:
    """``parameters`` plus the W3C trace context of ``span``."""
    carrier = dict(parameters)
    inject(carrier, context=trace.set_span_in_context(span))
    return carrier


def extract_parent(headers: Sequence[tuple[str, Any]]) -> Any:
    """The remote context in a record's ``traceparent``/``tracestate`` (any bytes tolerated)."""
    carrier: dict[str, str] = {}
    for name, raw in headers:
        if name in TRACE_HEADERS and isinstance(raw, bytes):
            carrier[name] = raw.decode(errors="replace")
    return extract(carrier)


def start_process(parent: Any, topic: str, attributes: Mapping[str, Any]) -> tuple[Any, object]:
    """Start the agent's CONSUMER span as the current span; returns (span, token)."""
    links = []
    remote = trace.get_current_span(parent).get_span_context()
    if remote.is_valid:
        links.append(Link(remote))
    attrs = {
        "messaging.system": "kafka",
        "messaging.operation.name": "process",
        "messaging.operation.type": "process",
        "messaging.destination.name": topic,
        **attributes,
    }
    span = _tracer().start_span(
        f"process {topic}", context=parent, kind=SpanKind.CONSUMER, attributes=attrs, links=links
    )
    token = otel_context.attach(trace.set_span_in_context(span, parent))
    return span, token


def start_root(name: str) -> tuple[Any, object]:
    """Start an INTERNAL span as the current span; returns (span, token) for `detach`."""
    span = _tracer().start_span(name, kind=SpanKind.INTERNAL)
    return span, otel_context.attach(trace.set_span_in_context(span))


def detach(token: object) -> None:
    """Undo `start_process`'s attach."""
    otel_context.detach(token)  # type: ignore[arg-type]


def finish(span: Any, error: str | None = None) -> None:
    """End ``span``, with status ERROR and ``error.type`` when ``error`` names a failure."""
    if error:
        span.set_attribute("error.type", error)
        span.set_status(Status(StatusCode.ERROR, error))
    span.end()


def current_headers() -> list[tuple[str, bytes]]:
    """The current span's W3C context as record headers; empty when there is none."""
    if not enabled():
        return []
    carrier: dict[str, str] = {}
    inject(carrier)
    return [(name, value.encode()) for name, value in carrier.items()]


def current_span() -> Any:
    """The current span (a non-recording one when there is none)."""
    return trace.get_current_span() if trace is not None else None


def trace_id_of(headers: Sequence[tuple[str, Any]]) -> str:
    """The 32-hex trace id in a record's ``traceparent`` header, or ``""``."""
    for name, raw in headers:
        if name == TRACEPARENT and isinstance(raw, bytes):
            parts = raw.decode(errors="replace").split("-")
            if len(parts) >= 4 and len(parts[1]) == 32:
                return parts[1]
    return ""


__all__ = [
    "a2a_attributes",
    "configure_from_env",
    "current_headers",
    "enabled",
    "extract_parent",
    "finish",
    "inject_headers",
    "installed",
    "start_process",
    "start_send",
    "trace_id_of",
    "use",
]
