"""Producing records no well-behaved client would: header keys that are not UTF-8, null values.

aiokafka's producer only takes ``str`` header keys and encodes them as UTF-8. `produce_raw`
writes header keys as the given bytes: it builds the batch with aiokafka's pure-Python batch
builder, which calls ``key.encode()``, and each key is a `RawKey` whose ``encode`` returns its
bytes unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import for_code
from aiokafka.protocol.produce import ProduceRequest
from aiokafka.record.default_records import _DefaultRecordBatchBuilderPy

from a2a_kafka import KafkaConfig

RawHeaders = Sequence[tuple[bytes, bytes | None]]
RawRecord = tuple[bytes | None, bytes | None, RawHeaders]
"""(key, value, headers)."""


class RawKey(str):
    """A header key written as exactly ``raw`` (with the pure-Python batch builder)."""

    raw: bytes

    def __new__(cls, raw: bytes) -> RawKey:
        made = super().__new__(cls, raw.decode("latin-1"))
        made.raw = raw
        return made

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return self.raw


async def produce_raw(
    config: KafkaConfig,
    topic: str,
    records: Sequence[RawRecord],
    partition: int | None = None,
) -> list[int]:
    """Produce (key, value, headers) records as one batch to ``partition`` (default 0).

    The batch is built here and sent with one ProduceRequest on a plain client, so no
    producer (this process's servers' included) is affected. Returns the offsets.
    """
    producer = AIOKafkaProducer(**config.client_options())
    await producer.start()
    try:
        tp = TopicPartition(topic, partition or 0)
        await producer.partitions_for(topic)
        leader = producer.client.cluster.leader_for_partition(tp)
        builder = _DefaultRecordBatchBuilderPy(2, 0, 0, -1, -1, -1, 64 << 20)
        now = int(time.time() * 1000)
        for delta, (key, value, headers) in enumerate(records):
            raw = [(RawKey(name), data) for name, data in headers]
            builder.append(delta, now, key, value, raw)  # type: ignore[arg-type]
        request = ProduceRequest(
            None, -1, 30_000, [(topic, [(tp.partition, bytes(builder.build()))])]
        )
        response = await producer.client.send(leader, request)
        (_, ((_, error, base, *_),)), *_ = response.topics
        if error:
            raise for_code(error)(f"producing to {tp}")
        return [base + n for n in range(len(records))]
    finally:
        await producer.stop()
