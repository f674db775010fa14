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

`MemoryDedupeStore` protects one process; `a2a_kafka.cluster.dedupe_store.DatabaseDedupeStore`
(extra ``sqlite`` or ``postgresql``) shares the claims between instances through the database
of the task store (SQLite on a single node, PostgreSQL for several instances).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

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
    digest: str = field(init=False, repr=False, compare=False)
    """A fixed-length primary key for any lengths of the parts (made once: each store
    step of a request looks it up)."""

    def __post_init__(self) -> None:
        raw = json.dumps([self.agent, self.scope, self.message_id, self.caller]).encode()
        object.__setattr__(self, "digest", hashlib.sha256(raw).hexdigest())


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
    outcome: bytes | None = None
    """The recorded outcome as JSON: a parsed reply takes several times its JSON's memory."""
    task_id: str | None = None
    context_id: str = ""

    @property
    def size(self) -> int:
        return len(self.outcome) if self.outcome is not None else 0


class MemoryDedupeStore:
    """Claims in this process's memory: protects against redelivery to this instance only.

    Holds claims for ``ttl`` seconds, at most ``max_entries`` of them and at most
    ``max_outcome_bytes`` of recorded outcomes (kept as JSON); beyond either
    bound the oldest claims go first, so a retry of a recent message still gets
    its outcome and a forgotten one may run again.
    """

    def __init__(
        self,
        *,
        ttl: float = 3600.0,
        max_entries: int = 100_000,
        max_outcome_bytes: int = 32 * 2**20,
    ) -> None:
        self.ttl = ttl
        self._max = max_entries
        self._max_bytes = max_outcome_bytes
        self._bytes = 0
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def _evict(self) -> None:
        while len(self._entries) > self._max or self._bytes > self._max_bytes:
            self._bytes -= self._entries.popitem(last=False)[1].size

    def _drop(self, digest: str) -> None:
        entry = self._entries.pop(digest, None)
        if entry is not None:
            self._bytes -= entry.size

    async def start(self) -> None:
        return None

    async def claim(self, key: MessageKey, owner: str) -> Claim:
        found = await self.look(key)
        if found.state == "new":
            self._entries[key.digest] = _Entry("running", owner, time.time() + self.ttl)
            self._evict()
        return found

    async def look(self, key: MessageKey) -> Claim:
        entry = self._entries.get(key.digest)
        if entry is None or entry.expires_at < time.time():
            self._drop(key.digest)
            return Claim("new")
        outcome = json.loads(entry.outcome) if entry.outcome is not None else None
        return Claim(entry.state, outcome, entry.owner, entry.task_id, entry.context_id)

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
        self._bytes -= entry.size
        entry.state = "done"
        entry.outcome = json.dumps(outcome, separators=(",", ":"), default=str).encode()
        self._bytes += entry.size
        self._evict()
        return True

    async def heartbeat(self, owner: str) -> None:
        now = time.time()
        for digest in [d for d, e in self._entries.items() if e.expires_at < now]:
            self._drop(digest)

    async def abandoned(self, limit: int = 100) -> list[AbandonedClaim]:
        return []  # one process: its claims die with it

    async def take_over(self, key: MessageKey, owner: str) -> bool:
        return False

    async def release(self, key: MessageKey) -> bool:
        return False

    async def aclose(self) -> None:
        return None
