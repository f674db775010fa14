"""`DatabaseDedupeStore`: the dedupe claims of `a2a_kafka.server.dedupe` in a shared SQL table.

Every instance of an agent claims its messages in one table of the task store's database
(SQLite on a single node, PostgreSQL for several instances), so a message redelivered to
another instance is not run twice. Needs SQLAlchemy: ``pip install 'a2a-kafka[sqlite]'`` or
``'a2a-kafka[postgresql]'``.
"""

from __future__ import annotations

import json
import time

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from a2a_kafka.errors import StateError
from a2a_kafka.server.dedupe import Claim, MessageKey, Outcome

_metadata = sa.MetaData()


def dedupe_table(name: str = "a2a_kafka_dedupe") -> sa.Table:
    """The claims table (created by `DatabaseDedupeStore.start`)."""
    existing = _metadata.tables.get(name)
    if existing is not None:
        return existing
    return sa.Table(
        name,
        _metadata,
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("agent", sa.Text, nullable=False),
        sa.Column("message_id", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("task_id", sa.Text),
        sa.Column("lease_until", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False, index=True),
        sa.Column("outcome", sa.Text),
    )


class DatabaseDedupeStore:
    """Claims in a SQL table shared by every instance (SQLAlchemy, async engine).

    Args:
        engine: the task store's engine (``sqlite+aiosqlite`` or ``postgresql+asyncpg``).
        ttl: seconds a claim is kept.
        lease: seconds a running claim stays fresh without a `heartbeat`; an
            instance is taken for dead when its leases run out, so keep it
            well above the heartbeat interval and clock skew.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        ttl: float = 24 * 3600.0,
        lease: float = 15.0,
        table_name: str = "a2a_kafka_dedupe",
    ) -> None:
        self.engine = engine
        self.ttl = ttl
        self.lease = lease
        self.table = dedupe_table(table_name)

    async def start(self) -> None:
        """Create the claims table if missing; `StateError` when the database fails."""
        try:
            async with self.engine.begin() as conn:
                await conn.run_sync(_metadata.create_all, tables=[self.table])
        except (SQLAlchemyError, OSError) as exc:
            raise StateError(f"the dedupe store's database cannot be used: {exc}") from exc

    async def claim(self, key: MessageKey, owner: str) -> Claim:
        now = time.time()
        t = self.table
        async with self.engine.begin() as conn:
            await conn.execute(sa.delete(t).where(t.c.key == key.digest, t.c.expires_at < now))
        try:
            async with self.engine.begin() as conn:
                await conn.execute(
                    sa.insert(t).values(
                        key=key.digest,
                        agent=key.agent,
                        message_id=key.message_id,
                        state="running",
                        owner=owner,
                        lease_until=now + self.lease,
                        expires_at=now + self.ttl,
                    )
                )
            return Claim("new")
        except IntegrityError:
            return await self.look(key)

    async def look(self, key: MessageKey) -> Claim:
        t = self.table
        query = sa.select(t.c.state, t.c.owner, t.c.outcome, t.c.task_id, t.c.lease_until)
        async with self.engine.connect() as conn:
            row = (await conn.execute(query.where(t.c.key == key.digest))).first()
        if row is None:
            return Claim("new")
        state, owner, outcome, task_id = str(row[0]), str(row[1]), row[2], row[3]
        task = str(task_id) if task_id else None
        if state == "done":
            return Claim("done", json.loads(str(outcome)) if outcome else None, owner, task)
        alive = float(row[4]) >= time.time()
        return Claim("running" if alive else "abandoned", None, owner, task)

    async def note_task(self, key: MessageKey, owner: str, task_id: str) -> None:
        t = self.table
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(t)
                .where(t.c.key == key.digest, t.c.owner == owner)
                .values(task_id=task_id)
            )

    async def complete(self, key: MessageKey, owner: str | None, outcome: Outcome) -> bool:
        t = self.table
        where = [t.c.key == key.digest, t.c.state == "running"]
        if owner is None:
            where.append(t.c.lease_until < time.time())
        else:
            where.append(t.c.owner == owner)
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.update(t).where(*where).values(state="done", outcome=json.dumps(outcome))
            )
        return bool(result.rowcount)

    async def heartbeat(self, owner: str) -> None:
        now = time.time()
        t = self.table
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(t)
                .where(t.c.owner == owner, t.c.state == "running")
                .values(lease_until=now + self.lease)
            )
            await conn.execute(sa.delete(t).where(t.c.expires_at < now))

    async def aclose(self) -> None:
        return None
