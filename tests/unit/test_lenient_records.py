"""`lenient_records`: aiokafka's fetcher reads every record of a batch, keys not UTF-8 too."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from aiokafka.consumer.fetcher import PartitionRecords
from aiokafka.record.default_records import _DefaultRecordBatchBuilderPy
from aiokafka.record.memory_records import MemoryRecords
from aiokafka.structs import TopicPartition

import a2a_kafka  # noqa: F401 - installs the lenient reader
from a2a_kafka.lenient_records import NOT_UTF8, LenientMemoryRecords

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
