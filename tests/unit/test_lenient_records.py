"""`lenient_records`: aiokafka's fetcher reads every record of a batch, keys not UTF-8 too."""

from __future__ import annotations

import sys
from pathlib import Path
from unittest import mock

import pytest
from aiokafka.consumer.fetcher import PartitionRecords
from aiokafka.record.default_records import _DefaultRecordBatchBuilderPy
from aiokafka.record.memory_records import MemoryRecords
from aiokafka.structs import TopicPartition

import a2a_kafka  # noqa: F401 - installs the lenient reader
from a2a_kafka.lenient_records import NOT_UTF8, UNREADABLE, LenientMemoryRecords, unreadable

sys.path.insert(0, str(Path(__file__).parent.parent / "reliability"))
from hostile import RawKey

TP = TopicPartition("t", 0)


def batch(base: int, headers_of: list[list[tuple[bytes, bytes | None]]], codec: int = 0) -> bytes:
    builder = _DefaultRecordBatchBuilderPy(2, codec, 0, -1, -1, -1, 1 << 20)
    for delta, headers in enumerate(headers_of):
        named = [(RawKey(name), value) for name, value in headers]
        builder.append(delta, None, f"k{delta}".encode(), f"v{delta}".encode(), named)
    data = bytearray(builder.build())
    data[0:8] = base.to_bytes(8, "big")
    return bytes(data)


def read(data: bytes, fetch_offset: int = 0) -> list[tuple[int, bytes | None, list[object]]]:
    records = PartitionRecords(
        TP, LenientMemoryRecords(data), None, fetch_offset, None, None, True, 0
    )
    return [(r.offset, r.value, list(r.headers)) for r in records]


@pytest.mark.parametrize("codec", [0, 1])  # none, gzip
def test_every_record_of_the_fetch_is_read_and_only_the_bad_key_is_replaced(codec: int) -> None:
    data = batch(5, [[(b"a", b"1")], [(b"\xff\xfeb", b"2"), (b"c", None)], [(b"d", b"3")]], codec)
    data += batch(8, [[(b"e", b"4")]])
    assert read(data) == [
        (5, b"v0", [("a", b"1")]),
        (6, b"v1", [(f"{NOT_UTF8}{NOT_UTF8}b", b"2"), ("c", None)]),
        (7, b"v2", [("d", b"3")]),
        (8, b"v0", [("e", b"4")]),
    ]


def test_records_before_the_fetch_offset_are_not_returned_again() -> None:
    data = batch(0, [[(b"a", b"1")], [(b"\xff", b"2")], [(b"\xfe", b"3")]])
    assert [offset for offset, _, _ in read(data, fetch_offset=2)] == [2]


def test_aiokafkas_own_reader_stops_at_such_a_key() -> None:
    data = batch(0, [[(b"a", b"1")], [(b"\xff", b"2")]])
    records = PartitionRecords(TP, MemoryRecords(data), None, 0, None, None, True, 0)
    with pytest.raises(UnicodeDecodeError):
        list(records)


def test_installed_in_aiokafkas_fetcher() -> None:
    from aiokafka.consumer import fetcher

    assert fetcher.MemoryRecords is LenientMemoryRecords


def _recrc(data: bytearray) -> bytes:
    from aiokafka.record.util import calc_crc32c

    data[17:21] = calc_crc32c(bytes(data[21:])).to_bytes(4, "big")  # v2: CRC of attributes..end
    return bytes(data)


def corrupt_crc(data: bytes) -> bytes:
    bad = bytearray(data)
    bad[-1] ^= 0xFF  # the last header value's last byte: only the CRC notices
    return bytes(bad)


def unparsable(data: bytes) -> bytes:
    """The batch with a correct CRC whose second record's length is wrong by one."""
    bad = bytearray(data)
    second = 61 + bad[61] // 2 + 1  # records start after the 61-byte header; length varint
    bad[second] += 2  # zigzag: one byte longer
    return _recrc(bad)


@pytest.mark.parametrize("damage", [corrupt_crc, unparsable])
def test_an_unreadable_batch_is_one_placeholder_and_the_fetch_goes_on(damage: object) -> None:
    assert callable(damage)
    data = batch(0, [[(b"a", b"1")]])
    data += damage(batch(1, [[(b"b", b"2")], [(b"c", b"3")], [(b"d", b"4")]]))
    data += batch(4, [[(b"e", b"5")]])
    got = read(data)
    readable = [] if damage is corrupt_crc else [(1, b"v0")]  # the record before the bad one
    expected = [(0, b"v0"), *readable, (3, None), (4, b"v0")]
    assert [(offset, value) for offset, value, _ in got] == expected
    assert got[-2][2] == [(UNREADABLE, mock.ANY)]
    reason = bytes(got[-2][2][0][1]).decode()  # type: ignore[index]
    assert (" 1..3 " if damage is corrupt_crc else " 2..3 ") in reason
    assert ("CRC" in reason) == (damage is corrupt_crc)


def test_the_records_before_a_failing_record_of_its_batch_are_returned() -> None:
    data = unparsable(batch(0, [[(b"a", b"1")], [(b"b", b"2")], [(b"c", b"3")]]))
    assert [(offset, value) for offset, value, _ in read(data)] == [(0, b"v0"), (2, None)]


def test_a_placeholder_is_recognised_and_an_ordinary_record_is_not() -> None:
    from aiokafka.structs import ConsumerRecord

    def record(key: bytes | None, value: bytes | None, headers: list[object]) -> object:
        return ConsumerRecord("t", 0, 3, 0, 0, key, value, None, -1, -1, tuple(headers))

    assert unreadable(record(None, None, [(UNREADABLE, b"why")])) == "why"
    assert unreadable(record(None, b"v", [(UNREADABLE, b"why")])) is None
    assert unreadable(record(None, None, [(UNREADABLE, None)])) is None
    assert unreadable(record(None, None, [("x", b"why")])) is None


def test_aiokafkas_own_reader_stops_at_a_crc_mismatch() -> None:
    from aiokafka.errors import CorruptRecordException

    data = corrupt_crc(batch(0, [[(b"a", b"1")]]))
    records = PartitionRecords(TP, MemoryRecords(data), None, 0, None, None, True, 0)
    with pytest.raises(CorruptRecordException):
        list(records)
