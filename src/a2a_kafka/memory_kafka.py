"""`MemoryKafka`: an in-memory Kafka for unit tests, as a `KafkaClientFactory` (public).

Give it to a config (``KafkaConfig(client_factory=MemoryKafka())``) and every producer,
consumer and admin client the library makes for that config reads and writes the same
in-process topics: no broker, no network, deterministic. It models what the library
relies on: topics of numbered partitions holding records at consecutive offsets,
producers appending (acknowledged at once), consumers with assigned partitions,
positions, ``getmany`` waiting for new records, and committed offsets per group. A
consumer created with topics gets all their partitions (one member per group: no
rebalancing). Not modelled: replication, transactions, quotas, retention, security.
Integration tests use a real broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import UnknownTopicOrPartitionError
from aiokafka.structs import RecordMetadata

Header = tuple[str, bytes]


@dataclass
class _Topic:
    partitions: list[list[ConsumerRecord[bytes | None, bytes | None]]]


@dataclass
class MemoryKafka:
    """The topics, and the factory of clients that share them.

    Args:
        partitions: partitions of topics created without a count (by ``create``).
    """

    partitions: int = 1
    topics: dict[str, _Topic] = field(default_factory=dict)
    committed: dict[tuple[str, TopicPartition], int] = field(default_factory=dict)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    # -- the broker ---------------------------------------------------------------

    def create(self, topic: str, partitions: int | None = None) -> None:
        """Create ``topic`` (no-op if it exists)."""
        if topic not in self.topics:
            self.topics[topic] = _Topic([[] for _ in range(partitions or self.partitions)])

    def append(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None = None,
        partition: int | None = None,
        headers: Sequence[Header] = (),
    ) -> RecordMetadata:
        """Write one record, as a producer would; raises when the topic does not exist."""
        found = self.topics.get(topic)
        if found is None:
            raise UnknownTopicOrPartitionError(f"no topic {topic!r}")
        number = partition if partition is not None else hash(key or b"") % len(found.partitions)
        log = found.partitions[number]
        record = ConsumerRecord(
            topic, number, len(log), int(time.time() * 1000), 0, key, value, None,
            len(key or b""), len(value or b""), tuple(headers),
        )  # fmt: skip
        log.append(record)
        self._arrived.set()
        self._arrived = asyncio.Event()
        return RecordMetadata(topic, number, TopicPartition(topic, number), record.offset, -1,
                              record.timestamp, 0)  # fmt: skip

    def records(self, topic: str) -> list[ConsumerRecord[bytes | None, bytes | None]]:
        """Every record of ``topic``, partition by partition."""
        return [r for log in self.topics[topic].partitions for r in log]

    def end(self, tp: TopicPartition) -> int:
        return len(self.topics[tp.topic].partitions[tp.partition]) if tp.topic in self.topics else 0

    async def arrival(self, timeout: float) -> None:
        """Wait until a record is appended, at most ``timeout`` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._arrived.wait(), timeout)

    # -- the KafkaClientFactory -----------------------------------------------------

    def producer(self, **options: Any) -> Any:
        return _Producer(self)

    def consumer(self, *topics: str, **options: Any) -> Any:
        return _Consumer(self, topics, options.get("group_id"), options)

    def admin(self, **options: Any) -> Any:
        return _Admin(self)


class _Producer:
    def __init__(self, kafka: MemoryKafka) -> None:
        self.kafka = kafka
        self.client = _MetadataClient(kafka)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, topic: str, value: bytes | None = None, **options: Any) -> Any:
        delivery: asyncio.Future[RecordMetadata] = asyncio.get_running_loop().create_future()
        try:
            delivery.set_result(self._append(topic, value, options))
        except Exception as exc:  # failures arrive through the future, as aiokafka's
            delivery.set_exception(exc)
        return delivery

    async def send_and_wait(self, topic: str, value: bytes | None = None, **options: Any) -> Any:
        return self._append(topic, value, options)

    async def partitions_for(self, topic: str) -> set[int]:
        return set(range(len(self.kafka.topics[topic].partitions)))

    def _append(self, topic: str, value: bytes | None, options: dict[str, Any]) -> RecordMetadata:
        return self.kafka.append(
            topic,
            value,
            key=options.get("key"),
            partition=options.get("partition"),
            headers=options.get("headers") or (),
        )


