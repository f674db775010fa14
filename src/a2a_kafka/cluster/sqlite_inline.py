"""SQLite for SQLAlchemy's async engine with its calls made on the event loop's thread.

aiosqlite (SQLAlchemy's ``sqlite+aiosqlite`` driver) hands every call to a worker
thread and back: a cursor, each statement, each fetch, the commit. A SQLite
statement on a small table takes microseconds, the round trip to the thread a
tenth of a millisecond or more of CPU (a futex wake and a hand-over of the GIL
each way), so a transaction of a task store or a dedupe claim costs about 2 ms
of CPU through the thread against 0.01 ms inline (`python -m bench.workers`
measures the server path). `InlineConnection` is aiosqlite's connection with
the thread taken out: each call runs at once on the caller's thread.

What the thread was for, waiting on another process's write lock, is done
without blocking the loop: the connection's busy timeout is 0, and a call that
finds the database locked (``SQLITE_BUSY``, save a stale snapshot) is tried again after an
``asyncio.sleep`` that doubles up to 50 ms, for `BUSY_TIMEOUT` seconds in all;
then the ``database is locked`` error is raised, as the busy timeout did before.
Every other error is raised at once.

Internal module: `a2a_kafka.cluster.database.create_engine` uses it for SQLite.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from typing import Any

import aiosqlite

BUSY_TIMEOUT = 30.0
"""Seconds a call waits, in all, for another connection's lock on the database."""
FIRST_PAUSE = 0.001
"""Seconds before the first retry of a locked call; each next pause is twice as long."""
MAX_PAUSE = 0.05
"""Longest pause between retries of a locked call, in seconds."""


class _NoThread:
    """Stands in for aiosqlite's worker thread: there is none to start."""

    def start(self) -> None:
        return None


class _RunNow:
    """Stands in for aiosqlite's queue to its thread: each call runs when it is put."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection, its calls run on the caller's thread (module docstring)."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]
        self._thread = _NoThread()  # type: ignore[assignment]

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        give_up = time.monotonic() + BUSY_TIMEOUT
        pause = FIRST_PAUSE
        while True:
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as exc:
                if not _waitable(exc) or time.monotonic() >= give_up:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_PAUSE)


SQLITE_BUSY_SNAPSHOT = 517
"""A read transaction that can no longer become a write one: waiting cannot help."""


def _waitable(exc: sqlite3.OperationalError) -> bool:
    """``SQLITE_BUSY`` or one of its extended codes (recovery, timeout), but not a stale
    snapshot, which only a new transaction resolves (raised at once, as before)."""
    code = exc.sqlite_errorcode
    return code & 0xFF == sqlite3.SQLITE_BUSY and code != SQLITE_BUSY_SNAPSHOT


def connector(path: str) -> Callable[[], Any]:
    """SQLAlchemy's ``async_creator`` for the SQLite file ``path``."""

    async def connect() -> InlineConnection:
        def open_file() -> sqlite3.Connection:
            return sqlite3.connect(path, timeout=0, check_same_thread=False)

        connection = InlineConnection(open_file)
        await connection  # opens the file (aiosqlite's start, here without a thread)
        return connection

    return connect
