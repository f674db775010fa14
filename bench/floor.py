"""The floor: raw aiokafka request → reply, the same payloads, no A2A processing.

The server echoes each request record's value to the reply address in its
headers (``n`` times for a stream). The client mirrors the binding's
requester: one producer, one private one-partition reply topic, one consumer
assigned to it, replies routed by correlation id. Both use the library's
producer and consumer settings (see `bench.tuning`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.admin import AIOKafkaAdminClient

from a2a_kafka import KafkaConfig
from a2a_kafka.server.handler import _until_listed
from a2a_kafka.topics import ensure_topics
from bench.tuning import Tuning

CID, REPLY_TOPIC, COUNT = "cid", "reply-topic", "count"


def floor_topic(agent: str) -> str:
    """The floor's request topic (and consumer group) for a run's agent name."""
    return f"bench.floor.{agent}"


class FloorServer:
    """Echoes request records of ``topic`` (consumer group ``group``) to their reply topic."""

    def __init__(self, config: KafkaConfig, topic: str, group: str, tuning: Tuning) -> None:
        self._config, self._topic, self._group, self._tuning = config, topic, group, tuning
        self._tasks: set[asyncio.Task[None]] = set()
        self.handled = 0

    async def serve(self, ready: asyncio.Event) -> None:
        """Join the group, set ``ready`` once assigned, then echo until cancelled."""
        await ensure_topics(self._config, [self._topic])
        producer = AIOKafkaProducer(
            **self._config.client_options(), **self._tuning.producer_options()
        )
        consumer = AIOKafkaConsumer(
            **self._config.client_options(),
            group_id=self._group,
            auto_offset_reset="latest",
            **self._tuning.consumer_options(),
        )
        await producer.start()
        await consumer.start()
        try:
            # as the library's handler does: a group formed before the new topic is listed
            # assigns nobody its partitions until the next metadata refresh, minutes later
            await _until_listed(consumer, self._topic)
            consumer.subscribe([self._topic], listener=_Assigned(ready))
            while True:
                for records in (await consumer.getmany(timeout_ms=200)).values():
                    for record in records:
                        self._spawn(producer, record.headers, record.value)
        finally:
            await consumer.stop()
            await producer.stop()

    def _spawn(self, producer: AIOKafkaProducer, headers: Any, value: bytes) -> None:
        task = asyncio.create_task(self._echo(producer, dict(headers), value))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _echo(
        self, producer: AIOKafkaProducer, headers: dict[str, bytes], value: bytes
    ) -> None:
        self.handled += 1
        topic = headers[REPLY_TOPIC].decode()
        sends = [
            await producer.send(topic, value, partition=0, headers=[(CID, headers[CID])])
            for _ in range(int(headers[COUNT]))
        ]
        await asyncio.gather(*sends)


class _Assigned(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, ready: asyncio.Event) -> None:
        self._ready = ready

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        pass

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        if assigned:  # an empty assignment serves nothing: not ready yet
            self._ready.set()


class FloorClient:
    """Sends raw request records and waits for their echoes on a private reply topic."""

    def __init__(self, config: KafkaConfig, topic: str, tuning: Tuning) -> None:
        self._config, self._topic, self._tuning = config, topic, tuning
        self.reply_topic = f"bench.floor.replies.{uuid.uuid4().hex[:12]}"
        self._waiting: dict[bytes, asyncio.Queue[float]] = {}
        self._producer: AIOKafkaProducer | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await ensure_topics(self._config, [self.reply_topic], partitions=1)
        self._producer = AIOKafkaProducer(
            **self._config.client_options(), **self._tuning.producer_options()
        )
        await self._producer.start()
        self._consumer = AIOKafkaConsumer(
            **self._config.client_options(), group_id=None, **self._tuning.consumer_options()
        )
        await self._consumer.start()
        tp = TopicPartition(self.reply_topic, 0)
        self._consumer.assign([tp])
        await self._consumer.seek_to_end(tp)
        await self._consumer.position(tp)
        self._task = asyncio.create_task(self._route(self._consumer))

    async def _route(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                now = time.perf_counter()
                for record in records:
                    queue = self._waiting.get(dict(record.headers)[CID])
                    if queue is not None:
                        queue.put_nowait(now)

    async def call(self, payload: bytes, count: int = 1, timeout: float = 30.0) -> list[float]:
        """Send ``payload``; the arrival times (perf_counter) of its ``count`` echoes."""
        assert self._producer is not None
        cid = uuid.uuid4().bytes
        queue: asyncio.Queue[float] = asyncio.Queue()
        self._waiting[cid] = queue
        headers = [(CID, cid), (REPLY_TOPIC, self.reply_topic.encode()), (COUNT, b"%d" % count)]
        try:
            await self._producer.send_and_wait(self._topic, payload, headers=headers)
            async with asyncio.timeout(timeout):
                return [await queue.get() for _ in range(count)]
        finally:
            del self._waiting[cid]

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()
        if self._producer is not None:
            await self._producer.stop()
        admin = AIOKafkaAdminClient(**self._config.client_options())
        await admin.start()
        try:
            await admin.delete_topics([self.reply_topic])
        finally:
            await admin.close()
