"""SQLite state on the event loop's thread: another process's lock is waited for without
blocking the loop, and reported as before once `BUSY_TIMEOUT` has passed."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from a2a_kafka.cluster import sqlite_inline
from a2a_kafka.cluster.database import create_engine

TABLE = sa.Table("t", sa.MetaData(), sa.Column("k", sa.Integer, primary_key=True))


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(str(tmp_path / "state.sqlite"))
    async with engine.begin() as conn:
        await conn.run_sync(TABLE.metadata.create_all)
    yield engine
    await engine.dispose()


def locker(engine: AsyncEngine) -> sqlite3.Connection:
    """Another writer (as another process would be): holds the write lock until it commits."""
    other = sqlite3.connect(engine.url.database or "", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t (k) VALUES (1)")
    return other


async def insert(engine: AsyncEngine, k: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(sa.insert(TABLE).values(k=k))


async def test_a_locked_database_is_waited_for_while_the_loop_goes_on(engine: AsyncEngine) -> None:
    other = locker(engine)
    writing = asyncio.ensure_future(insert(engine, 2))
    ticks = 0
    while ticks < 20:  # the loop runs other tasks while the insert waits for the lock
        await asyncio.sleep(0.005)
        ticks += 1
    assert not writing.done()
    other.execute("COMMIT")
    await asyncio.wait_for(writing, 30)
    async with engine.connect() as conn:
        found = await conn.execute(sa.select(TABLE.c.k).order_by(TABLE.c.k))
        keys: list[int] = list(found.scalars().all())
    assert keys == [1, 2]
    other.close()


async def test_a_lock_held_past_the_busy_timeout_is_the_usual_error(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_inline, "BUSY_TIMEOUT", 0.2)
    other = locker(engine)
    with pytest.raises(OperationalError, match="database is locked"):
        await asyncio.wait_for(insert(engine, 2), 30)
    other.execute("ROLLBACK")
    other.close()
    await insert(engine, 3)  # the connection is usable again


async def test_other_errors_are_raised_at_once(engine: AsyncEngine) -> None:
    await insert(engine, 1)
    with pytest.raises(sa.exc.IntegrityError):
        await asyncio.wait_for(insert(engine, 1), 30)
