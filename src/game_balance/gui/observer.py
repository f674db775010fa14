"""The wire panel's source: a consumer that watches the agents' traffic without joining it.

`WireObserver` reads, with no consumer group (manual assignment, no commits, invisible to
the agents), the request topics ``<prefix>agent.<name>.requests`` of the agents it is told to
watch, from their end offsets when it starts, and every reply topic that an observed request
names in its ``a2a-kafka-reply-topic`` header, from that request's timestamp on. Each record
goes through a `Correlator`; the resulting rows are kept (the last `history` of them) and
pushed to every subscriber, together with ``status`` events saying whether the broker answers.

It never raises to its user: when the cluster cannot be reached it reports ``broker: down``
and retries every `RETRY_S` seconds, resuming where it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from a2a_kafka.config import KafkaConfig
from a2a_kafka.topics import AgentTopics
from game_balance.gui.wire import Correlator, Row, Topics

logger = logging.getLogger(__name__)

RETRY_S = 2.0
DISCOVER_EVERY_S = 1.0
ADMIN_TIMEOUT_S = 5.0
POLL_MS = 200


class WireObserver:
    """Watches the A2A records of ``agents`` on the cluster of ``config``.

    Args:
        config: the cluster (and topic prefix) the agents use.
        agents: names of the agents whose request topics to watch.
        history: rows kept for subscribers that join later.
    """

    def __init__(self, config: KafkaConfig, agents: Sequence[str], history: int = 1_000) -> None:
        self.config = config
        self.agents = tuple(agents)
        self.correlator = Correlator(Topics(config.topic_prefix))
        self.status: dict[str, Any] = {"type": "status", "broker": "connecting", "detail": ""}
        self._history: deque[Row] = deque(maxlen=history)
        self._subscribers: set[asyncio.Queue[Row]] = set()
        self._positions: dict[TopicPartition, int] = {}
        self._wanted_replies: dict[TopicPartition, int] = {}  # partition → request time (ms)
        self._started_ms = 0
        self._first_discovery = True
        self._consumer: AIOKafkaConsumer | None = None
        self._admin: AIOKafkaAdminClient | None = None
        self._task: asyncio.Task[None] | None = None
        self.skipped = 0
        """Records that could not be shown (logged and skipped)."""
        self.ready = asyncio.Event()
        """Set once every watched request topic is assigned (positioned at its end)."""

    async def start(self) -> None:
        """Start watching in the background (returns at once; see `ready`)."""
        if self._task is None:
            self._started_ms = int(time.time() * 1000)
            self._task = asyncio.create_task(self._run(), name="wire-observer")

    async def aclose(self) -> None:
        """Stop watching; idempotent."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._disconnect()

    def unanswered(self, older_than: float, since: float = 0.0) -> list[Row]:
        """Requests seen since ``since`` (`time.monotonic`), at least ``older_than`` seconds
        ago, that have no reply yet."""
        return self.correlator.unanswered(older_than, since)

    async def subscribe(self) -> AsyncIterator[Row]:
        """The current status, the kept rows, then every new row or status as it comes."""
        queue: asyncio.Queue[Row] = asyncio.Queue(maxsize=10_000)
        self._subscribers.add(queue)
        status, kept = dict(self.status), list(self._history)  # taken with the queue: no gap
        try:
            yield status
            for row in kept:
                yield row
            while True:
                yield await queue.get()
        finally:
            self._subscribers.discard(queue)

    def _publish(self, row: Row) -> None:
        if row.get("type") != "status":
            self._history.append(row)
        for queue in self._subscribers:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(row)

    def _set_status(self, broker: str, detail: str = "") -> None:
        if (self.status["broker"], self.status["detail"]) != (broker, detail):
            self.status = {"type": "status", "broker": broker, "detail": detail}
            self._publish(dict(self.status))

    async def _run(self) -> None:
        while True:
            try:
                await self._connect()
                self._set_status("up")
                await self._consume()
            except (KafkaError, OSError, TimeoutError) as exc:
                logger.debug("wire observer lost the cluster: %r", exc)
                self._set_status(
                    "down", f"cannot reach Kafka at {self.config.bootstrap_servers}: {exc!r}"
                )
                await self._disconnect()
                await asyncio.sleep(RETRY_S)
            except Exception as exc:  # supervised: logged at once, restarted after a pause
                logger.exception("wire observer failed; restarting")
                self._set_status("down", f"wire observer failed: {exc!r}")
                await self._disconnect()
                await asyncio.sleep(RETRY_S)

    async def _connect(self) -> None:
        options = self.config.client_options()
        timeout_ms = int(ADMIN_TIMEOUT_S * 1000)
        self._admin = AIOKafkaAdminClient(**options, request_timeout_ms=timeout_ms)
        self._consumer = AIOKafkaConsumer(
            **options,
            group_id=None,
            enable_auto_commit=False,
            fetch_max_wait_ms=100,
            request_timeout_ms=timeout_ms,
        )
        async with asyncio.timeout(ADMIN_TIMEOUT_S * 2):
            await self._admin.start()
            await self._consumer.start()
            await self._discover()

    async def _disconnect(self) -> None:
        consumer, self._consumer = self._consumer, None
        admin, self._admin = self._admin, None
        if consumer is not None:
            with contextlib.suppress(Exception):
                await consumer.stop()
        if admin is not None:
            with contextlib.suppress(Exception):
                await admin.close()

    async def _consume(self) -> None:
        assert self._consumer is not None
        next_discovery = time.monotonic() + DISCOVER_EVERY_S
        while True:
            batches = await self._consumer.getmany(timeout_ms=POLL_MS)
            records = sorted(
                (record for batch in batches.values() for record in batch),
                key=lambda r: (r.timestamp, r.offset),
            )
            for record in records:
                self._positions[TopicPartition(record.topic, record.partition)] = record.offset + 1
                try:  # any bytes: a record that cannot be shown is skipped, not fatal
                    for row in self.correlator.add(record):
                        self._publish(row)
                        self._want_reply_partition(row)
                except Exception:
                    self.skipped += 1
                    logger.warning(
                        "wire observer skipped %s/%d@%d",
                        record.topic,
                        record.partition,
                        record.offset,
                        exc_info=True,
                    )
            for row in self.correlator.flush():
                self._publish(row)
            if self._wanted_replies or time.monotonic() >= next_discovery:
                await self._discover()
                next_discovery = time.monotonic() + DISCOVER_EVERY_S

    def _want_reply_partition(self, row: Row) -> None:
        if row.get("direction") == "request" and row.get("reply_topic"):
            partition = TopicPartition(row["reply_topic"], int(row["reply_partition"]))
            if partition not in self._positions:
                self._wanted_replies.setdefault(partition, int(row["timestamp"]))

    async def _discover(self) -> None:
        """Assign the watched request topics that exist and the reply topics asked for."""
        assert self._admin is not None
        assert self._consumer is not None
        async with asyncio.timeout(ADMIN_TIMEOUT_S):
            existing = set(await self._admin.list_topics())
        requests = [AgentTopics.of(self.config, a).requests for a in self.agents]
        new_requests = [t for t in requests if t in existing and not self._has(t)]
        starts: dict[TopicPartition, int] = {}
        if new_requests:
            starts |= await self._request_starts(new_requests)
        wanted = {tp: ts for tp, ts in self._wanted_replies.items() if tp.topic in existing}
        self._wanted_replies.clear()
        if wanted:
            starts |= await self._reply_starts(wanted)
        gone = [tp for tp in self._positions if tp.topic not in existing]
        if starts or gone or not self._consumer.assignment():
            self._reassign(starts, gone)
        self._first_discovery = False
        if all(self._has(t) for t in requests):
            self.ready.set()

    def _has(self, topic: str) -> bool:
        return any(tp.topic == topic for tp in self._positions)

    async def _request_starts(self, topics: Iterable[str]) -> dict[TopicPartition, int]:
        """Request topics start at their end (at the first connect) or beginning (new later)."""
        assert self._admin is not None
        assert self._consumer is not None
        async with asyncio.timeout(ADMIN_TIMEOUT_S):
            described = await self._admin.describe_topics(list(topics))
            partitions = [
                TopicPartition(d["topic"], p["partition"])
                for d in described
                if not d.get("error_code")
                for p in d["partitions"]
            ]
            if self._first_discovery:
                offsets = await self._consumer.end_offsets(partitions)
            else:
                offsets = await self._consumer.beginning_offsets(partitions)
        return {tp: int(offset) for tp, offset in offsets.items()}

    async def _reply_starts(self, wanted: dict[TopicPartition, int]) -> dict[TopicPartition, int]:
        """A reply partition starts at its first record not older than the request naming it."""
        assert self._consumer is not None
        async with asyncio.timeout(ADMIN_TIMEOUT_S):
            ends = await self._consumer.end_offsets(list(wanted))
            found = await self._consumer.offsets_for_times(
                {tp: max(ts, self._started_ms) - 1_000 for tp, ts in wanted.items()}
            )
        return {tp: found[tp].offset if found.get(tp) else int(ends[tp]) for tp in wanted}

    def _reassign(self, starts: dict[TopicPartition, int], gone: Sequence[TopicPartition]) -> None:
        assert self._consumer is not None
        for tp in gone:
            self._positions.pop(tp, None)
        self._positions.update(starts)
        self._consumer.assign(list(self._positions))
        for tp, offset in self._positions.items():
            self._consumer.seek(tp, offset)
