"""The database an agent's instances share: where it is, and its engine.

One database holds the tasks (a2a's `VersionedDatabaseTaskStore`), the dedupe
claims and the state's fingerprint (`a2a_kafka.cluster.dedupe_store`).
Where it is, first found wins:

1. the URL passed in code (``--state`` of ``a2a-kafka serve``);
2. ``A2A_KAFKA_STATE_URL`` (``A2A_KAFKA_DATABASE_URL``, its older name);
3. a SQLite file in the agent's state folder, ``<state dir>/<cluster>/<agent>.sqlite``,
   where ``<state dir>`` is ``A2A_KAFKA_STATE_DIR``, else ``$XDG_STATE_HOME/a2a-kafka``,
   else ``~/.local/state/a2a-kafka``, and ``<cluster>`` a digest of the bootstrap
   servers and topic prefix. Every process of one agent on one machine (and one
   user) therefore shares one file, with no option.

Across machines, every instance names the same PostgreSQL database::

    a2a-kafka serve data --state postgresql://user:password@host:5432/a2a

Accepted forms: ``postgresql://`` / ``postgres://`` (driver asyncpg added),
``postgresql+asyncpg://``, ``sqlite:///path`` (driver aiosqlite added),
``sqlite+aiosqlite:///path``, or a plain file path (SQLite).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from a2a_kafka.config import KafkaConfig
from a2a_kafka.errors import ConfigurationError

STATE_URL_ENV = "A2A_KAFKA_STATE_URL"
"""Environment variable with the URL of the shared state."""
DATABASE_URL_ENV = "A2A_KAFKA_DATABASE_URL"
"""Older name of `STATE_URL_ENV`, still read."""
STATE_DIR_ENV = "A2A_KAFKA_STATE_DIR"
"""Environment variable with the folder of the default SQLite files."""
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///a2a-kafka.db"
"""The last resort when no agent is named: a SQLite file in the working directory."""


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    """The folder of the default SQLite files (see the module docstring)."""
    e = os.environ if env is None else env
    if found := e.get(STATE_DIR_ENV):
        return Path(found)
    base = e.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "a2a-kafka"


def default_state_file(
    config: KafkaConfig, agent: str, env: Mapping[str, str] | None = None
) -> Path:
    """``<state dir>/<cluster digest>/<agent>.sqlite``."""
    cluster = hashlib.sha256(f"{config.bootstrap_servers}|{config.topic_prefix}".encode())
    return state_dir(env) / cluster.hexdigest()[:12] / f"{agent}.sqlite"


def database_url(
    url: str | None = None,
    env: Mapping[str, str] | None = None,
    *,
    config: KafkaConfig | None = None,
    agent: str | None = None,
) -> str:
    """The SQLAlchemy async URL of the state (see the module docstring for the order).

    Without ``config`` and ``agent`` the last resort is `DEFAULT_DATABASE_URL`.
    """
    e = os.environ if env is None else env
    chosen = url or e.get(STATE_URL_ENV) or e.get(DATABASE_URL_ENV)
    if chosen:
        return _normalized(chosen)
    if config is None or agent is None:
        return DEFAULT_DATABASE_URL
    return f"sqlite+aiosqlite:///{default_state_file(config, agent, e)}"


def _normalized(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    if url.startswith(("postgresql+", "sqlite+")):
        return url
    if "://" in url:
        raise ConfigurationError(
            f"state {url!r}: use postgresql://..., sqlite:///path or a file path"
        )
    return f"sqlite+aiosqlite:///{Path(url).expanduser()}"


def is_sqlite(url: str) -> bool:
    """Whether ``url`` names a SQLite database."""
    return url.startswith("sqlite")


def create_engine(url: str | None = None, **options: Any) -> AsyncEngine:
    """An async engine for ``url`` (see `database_url`), tuned for several writers.

    SQLite files get write-ahead logging and wait up to 30 s for another
    process's lock, so that several processes on one machine can share them; their
    folder is created. Their calls run on the event loop's thread, not aiosqlite's
    worker thread (`a2a_kafka.cluster.sqlite_inline`: a tenth of the CPU per
    transaction; a lock is waited for without blocking the loop).
    Commits do not wait for the disk (``synchronous=NORMAL``, safe with WAL):
    a killed process loses nothing committed, a power cut may lose the last
    commits but never corrupts the file.
    A missing driver is a `ConfigurationError` naming the extra that installs it.
    """
    resolved = database_url(url)
    try:
        if is_sqlite(resolved):
            path = resolved.split(":///", 1)[1] if ":///" in resolved else ""
            if not path or path == ":memory:":
                return create_async_engine(resolved, **options)
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            from a2a_kafka.cluster.sqlite_inline import connector

            engine = create_async_engine(
                resolved, async_creator=connector(path), pool_size=1, max_overflow=0, **options
            )
            sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            return engine
        return create_async_engine(
            resolved, pool_pre_ping=True, pool_size=20, max_overflow=20, **options
        )
    except ModuleNotFoundError as exc:
        extra = "sqlite" if is_sqlite(resolved) else "postgresql"
        raise ConfigurationError(
            f"the state database {resolved.split(':', 1)[0]} needs {exc.name}: "
            f"pip install 'a2a-kafka[{extra}]'"
        ) from exc


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=0")  # waits are `sqlite_inline`'s, off the loop
    cursor.close()
