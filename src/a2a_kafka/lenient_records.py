"""aiokafka reading any record: header keys that are not UTF-8 no longer stop a consumer.

aiokafka decodes each record header key as strict UTF-8 while a fetched batch is
iterated. One key that is not UTF-8 makes every ``getmany()`` that reaches it raise
`UnicodeDecodeError`, before any record of the fetch is returned: the consumer can
never pass that offset, whatever its owner does.

`install()` (called on ``import a2a_kafka``) replaces the ``MemoryRecords`` aiokafka's
fetcher wraps each fetched partition in. Batches are read by aiokafka's own fast
reader as before; only when it fails to decode a record of a batch is that batch read
again by `LenientBatch`, aiokafka's pure-Python reader with header keys decoded with
``errors="replace"``, resuming after the records already returned. A key that is not
UTF-8 therefore arrives with U+FFFD (`NOT_UTF8`) where its bad bytes were; the value,
the key, header values, offsets and every other record of the fetch are unchanged.
Consumers of this project treat such a header as malformed (see ``docs/reliability.md``).

A batch that cannot be read at all (its CRC does not match, or a record fails to parse
in both readers) would make every ``getmany()`` raise `CorruptRecordException` and the
consumer could never pass it. Such a batch yields instead one *placeholder* record at
its last offset: no key, no value, one header `UNREADABLE` whose value says
why and which offsets were lost (`unreadable`). The fetch position moves past the
batch, so the records before and after it are returned as usual; consumers skip,
count and (the server) dead-letter the placeholder.

On an aiokafka upgrade: compare `_LenientBatchReader._read_msg` with aiokafka's
``_DefaultRecordBatchPy._read_msg`` (it is that method but for the key decoding);
``tests/unit/test_lenient_records.py`` fails if aiokafka's fast reader stops raising
on such a key (then this module may go) or the fallback stops reading the batch.

Internal module: not part of the public API; use what `a2a_kafka` exports.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from typing import Any

from aiokafka.consumer import fetcher
from aiokafka.errors import CorruptRecordException
from aiokafka.record.default_records import _DefaultRecordBatchPy, _DefaultRecordPy
from aiokafka.record.memory_records import MemoryRecords
from aiokafka.record.util import decode_varint

from a2a_kafka.wire import NOT_UTF8, MalformedRecordError

__all__ = [
    "NOT_UTF8",
    "UNREADABLE",
    "LenientMemoryRecords",
    "UnreadableRecordError",
    "install",
    "unreadable",
]

UNREADABLE = "a2a-kafka-unreadable"
"""The one header of a placeholder record standing for the unreadable part of a batch."""


_LENGTH = struct.Struct(">i")
_LOG_OVERHEAD = 12  # base offset (8 bytes) and length (4) before every batch


def install() -> None:
    """Make aiokafka's consumers read batches with `LenientMemoryRecords`. Idempotent."""
    fetcher.MemoryRecords = LenientMemoryRecords


