"""`DatabaseDedupeStore`: the dedupe claims of `a2a_kafka.server.dedupe` in a shared SQL table;
`state_fingerprint`: the id of that database, advertised in the consumer group.

Every instance of an agent claims its messages in one table of the task store's database
(SQLite on a single node, PostgreSQL for several instances), so a message redelivered to
another instance is not run twice. Needs SQLAlchemy: ``pip install 'a2a-kafka[sqlite]'`` or
``'a2a-kafka[postgresql]'``.
"""

from __future__ import annotations

import json
import time
import uuid

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from a2a_kafka.errors import StateError
from a2a_kafka.server.dedupe import AbandonedClaim, Claim, MessageKey, Outcome

_metadata = sa.MetaData()


def dedupe_table(name: str = "a2a_kafka_claims") -> sa.Table:
    """The claims table (created by `DatabaseDedupeStore.start`)."""
    existing = _metadata.tables.get(name)
    if existing is not None:
        return existing
    return sa.Table(
        name,
        _metadata,
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("agent", sa.Text, nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("caller", sa.Text, nullable=False),
        sa.Column("message_id", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("task_id", sa.Text),
        sa.Column("context_id", sa.Text),
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
        lease: float = 10.0,
        table_name: str = "a2a_kafka_claims",
    ) -> None:
        self.engine = engine
        self.ttl = ttl
        self.lease = lease
        self.table = dedupe_table(table_name)
        self._sql = _Statements(self.table)

    async def start(self) -> None:
        """Create the claims table if missing; `StateError` when the database fails."""
        try:
            async with self.engine.begin() as conn:
                await conn.run_sync(_metadata.create_all, tables=[self.table])
        except (SQLAlchemyError, OSError) as exc:
            raise StateError(f"the dedupe store's database cannot be used: {exc}") from exc

    async def state_fingerprint(self) -> str:
        """The fingerprint of this store's database (`state_fingerprint`)."""
        return await state_fingerprint(self.engine)

    async def claim(self, key: MessageKey, owner: str) -> Claim:
        # One insert in the common case. A claim in its way is dropped if expired and the
        # insert tried once more whatever the drop did: another claimer may have dropped it
        # first, and only an insert (never a look at an empty row) may say "new".
        if await self._insert(key, owner):
            return Claim("new")
        await self._drop_expired(key)
        if await self._insert(key, owner):
            return Claim("new")
        return await self.look(key)

    async def _insert(self, key: MessageKey, owner: str) -> bool:
        """Insert a running claim; False when the key is taken (expired or not)."""
        now = time.time()
        row = {
            "key": key.digest,
            "agent": key.agent,
            "scope": key.scope,
            "caller": key.caller,
            "message_id": key.message_id,
            "state": "running",
            "owner": owner,
            "lease_until": now + self.lease,
            "expires_at": now + self.ttl,
        }
        try:
            async with self.engine.begin() as conn:
                await conn.execute(self._sql.insert, row)
        except IntegrityError:
            return False
        return True

    async def _drop_expired(self, key: MessageKey) -> None:
        t = self.table
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.delete(t).where(t.c.key == key.digest, t.c.expires_at < time.time())
            )

    async def look(self, key: MessageKey) -> Claim:
        async with self.engine.connect() as conn:
            row = (await conn.execute(self._sql.look, {"b_key": key.digest})).first()
        if row is None:
            return Claim("new")
        state, owner, outcome, task_id = str(row[0]), str(row[1]), row[2], row[3]
        task, context = (str(task_id) if task_id else None), str(row[5] or "")
        if state == "done":
            found = json.loads(str(outcome)) if outcome else None
            return Claim("done", found, owner, task, context)
        alive = float(row[4]) >= time.time()
        return Claim("running" if alive else "abandoned", None, owner, task, context)

    async def note_task(
        self, key: MessageKey, owner: str, task_id: str, context_id: str = ""
    ) -> bool:
        values = {"b_key": key.digest, "b_owner": owner, "b_task": task_id, "b_context": context_id}
        async with self.engine.begin() as conn:
            result = await conn.execute(self._sql.note_task, values)
        return bool(result.rowcount)

    async def complete(self, key: MessageKey, owner: str | None, outcome: Outcome) -> bool:
        values: dict[str, object] = {"b_key": key.digest, "b_outcome": json.dumps(outcome)}
        if owner is None:  # an abandoned claim: whoever decides first
            statement, values["b_now"] = self._sql.decide, time.time()
        else:
            statement, values["b_owner"] = self._sql.complete, owner
        async with self.engine.begin() as conn:
            result = await conn.execute(statement, values)
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

    async def abandoned(self, limit: int = 100) -> list[AbandonedClaim]:
        t = self.table
        query = (
            sa.select(
                t.c.agent,
                t.c.scope,
                t.c.message_id,
                t.c.caller,
                t.c.owner,
                t.c.task_id,
                t.c.context_id,
            )
            .where(t.c.state == "running", t.c.lease_until < time.time())
            .order_by(t.c.lease_until)
            .limit(limit)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            AbandonedClaim(
                MessageKey(str(r[0]), str(r[1]), str(r[2]), str(r[3])),
                str(r[4]),
                str(r[5]) if r[5] else None,
                str(r[6] or ""),
            )
            for r in rows
        ]

    async def take_over(self, key: MessageKey, owner: str) -> bool:
        now = time.time()
        t = self.table
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.update(t)
                .where(t.c.key == key.digest, t.c.state == "running", t.c.lease_until < now)
                .values(owner=owner, lease_until=now + self.lease, task_id=None)
            )
        return bool(result.rowcount)

    async def release(self, key: MessageKey) -> bool:
        t = self.table
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.delete(t).where(
                    t.c.key == key.digest, t.c.state == "running", t.c.lease_until < time.time()
                )
            )
        return bool(result.rowcount)

    async def aclose(self) -> None:
        return None


