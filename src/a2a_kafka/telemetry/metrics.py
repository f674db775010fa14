"""Prometheus metrics of the agents a process serves and the calls it makes.

Needs ``prometheus_client`` (the ``telemetry`` extra). Nothing is counted until
`enable` is called (``a2a-kafka serve --metrics-port``, or `MetricsEndpoint`).
Every name has the prefix ``a2a_kafka_``; where OTel's messaging metrics have a
counterpart it is named in the help text (see docs/production.md for the list).

Per agent (label ``agent``; the handler's own counters, `HandlerStats`, are exported
as they are, so ``a2a-kafka serve``'s log line and the endpoint agree):

- ``a2a_kafka_requests_total{agent,method,outcome}``: requests by terminal outcome;
- ``a2a_kafka_process_duration_seconds{agent,method}`` (``messaging.process.duration``);
- ``a2a_kafka_queue_wait_seconds{agent}``: record timestamp → processing start;
- ``a2a_kafka_handler_<counter>_total{agent}``: every `HandlerStats` counter
  (``received``, ``dead_lettered``, ``expired``, ``caller_gone``, ``duplicates``, ...);
- ``a2a_kafka_in_flight{agent}``;
- ``a2a_kafka_consumer_lag{agent,partition}``, ``a2a_kafka_group_members{agent}``,
  ``a2a_kafka_dead_letter_records{agent}``: read from the cluster every ``lag_interval``.

Per callee of this process as a caller (label ``agent``): ``a2a_kafka_calls_total{agent,
method,outcome}`` and ``a2a_kafka_call_duration_seconds{agent,method}``
(``messaging.client.operation.duration``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import weakref
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from a2a_kafka.errors import A2AKafkaError, ConfigurationError

if TYPE_CHECKING:
    from a2a_kafka.config import KafkaConfig
    from a2a_kafka.server.handler import KafkaConsumerHandler

logger = logging.getLogger(__name__)

try:
    import prometheus_client
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
except ImportError:  # the telemetry extra is not installed
    prometheus_client = None  # type: ignore[assignment]

DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class Metrics:
    """The metric objects, in their own registry (``registry``)."""

    def __init__(self) -> None:
        if prometheus_client is None:
            raise ConfigurationError("metrics need: pip install 'a2a-kafka[telemetry]'")
        p = prometheus_client
        self.registry = p.CollectorRegistry()
        r = self.registry
        self.requests = p.Counter(
            "a2a_kafka_requests",
            "Request records by A2A method and terminal outcome "
            "(OTel: messaging.client.consumed.messages).",
            ["agent", "method", "outcome"],
            registry=r,
        )
        self.process_duration = p.Histogram(
            "a2a_kafka_process_duration_seconds",
            "Time from the start of a request's processing to its last reply "
            "(OTel: messaging.process.duration).",
            ["agent", "method"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.queue_wait = p.Histogram(
            "a2a_kafka_queue_wait_seconds",
            "Time a request waited on Kafka: record timestamp to processing start.",
            ["agent"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.calls = p.Counter(
            "a2a_kafka_calls",
            "Calls this process made to agents, by method and outcome "
            "(OTel: messaging.client.sent.messages).",
            ["agent", "method", "outcome"],
            registry=r,
        )
        self.call_duration = p.Histogram(
            "a2a_kafka_call_duration_seconds",
            "Round trip of a call: producing the request to its last reply "
            "(OTel: messaging.client.operation.duration).",
            ["agent", "method"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.lag = p.Gauge(
            "a2a_kafka_consumer_lag",
            "Requests on a partition not yet finished by the agent's group "
            "(end offset minus committed offset).",
            ["agent", "partition"],
            registry=r,
        )
        self.members = p.Gauge(
            "a2a_kafka_group_members",
            "Instances in the agent's consumer group.",
            ["agent"],
            registry=r,
        )
        self.dead_letter_records = p.Gauge(
            "a2a_kafka_dead_letter_records",
            "Records retained on the agent's dead-letter topic.",
            ["agent"],
            registry=r,
        )
        self.handlers: weakref.WeakSet[KafkaConsumerHandler] = weakref.WeakSet()
        r.register(_HandlerCollector(self.handlers))

    def watch(self, handler: KafkaConsumerHandler) -> None:
        """Export ``handler``'s `HandlerStats` (and poll its lag, see `MetricsEndpoint`)."""
        self.handlers.add(handler)

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format."""
        return bytes(prometheus_client.generate_latest(self.registry))


class _HandlerCollector:
    """`HandlerStats` of the watched handlers, read at scrape time."""

    def __init__(self, handlers: Iterable[KafkaConsumerHandler]) -> None:
        self._handlers = handlers

    def describe(self) -> list[Any]:
        return []

    def collect(self) -> Iterator[Any]:
        counters: dict[str, Any] = {}
        in_flight = GaugeMetricFamily(
            "a2a_kafka_in_flight", "Requests being processed now.", labels=["agent"]
        )
        for handler in list(self._handlers):
            stats = handler.stats.as_dict()
            in_flight.add_metric([handler.agent], stats.pop("in_flight", 0))
            for name, value in stats.items():
                if name not in counters:
                    counters[name] = CounterMetricFamily(
                        f"a2a_kafka_handler_{name}",
                        f"HandlerStats.{name} of the agent's handlers in this process.",
                        labels=["agent"],
                    )
                counters[name].add_metric([handler.agent], value)
        yield in_flight
        yield from counters.values()


_metrics: Metrics | None = None
_lock = threading.Lock()


def enable() -> Metrics:
    """Start counting (idempotent); the process-wide `Metrics`."""
    global _metrics
    with _lock:
        if _metrics is None:
            _metrics = Metrics()
        return _metrics


def current() -> Metrics | None:
    """The process-wide `Metrics`, or None while metrics are off."""
    return _metrics


class MetricsEndpoint:
    """Serves ``/metrics`` on ``host:port`` and refreshes the cluster-side gauges.

    A `Service` for `serve_until_signal`. ``port=0`` picks a free port (see `port`).
    Consumer lag, group members and retained dead letters of every watched agent are read
    with the admin API (as ``a2a-kafka status`` does) every ``lag_interval`` seconds; a
    failing read is logged and retried, never fatal.
    """

    def __init__(
        self,
        config: KafkaConfig,
        port: int,
        host: str = "0.0.0.0",
        handlers: Iterable[KafkaConsumerHandler] = (),
        lag_interval: float = 10.0,
    ) -> None:
        self.config = config
        self.metrics = enable()
        for handler in handlers:
            self.metrics.watch(handler)
        self._host, self.port = host, port
        self._lag_interval = lag_interval
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._refresher: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listen, and start refreshing the lag."""
        if self._server is not None:
            return
        try:
            self._server, self._thread = prometheus_client.start_http_server(
                self.port, self._host, registry=self.metrics.registry
            )
        except OSError as exc:
            raise A2AKafkaError(f"metrics port {self._host}:{self.port}: {exc}") from exc
        self.port = self._server.server_address[1]
        self._refresher = asyncio.create_task(self._refresh_forever(), name="a2a-kafka-lag")

    async def refresh(self) -> None:
        """Read lag, members and dead letters of the watched agents now."""
        from a2a_kafka.monitoring import agent_status

        handlers = {h.agent: h.group_id for h in list(self.metrics.handlers)}
        if not handlers:
            return
        for status in await agent_status(self.config, handlers, group_ids=handlers):
            self.metrics.members.labels(status.agent).set(status.members)
            self.metrics.dead_letter_records.labels(status.agent).set(status.dead_letters)
            for p in status.partitions:
                self.metrics.lag.labels(status.agent, str(p.partition)).set(p.lag)

    async def _refresh_forever(self) -> None:
        while True:
            try:
                await self.refresh()
            except A2AKafkaError as exc:
                logger.warning("metrics: consumer lag not read: %s", exc)
            await asyncio.sleep(self._lag_interval)

    async def aclose(self) -> None:
        """Stop listening; idempotent."""
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
            self._refresher = None
        if self._server is not None:
            await asyncio.to_thread(self._server.shutdown)
            self._server.server_close()
            self._server = None
