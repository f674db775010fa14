"""The database an agent's instances share: URL and engine.

One database holds the tasks (a2a's `VersionedDatabaseTaskStore`) and the
dedupe claims (`DatabaseDedupeStore`). SQLite (a file) is the single-node
default; several instances, on one or more machines, use PostgreSQL::

    A2A_KAFKA_DATABASE_URL=postgresql+asyncpg://user:password@host:5432/a2a
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

DATABASE_URL_ENV = "A2A_KAFKA_DATABASE_URL"
"""Environment variable with the SQLAlchemy URL of the shared database."""

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///a2a-kafka.db"
"""A SQLite file in the working directory: one node."""


def database_url(url: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """``url``, else ``A2A_KAFKA_DATABASE_URL``, else `DEFAULT_DATABASE_URL`."""
    e = os.environ if env is None else env
    return url or e.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL


def create_engine(url: str | None = None, **options: Any) -> AsyncEngine:
    """An async engine for ``url`` (see `database_url`), tuned for several writers.

    SQLite files get write-ahead logging and a 30 s busy timeout, so that
    several processes on one machine can share them.
    """
    resolved = database_url(url)
    if resolved.startswith("sqlite"):
        engine = create_async_engine(resolved, connect_args={"timeout": 30}, **options)
        sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(resolved, pool_pre_ping=True, **options)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