class _Statements:
    """The statements of a request's claim, built once (building one per call cost more
    than running it): their values are bound by name at each execution."""

    def __init__(self, t: sa.Table) -> None:
        self.insert = sa.insert(t)
        self.look = sa.select(
            t.c.state, t.c.owner, t.c.outcome, t.c.task_id, t.c.lease_until, t.c.context_id
        ).where(t.c.key == sa.bindparam("b_key"))
        mine = (
            t.c.key == sa.bindparam("b_key"),
            t.c.owner == sa.bindparam("b_owner"),
            t.c.state == "running",
        )
        self.note_task = (
            sa.update(t)
            .where(*mine)
            .values(task_id=sa.bindparam("b_task"), context_id=sa.bindparam("b_context"))
        )
        done = {"state": "done", "outcome": sa.bindparam("b_outcome")}
        self.complete = sa.update(t).where(*mine).values(**done)
        self.decide = (
            sa.update(t)
            .where(
                t.c.key == sa.bindparam("b_key"),
                t.c.state == "running",
                t.c.lease_until < sa.bindparam("b_now"),
            )
            .values(**done)
        )


_identity = sa.Table(
    "a2a_kafka_state",
    sa.MetaData(),
    sa.Column("slot", sa.Integer, primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
)


async def state_fingerprint(engine: AsyncEngine) -> str:
    """The random id of this database, made by whichever instance came first.

    Instances that find the same fingerprint share one state; two SQLite files
    (or two PostgreSQL databases) have different ones.
    """
    async with engine.begin() as conn:
        await conn.run_sync(_identity.metadata.create_all, tables=[_identity])
    try:
        async with engine.begin() as conn:
            fresh = uuid.uuid4().hex[:16]
            await conn.execute(sa.insert(_identity).values(slot=1, fingerprint=fresh))
    except IntegrityError:
        pass  # another instance made it first
    async with engine.connect() as conn:
        found: object = (await conn.execute(sa.select(_identity.c.fingerprint))).scalar_one()
    return str(found)
