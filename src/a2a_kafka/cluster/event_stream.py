"""`KafkaTaskEventStream`: a2a's `TaskEventStream` over a Kafka topic.

Every instance of an agent publishes the task events it applies to
``agent.<name>.task-events`` (key: the task id, so one task's events keep their
order on one partition) and reads the whole topic from the moment it starts.
A subscriber on one instance therefore sees the events of a task that runs on
another one as soon as the broker has them, in milliseconds, where a2a's
`DatabaseTaskEventStream` polls its table every 0.5 s.

Record value (JSON, readable with any Kafka tool)::

    {"taskId": "...", "version": 7, "event": <StreamResponse as JSON>}

with header ``a2a-kafka-origin``: the publishing instance.

Contract (a2a's `TaskEventStream`):

- `publish` hands the event to the producer (idempotent, ``acks=all``) and
  returns without waiting for the broker; a failure is logged.
- `subscribe(task_id, after=v)` yields the task's events whose version is
  after ``v``, in publication order. Events published shortly *before* the
  call (within ``replay_window`` seconds) are replayed first, so a subscriber
  that read a snapshot at version ``v`` misses nothing published after it. It
  never ends by itself: a2a's handler stops at a terminal event. A subscriber
  that falls ``max_backlog`` events behind is dropped with `BrokerError`.
- `destroy` forgets a finished task's replay buffer.
- Listeners (`add_listener`) see every event, with the instance that published
  it; `RemoteCancellation` uses that to stop a task cancelled elsewhere.

What this stream does not give: events are not written in the task store's
transaction. An instance killed between saving an event and producing it
loses that event for remote subscribers (not the stored task: ``GetTask``
still has it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any

from a2a.server.cluster import TaskEventStream, TaskVersion, VersionedEvent
from a2a.server.events.event_queue import Event
from a2a.types.a2a_pb2 import StreamResponse
from a2a.utils.proto_utils import to_stream_response
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError
from google.protobuf.json_format import MessageToDict, ParseDict

from a2a_kafka.closing import close_producer, close_quietly
from a2a_kafka.config import KafkaConfig
from a2a_kafka.errors import BrokerError
from a2a_kafka.topics import check_agent_name, ensure_topics, topic_partitions
from a2a_kafka.wire import dumps

logger = logging.getLogger(__name__)

ORIGIN = "a2a-kafka-origin"
"""Header: the instance that published the event."""

Listener = Callable[[str, VersionedEvent, str], None]
"""Called with (task id, event, publishing instance) for every event consumed."""

_CLOSED = object()
_OVERFLOW = object()
_FAILED = object()

FAIL_SUBSCRIBERS_AFTER = 3
"""Consecutive failed polls of the event consumer after which subscribers end with an error."""


def task_events_topic(config: KafkaConfig, agent: str) -> str:
    """``agent.<name>.task-events`` (with the configured prefix)."""
    return config.topic(f"agent.{check_agent_name(agent)}.task-events")


@dataclass(slots=True, eq=False)
class _Subscription:
    queue: asyncio.Queue[Any]
    replayed_up_to: int = -1
    """Offsets at or below this came from the replay buffer: skip them live."""
    full: bool = False
    """Events were dropped: once the queue is drained, the subscriber gets `_OVERFLOW`."""
    closed: bool = False
    """The stream closed: once the queue is drained, the subscriber gets `_CLOSED`."""
    failed: bool = False
    """The event consumer keeps failing: the subscriber gets `_FAILED` at once."""

    def offer(self, offset: int, event: VersionedEvent) -> None:
        if self.full:
            return
        try:
            self.queue.put_nowait((offset, event))
        except asyncio.QueueFull:  # keep what is queued: it is gap-free up to here
            self.full = True

    def close(self) -> None:
        self.closed = True
        with contextlib.suppress(asyncio.QueueFull):  # full: not waiting, sees `closed` later
            self.queue.put_nowait(_CLOSED)

    def fail(self) -> None:
        self.failed = True
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(_FAILED)

    async def next(self) -> Any:
        """The next queued item; the end marker once the queue is drained."""
        if self.failed:
            return _FAILED
        if self.queue.empty():
            if self.full:
                return _OVERFLOW
            if self.closed:
                return _CLOSED
        return await self.queue.get()


@dataclass(slots=True)
class _Recent:
    """The last events of one task, for subscribers that arrive just after them."""

    events: deque[tuple[float, int, VersionedEvent]] = field(
        default_factory=lambda: deque(maxlen=256)
    )


class KafkaTaskEventStream(TaskEventStream):
    """Task events of one agent, shared by its instances through Kafka.

    Args:
        config: the cluster and client settings.
        agent: the agent's name; the topic is `task_events_topic`.
        instance_id: this instance's name in the ``a2a-kafka-origin`` header.
        retention: seconds the broker keeps events (the stream is for live
            delivery; the task store is the record).
        replay_window: seconds of recent events replayed to new subscribers.
        max_backlog: events a subscriber may fall behind before it is dropped.
    """

    def __init__(
        self,
        config: KafkaConfig,
        agent: str,
        *,
        instance_id: str | None = None,
        retention: float = 3600.0,
        replay_window: float = 30.0,
        max_backlog: int = 10_000,
        max_buffered_tasks: int = 10_000,
    ) -> None:
        self.config = config
        self.topic = task_events_topic(config, agent)
        self.instance_id = instance_id or uuid.uuid4().hex
        self._retention = retention
        self._replay_window = replay_window
        self._max_backlog = max_backlog
        self._max_tasks = max_buffered_tasks
        self._recent: OrderedDict[str, _Recent] = OrderedDict()
        self._subscribers: dict[str, set[_Subscription]] = {}
        self._listeners: list[Listener] = []
        self._producer: AIOKafkaProducer | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.skipped = 0
        """Records of the topic that are not task events (logged and skipped)."""
        self.failures = 0
        """Polls of the event consumer that failed (logged, retried)."""

    @property
    def alive(self) -> bool:
        """Whether the event consumer is running."""
        return self._task is not None and not self._task.done()

    async def __aenter__(self) -> KafkaTaskEventStream:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener`` for every event consumed (from any instance, this one too)."""
        self._listeners.append(listener)

    async def start(self) -> None:
        """Create the topic, connect, and position at its end before returning."""
        if self._task is not None:
            return
        self._closed = False
        retention = {"retention.ms": str(int(self._retention * 1000))}
        await ensure_topics(self.config, [self.topic], topic_configs=retention)
        try:
            await self._connect()
        except BaseException as exc:  # whatever failed, stop what was started
            await self.aclose()
            if isinstance(exc, KafkaError):
                raise BrokerError(
                    f"task event stream {self.topic!r} cannot start: {exc!r}"
                ) from exc
            raise

    async def _connect(self) -> None:
        self._producer = self.config.kafka.producer(**self.config.producer_kwargs())
        await self._producer.start()
        consumer = self.config.kafka.consumer(
            **self.config.consumer_kwargs(group_id=None, auto_offset_reset="latest")
        )
        self._consumer = consumer
        await consumer.start()
        tps = await topic_partitions(self.config, self.topic, wait=30.0)
        if not tps:
            raise BrokerError(f"topic {self.topic!r} has no partitions")
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        for tp in tps:
            await consumer.position(tp)  # resolved now: later events are all seen
        self._task = asyncio.create_task(self._run(consumer), name=f"a2a-kafka-{self.topic}")

    async def publish(self, task_id: str, event: VersionedEvent) -> None:
        """Send ``event`` to every instance; returns once the producer has it."""
        if self._producer is None:
            raise BrokerError(f"task event stream {self.topic!r} is not started")
        value = dumps(
            {
                "taskId": task_id,
                "version": _version_value(event.version),
                "event": MessageToDict(to_stream_response(event.event)),
            }
        )
        headers = [(ORIGIN, self.instance_id.encode())]
        try:
            delivery = await self._producer.send(
                self.topic, value, key=task_id.encode(), headers=headers
            )
        except KafkaError as exc:
            logger.error("task event of %s not published: %r", task_id, exc)
            return
        delivery.add_done_callback(_log_failure)

    async def subscribe(
        self, task_id: str, *, after: TaskVersion
    ) -> AsyncGenerator[VersionedEvent, None]:
        """Yield ``task_id``'s events after version ``after`` (see the module docstring).

        Ends when the stream closes; raises `BrokerError` when it is closed already.
        """
        if self._closed:
            raise BrokerError(f"the task event stream on {self.topic} is closed")
        subscription = _Subscription(asyncio.Queue(self._max_backlog))
        self._subscribers.setdefault(task_id, set()).add(subscription)
        try:
            recent = self._recent.get(task_id)
            for _, offset, event in list(recent.events) if recent else ():
                subscription.offer(offset, event)
                subscription.replayed_up_to = offset
            while True:
                item = await subscription.next()
                if item is _CLOSED:
                    return
                if item is _OVERFLOW:
                    raise BrokerError(f"subscriber of task {task_id} fell behind; resubscribe")
                if item is _FAILED:
                    raise BrokerError(f"task event consumer on {self.topic} keeps failing")
                offset, event = item
                if event.version.is_after(after):
                    yield event
        finally:
            subscribers = self._subscribers.get(task_id, set())
            subscribers.discard(subscription)
            if not subscribers:
                self._subscribers.pop(task_id, None)

    async def destroy(self, task_id: str) -> None:
        """Forget the replay buffer of a task that reached a terminal state."""
        self._recent.pop(task_id, None)

    async def _run(self, consumer: AIOKafkaConsumer) -> None:
        """Poll until cancelled; survives any failure (logged at once, retried with backoff).

        After `FAIL_SUBSCRIBERS_AFTER` failed polls in a row, waiting subscribers end
        with `BrokerError` instead of waiting for ever.
        """
        failures = 0
        while True:
            try:
                batches = await consumer.getmany(timeout_ms=1000)
            except Exception as exc:  # aiokafka reconnects by itself
                failures += 1
                self.failures += 1
                logger.error(
                    "task event consumer on %s failed (%d in a row): %r",
                    self.topic,
                    failures,
                    exc,
                    exc_info=failures == 1,
                )
                if failures == FAIL_SUBSCRIBERS_AFTER:
                    for subscriptions in self._subscribers.values():
                        for subscription in subscriptions:
                            subscription.fail()
                await asyncio.sleep(min(5.0, 0.25 * 2**failures))
                continue
            failures = 0
            now = time.monotonic()
            for records in batches.values():
                for record in records:
                    self._dispatch(record, now)
            self._prune(now)

    def _dispatch(self, record: Any, now: float) -> None:
        try:
            task_id, event = _decode(record.value)
        except Exception as exc:  # any bytes: JSON too deep, wrong types, bad protobuf...
            self.skipped += 1
            logger.warning("skipping malformed task event at offset %s: %r", record.offset, exc)
            return
        recent = self._recent.pop(task_id, None) or _Recent()
        recent.events.append((now, record.offset, event))
        self._recent[task_id] = recent  # most recently used last
        for subscription in list(self._subscribers.get(task_id, ())):
            if record.offset > subscription.replayed_up_to:
                subscription.offer(record.offset, event)
        origin = _origin(record.headers)
        for listener in self._listeners:
            try:
                listener(task_id, event, origin)
            except Exception:
                logger.exception("task event listener failed")

    def _prune(self, now: float) -> None:
        horizon = now - self._replay_window
        while self._recent:
            task_id, recent = next(iter(self._recent.items()))
            stale = not recent.events or recent.events[-1][0] < horizon
            if not stale and len(self._recent) <= self._max_tasks:
                break
            del self._recent[task_id]

    async def aclose(self) -> None:
        """Stop consuming, end every subscription, flush the producer. Idempotent."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for subscriptions in self._subscribers.values():
            for subscription in subscriptions:
                subscription.close()
        if self._consumer is not None:
            await close_quietly(f"{self.topic} consumer", self._consumer.stop)
            self._consumer = None
        if self._producer is not None:
            await close_producer(f"{self.topic} producer", self._producer)
            self._producer = None


def _version_value(version: TaskVersion) -> int | str:
    # TaskVersion keeps its value private; a2a's own stores read it the same way.
    value: int | str = version._value
    return value


def _origin(headers: Any) -> str:
    """The ``a2a-kafka-origin`` header's text; "" when missing or null."""
    for name, raw in headers or ():
        if name == ORIGIN and isinstance(raw, bytes):
            return raw.decode(errors="replace")
    return ""


def _decode(value: bytes | None) -> tuple[str, VersionedEvent]:
    body = json.loads(value or b"")
    response = ParseDict(body["event"], StreamResponse(), ignore_unknown_fields=True)
    event = _event_of(response)
    return str(body["taskId"]), VersionedEvent(event=event, version=TaskVersion(body["version"]))


def _event_of(response: StreamResponse) -> Event:
    which = response.WhichOneof("payload")
    if which is None:
        raise ValueError("task event without payload")
    event: Event = getattr(response, which)
    return event


def _log_failure(delivery: asyncio.Future[Any]) -> None:
    if not delivery.cancelled() and (exc := delivery.exception()) is not None:
        logger.error("task event not delivered: %r", exc)
