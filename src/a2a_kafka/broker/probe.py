"""Is a Kafka broker answering? One ApiVersions round trip over TCP says so.

ApiVersions is the first request every Kafka client sends and every broker
answers (also before SASL), so a correct reply means the broker accepts and
processes requests on that listener.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct

_API_VERSIONS = 18
_CORRELATION_ID = 0x0A2A
_CLIENT_ID = b"a2a-kafka-probe"
_HEADER = struct.pack(">hhih", _API_VERSIONS, 0, _CORRELATION_ID, len(_CLIENT_ID)) + _CLIENT_ID
_REQUEST = struct.pack(">i", len(_HEADER)) + _HEADER


async def answers(host: str, port: int, within: float = 2.0) -> bool:
    """True when ``host:port`` answers an ApiVersions request without error in time."""
    try:
        async with asyncio.timeout(within):
            return await _round_trip(host, port)
    except (OSError, TimeoutError, asyncio.IncompleteReadError, struct.error):
        return False


async def _round_trip(host: str, port: int) -> bool:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(_REQUEST)
        await writer.drain()
        (size,) = struct.unpack(">i", await reader.readexactly(4))
        correlation_id, error_code = struct.unpack(">ih", await reader.readexactly(min(size, 6)))
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    return bool(correlation_id == _CORRELATION_ID and error_code == 0)
