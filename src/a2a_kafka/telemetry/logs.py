"""Structured logs: JSON lines that carry the request a line is about.

`configure` (``a2a-kafka --log-format json``, or ``A2A_KAFKA_LOG_FORMAT=json``) makes
every log record one JSON object with ``ts``, ``level``, ``logger``, ``message`` and,
while a request is processed or a call is made, ``agent``, ``method``,
``correlation_id``, ``task_id``, ``context_id`` and (with tracing on) ``trace_id`` and
``span_id``. Those fields live in a context variable (`bind`), so the agent's own log
lines, in tasks a2a-sdk starts for the request, carry them too.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping
from contextvars import ContextVar, Token
from typing import Any

from a2a_kafka.telemetry import tracing

FORMAT_ENV = "A2A_KAFKA_LOG_FORMAT"

_fields: ContextVar[Mapping[str, str] | None] = ContextVar("a2a_kafka_log_fields", default=None)
_json = False


def enabled() -> bool:
    """Whether log lines are JSON (and so worth binding request fields for)."""
    return _json


def bind(fields: Mapping[str, str]) -> Token[Mapping[str, str] | None]:
    """Add ``fields`` to every log line of the current context; undo with `unbind`."""
    return _fields.set({**(_fields.get() or {}), **{k: v for k, v in fields.items() if v}})


def unbind(token: Token[Mapping[str, str] | None]) -> None:
    """Restore the fields `bind` replaced."""
    _fields.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with the bound request fields and the trace ids."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **(_fields.get() or {}),
        }
        span = tracing.current_span()
        if span is not None and (ctx := span.get_span_context()).is_valid:
            line["trace_id"] = f"{ctx.trace_id:032x}"
            line["span_id"] = f"{ctx.span_id:016x}"
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(fmt: str | None = None, level: int = logging.WARNING) -> None:
    """Log to stderr as ``fmt`` (``text`` or ``json``; default: ``A2A_KAFKA_LOG_FORMAT``)."""
    global _json
    fmt = (fmt or os.environ.get(FORMAT_ENV) or "text").lower()
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
        _json = True
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])  # no-op if logging is set up
