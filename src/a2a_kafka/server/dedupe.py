"""Dedupe of SendMessage requests: an agent never runs one A2A message twice.

Kafka delivers a request at least once: after a crash or a rebalance the
uncommitted requests are delivered again, and a caller may itself send the
same message again (a retry after a timeout, a restarted client). Before
running the agent, the handler *claims* the message in a `DedupeStore`, keyed
by (agent, user, caller id, A2A message id); what the claim finds decides:

- ``new``: nobody ran it: run the agent, reply, then `complete` the claim with
  the JSON-RPC outcome (``{"result": ...}`` or ``{"error": ...}``); if the
  instance dies in between, the task it left is terminal and is the outcome.
- ``done``: re-send the recorded outcome; the agent does not run.
- ``running``: another delivery is running it on an instance that is alive
  (its lease is fresh): wait for it to finish, then re-send its outcome.
- ``abandoned``: the instance that ran it died (its lease ran out). If the
  agent had started (the claim names its task), it may have done part of the
  work, so it is not run again: the task is marked FAILED and the caller gets
  an explicit error naming the task (see `a2a_kafka.server.requests`). If it
  never started, the claim is taken over and the message runs.

A claim names a task (`note_task`) exactly when the agent started on it.

Claims expire after ``ttl`` seconds (then a message id may run again). Each
instance keeps the leases of its running claims fresh (`heartbeat`).

`MemoryDedupeStore` protects one process; `DatabaseDedupeStore` shares the
claims between instances through the database of the task store (SQLite on a
single node, PostgreSQL for several instances).
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

ClaimState = Literal["new", "done", "running", "abandoned"]
Outcome = dict[str, Any]
"""A JSON-RPC outcome: ``{"result": ...}`` or ``{"error": ...}`` (no id)."""


@dataclass(frozen=True, slots=True)
class MessageKey:
    """Which message: one agent, one user (the tasks' owner scope), one A2A message id,
    from one caller (the ``a2a-kafka-caller-id`` header; two callers that reuse a
    message id are two messages)."""

    agent: str
    scope: str
    message_id: str
    caller: str = ""

    @property
    def digest(self) -> str:
        """A fixed-length primary key for any lengths of the parts."""
        raw = json.dumps([self.agent, self.scope, self.message_id, self.caller]).encode()
        return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True, slots=True)
class Claim:
    """What claiming a message found."""

    state: ClaimState
    outcome: Outcome | None = None
    """The recorded outcome (``done`` only)."""
    owner: str | None = None
    """The instance that holds or held the claim (not for ``new``)."""
    task_id: str | None = None
    """The task the first run created: set once the agent started."""
    context_id: str = ""
    """That task's context."""


@dataclass(frozen=True, slots=True)
class AbandonedClaim:
    """A running claim whose owner's lease ran out."""

    key: MessageKey
    owner: str
    task_id: str | None
    context_id: str = ""


class DedupeStore(Protocol):
    """Where claims live; see the module docstring for the protocol."""

    async def start(self) -> None: ...

    async def claim(self, key: MessageKey, owner: str) -> Claim:
        """Claim ``key`` for ``owner``, or report who has it."""
        ...

    async def look(self, key: MessageKey) -> Claim:
        """The current state of ``key`` (``new`` when unknown or expired)."""
        ...

    async def note_task(
        self, key: MessageKey, owner: str, task_id: str, context_id: str = ""
    ) -> bool:
        """Record the task a running claim created; False if the claim is not ``owner``'s
        any more (another instance took it over: the agent must not start here)."""
        ...

    async def complete(self, key: MessageKey, owner: str | None, outcome: Outcome) -> bool:
        """Record the outcome; ``owner=None`` takes over an abandoned claim.

        Returns False when the claim was no longer ``owner``'s (or, with
        ``owner=None``, no longer abandoned).
        """
        ...

    async def heartbeat(self, owner: str) -> None:
        """Keep the leases of ``owner``'s running claims fresh; purge expired claims."""
        ...

    async def abandoned(self, limit: int = 100) -> list[AbandonedClaim]:
        """Running claims whose owner's lease ran out (oldest first)."""
        ...

    async def take_over(self, key: MessageKey, owner: str) -> bool:
        """Make an abandoned claim ``owner``'s, to run it again; False if no longer abandoned."""
        ...

    async def release(self, key: MessageKey) -> bool:
        """Forget an abandoned claim (its message may run again); False if no longer abandoned."""
        ...

    async def aclose(self) -> None: ...


@dataclass(slots=True)
class _Entry:
    state: Literal["running", "done"]
    owner: str
    expires_at: float
    outcome: Outcome | None = None
    task_id: str | None = None
    context_id: str = ""


class MemoryDedupeStore:
    """Claims in this process's memory: protects against redelivery to this instance only.

    Holds at most ``max_entries`` claims (the oldest go first) for ``ttl`` seconds.
    """

    def __init__(self, *, ttl: float = 3600.0, max_entries: int = 100_000) -> None:
        self.ttl = ttl
        self._max = max_entries
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    async def start(self) -> None:
        return None

    async def claim(self, key: MessageKey, owner: str) -> Claim:
        found = await self.look(key)
        if found.state == "new":
            self._entries[key.digest] = _Entry("running", owner, time.time() + self.ttl)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return found

    async def look(self, key: MessageKey) -> Claim:
        entry = self._entries.get(key.digest)
        if entry is None or entry.expires_at < time.time():
            self._entries.pop(key.digest, None)
            return Claim("new")
        return Claim(entry.state, entry.outcome, entry.owner, entry.task_id, entry.context_id)

    async def note_task(
        self, key: MessageKey, owner: str, task_id: str, context_id: str = ""
    ) -> bool:
        entry = self._entries.get(key.digest)
        if entry is None or entry.owner != owner:
            return False
        entry.task_id, entry.context_id = task_id, context_id
        return True

    async def complete(self, key: MessageKey, owner: str | None, outcome: Outcome) -> bool:
        entry = self._entries.get(key.digest)
        if entry is None or (owner is not None and entry.owner != owner):
            return False
        entry.state, entry.outcome = "done", outcome
        return True

    async def heartbeat(self, owner: str) -> None:
        now = time.time()
        for digest in [d for d, e in self._entries.items() if e.expires_at < now]:
            del self._entries[digest]

    async def abandoned(self, limit: int = 100) -> list[AbandonedClaim]:
        return []  # one process: its claims die with it

    async def take_over(self, key: MessageKey, owner: str) -> bool:
        return False

    async def release(self, key: MessageKey) -> bool:
        return False

    async def aclose(self) -> None:
        return None


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

    async def start(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(_metadata.create_all, tables=[self.table])

    async def claim(self, key: MessageKey, owner: str) -> Claim:
        now = time.time()
        t = self.table
        try:
            async with self.engine.begin() as conn:  # one transaction: drop expired, insert
                await conn.execute(sa.delete(t).where(t.c.key == key.digest, t.c.expires_at < now))
                await conn.execute(
                    sa.insert(t).values(
                        key=key.digest,
                        agent=key.agent,
                        scope=key.scope,
                        caller=key.caller,
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
        query = sa.select(
            t.c.state, t.c.owner, t.c.outcome, t.c.task_id, t.c.lease_until, t.c.context_id
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query.where(t.c.key == key.digest))).first()
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
        t = self.table
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.update(t)
                .where(t.c.key == key.digest, t.c.owner == owner, t.c.state == "running")
                .values(task_id=task_id, context_id=context_id)
            )
        return bool(result.rowcount)

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
