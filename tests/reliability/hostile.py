"""Producing records no well-behaved client would: header keys that are not UTF-8, null values.

aiokafka's producer only takes ``str`` header keys and encodes them as UTF-8. `produce_raw`
writes header keys as the given bytes: during the call the producer batches with aiokafka's
pure-Python batch builder, which calls ``key.encode()``, and each key is a `RawKey` whose
``encode`` returns its bytes unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from unittest import mock

from aiokafka import AIOKafkaProducer
from aiokafka.producer import message_accumulator
from aiokafka.producer import producer as producer_module
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
    """Produce (key, value, headers) records in one batch; returns their offsets."""
    producer = AIOKafkaProducer(**config.client_options(), linger_ms=50)
    await producer.start()
    try:
        python_builder = _DefaultRecordBatchBuilderPy
        with (
            mock.patch.object(message_accumulator, "DefaultRecordBatchBuilder", python_builder),
            mock.patch.object(producer_module, "DefaultRecordBatchBuilder", python_builder),
        ):
            futures = [
                await producer.send(
                    topic,
                    value,
                    key=key,
                    partition=partition,
                    headers=[(RawKey(name), data) for name, data in headers],
                )
                for key, value, headers in records
            ]
            await producer.flush()
        return [(await future).offset for future in futures]
    finally:
        await producer.stop()