class _MetadataClient:
    """What the library asks a producer's ``client`` for: topic metadata."""

    def __init__(self, kafka: MemoryKafka) -> None:
        self.kafka = kafka
        self._topics: set[str] = set()

    def get_random_node(self) -> int:
        return 0

    def set_topics(self, topics: Iterable[str]) -> None:
        self._topics = set(topics)

    async def send(self, node: int, request: Any) -> Any:
        topics = getattr(request, "topics", None) or getattr(request, "_topics", None) or []
        names = [t if isinstance(t, str) else t[0] for t in topics]
        return _Metadata([self._topic(name) for name in names])

    def _topic(self, name: str) -> dict[str, Any]:
        found = self.kafka.topics.get(name)
        if found is None:
            return {
                "topic": name,
                "error_code": UnknownTopicOrPartitionError.errno,
                "partitions": [],
            }
        parts = [{"partition": i} for i in range(len(found.partitions))]
        return {"topic": name, "error_code": 0, "partitions": parts}


@dataclass
class _Metadata:
    topics: list[dict[str, Any]]

    def to_object(self) -> dict[str, Any]:
        return {"topics": self.topics}


class _Consumer:
    def __init__(
        self, kafka: MemoryKafka, topics: Sequence[str], group: str | None, options: dict[str, Any]
    ) -> None:
        self.kafka = kafka
        self.group = group
        self._topics = list(topics)
        self._earliest = options.get("auto_offset_reset") == "earliest"
        self._positions: dict[TopicPartition, int] = {}
        self._paused: set[TopicPartition] = set()

    async def start(self) -> None:
        tps = [
            TopicPartition(t, p)
            for t in self._topics
            if t in self.kafka.topics
            for p in range(len(self.kafka.topics[t].partitions))
        ]
        if tps:
            self.assign(tps)

    async def stop(self) -> None:
        self._positions.clear()

    def assign(self, partitions: Iterable[TopicPartition]) -> None:
        self._positions = {tp: self._start_of(tp) for tp in partitions}

    def assignment(self) -> set[TopicPartition]:
        return set(self._positions)

    def _start_of(self, tp: TopicPartition) -> int:
        committed = self.kafka.committed.get((self.group or "", tp)) if self.group else None
        if committed is not None:
            return committed
        return 0 if self._earliest else self.kafka.end(tp)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self._positions[tp] = offset

    async def seek_to_end(self, *tps: TopicPartition) -> None:
        for tp in tps or tuple(self._positions):
            self._positions[tp] = self.kafka.end(tp)

    async def seek_to_beginning(self, *tps: TopicPartition) -> None:
        for tp in tps or tuple(self._positions):
            self._positions[tp] = 0

    async def position(self, tp: TopicPartition) -> int:
        return self._positions[tp]

    def pause(self, *tps: TopicPartition) -> None:
        self._paused.update(tps)

    def resume(self, *tps: TopicPartition) -> None:
        self._paused.difference_update(tps)

    def paused(self) -> set[TopicPartition]:
        return set(self._paused)

    async def getmany(
        self, *tps: TopicPartition, timeout_ms: int = 0, max_records: int | None = None
    ) -> dict[TopicPartition, list[ConsumerRecord[bytes | None, bytes | None]]]:
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            found = self._fetch(tps, max_records)
            left = deadline - time.monotonic()
            if found or left <= 0:
                return found
            await self.kafka.arrival(left)

    def _fetch(
        self, tps: Sequence[TopicPartition], limit: int | None
    ) -> dict[TopicPartition, list[ConsumerRecord[bytes | None, bytes | None]]]:
        found = {}
        for tp in tps or tuple(self._positions):
            if tp in self._paused or tp not in self._positions:
                continue
            log = self.kafka.topics[tp.topic].partitions[tp.partition]
            start = self._positions[tp]
            batch = log[start : None if limit is None else start + limit]
            if batch:
                found[tp] = batch
                self._positions[tp] += len(batch)
        return found

    async def commit(self, offsets: dict[TopicPartition, int] | None = None) -> None:
        for tp, offset in (offsets or self._positions).items():
            self.kafka.committed[(self.group or "", tp)] = offset

    async def committed(self, tp: TopicPartition) -> int | None:
        return self.kafka.committed.get((self.group or "", tp))

    async def end_offsets(self, tps: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: self.kafka.end(tp) for tp in tps}

    async def beginning_offsets(self, tps: Iterable[TopicPartition]) -> dict[TopicPartition, int]:
        return dict.fromkeys(tps, 0)


class _Admin:
    def __init__(self, kafka: MemoryKafka) -> None:
        self.kafka = kafka

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def list_topics(self) -> list[str]:
        return list(self.kafka.topics)

    async def create_topics(self, new_topics: Iterable[Any]) -> Any:
        for topic in new_topics:
            self.kafka.create(topic.name, topic.num_partitions)
        return None

    async def describe_topics(self, names: Iterable[str]) -> list[dict[str, Any]]:
        return [_MetadataClient(self.kafka)._topic(name) for name in names]

    async def delete_topics(self, names: Iterable[str]) -> None:
        for name in names:
            self.kafka.topics.pop(name, None)