class LenientMemoryRecords:
    """aiokafka's ``MemoryRecords`` of one fetched partition, yielding `LenientBatch`-es."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._fast: Any = MemoryRecords(data)
        self._pos = 0

    def size_in_bytes(self) -> int:
        return int(self._fast.size_in_bytes())

    def has_next(self) -> bool:
        return bool(self._fast.has_next())

    def next_batch(self) -> Any:
        batch = self._fast.next_batch()
        if batch is None:
            return None
        start = self._pos
        self._pos = start + _LOG_OVERHEAD + _LENGTH.unpack_from(self._data, start + 8)[0]
        if batch.magic < 2:  # formats v0 and v1 have no headers
            return batch
        return LenientBatch(batch, memoryview(self._data)[start : self._pos])


class LenientBatch:
    """A v2 record batch: aiokafka's fast reader, else the lenient one from where it failed."""

    def __init__(self, fast: Any, raw: memoryview) -> None:
        self._fast = fast
        self._raw = raw
        self._crc_ok = True

    def validate_crc(self) -> bool:
        """Always true: a mismatch is remembered and the batch read as one placeholder."""
        self._crc_ok = bool(self._fast.validate_crc())
        return True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fast, name)

    def __next__(self) -> Any:  # aiokafka reads a control batch's one record with next()
        return next(self._fast)

    def __iter__(self) -> Iterator[Any]:
        first = self._fast.base_offset
        if not self._crc_ok:
            yield self._placeholder(first, "CRC mismatch")
            return
        returned = 0
        try:
            for record in self._fast:
                yield record
                returned += 1
                first = record.offset + 1
            return
        except UnicodeDecodeError:
            pass
        except Exception as exc:  # the lenient reader below fails the same way, or reads it
            failure: Exception = exc
        try:
            for index, record in enumerate(_LenientBatchReader(self._raw)):
                if index >= returned:
                    yield record
                    first = record.offset + 1
            return
        except Exception as exc:
            failure = exc
        yield self._placeholder(first, f"a record does not parse: {failure!r}")

    def _placeholder(self, first: int, why: str) -> _DefaultRecordPy:
        last = self._fast.base_offset + self._fast.last_offset_delta
        reason = f"{why}; offsets {first}..{last} of this batch cannot be read"
        return _DefaultRecordPy(  # at the last offset: never before a fetch's start offset
            last,
            self._fast.first_timestamp,
            self._fast.timestamp_type,
            None,
            None,
            [(UNREADABLE, reason[:1000].encode())],
        )


class UnreadableRecordError(MalformedRecordError):
    """Records of a batch cannot be read at all; a placeholder stands for them."""


def unreadable(record: Any) -> str | None:
    """Why ``record`` (a `ConsumerRecord`) is a placeholder for unreadable records, or None.

    A producer can write a record of that exact shape (no key, no value, that one
    header); it is then taken for a placeholder, and nothing of it is lost.
    """
    headers = tuple(record.headers or ())
    if record.key is None and record.value is None and len(headers) == 1:
        name, value = headers[0]
        if name == UNREADABLE and isinstance(value, bytes):
            return value.decode(errors="replace")
    return None


class _LenientBatchReader(_DefaultRecordBatchPy):  # type: ignore[misc]
    """aiokafka's pure-Python batch reader; `_read_msg` is its own but for the key decoding."""

    def _read_msg(
        self, decode_varint: Callable[[bytearray, int], tuple[int, int]] = decode_varint
    ) -> _DefaultRecordPy:
        buffer = self._buffer
        start: int = self._pos  # type: ignore[has-type]
        length, pos = decode_varint(buffer, start)
        start_pos = pos
        _, pos = decode_varint(buffer, pos)  # attributes: unused
        ts_delta, pos = decode_varint(buffer, pos)
        if self.timestamp_type == self.LOG_APPEND_TIME:
            timestamp = self.max_timestamp
        else:
            timestamp = self.first_timestamp + ts_delta
        offset_delta, pos = decode_varint(buffer, pos)
        key, pos = _nullable_bytes(buffer, pos)
        value, pos = _nullable_bytes(buffer, pos)
        header_count, pos = decode_varint(buffer, pos)
        if header_count < 0:
            raise CorruptRecordException(f"Found invalid number of record headers {header_count}")
        headers: list[tuple[str, bytes | None]] = []
        for _ in range(header_count):
            h_key_len, pos = decode_varint(buffer, pos)
            if h_key_len < 0:
                raise CorruptRecordException(f"Invalid negative header key size {h_key_len}")
            h_key = buffer[pos : pos + h_key_len].decode("utf-8", errors="replace")
            h_value, pos = _nullable_bytes(buffer, pos + h_key_len)
            headers.append((h_key, h_value))
        if pos - start_pos != length:
            raise CorruptRecordException(
                f"Invalid record size: expected {length} bytes, read {pos - start_pos}"
            )
        self._pos = pos
        offset = self.base_offset + offset_delta
        return _DefaultRecordPy(offset, timestamp, self.timestamp_type, key, value, headers)


def _nullable_bytes(buffer: bytearray, pos: int) -> tuple[bytes | None, int]:
    size, pos = decode_varint(buffer, pos)
    if size < 0:
        return None, pos
    return bytes(buffer[pos : pos + size]), pos + size
