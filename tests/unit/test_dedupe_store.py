"""Dedupe claims: one run per message, recorded outcomes, leases of dead instances."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from a2a_kafka.cluster.database import create_engine
from a2a_kafka.cluster.dedupe_store import DatabaseDedupeStore
from a2a_kafka.server.dedupe import DedupeStore, MemoryDedupeStore, MessageKey

KEY = MessageKey("planner", "alice", "m-1")
OUTCOME = {"result": {"task": {"id": "t-1"}}}


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DedupeStore]:
    if request.param == "memory":
        yield MemoryDedupeStore()
        return
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'dedupe.db'}")
    database = DatabaseDedupeStore(engine, lease=0.3)
    await database.start()
    yield database
    await engine.dispose()


async def test_the_first_claim_runs_and_later_ones_get_the_outcome(store: DedupeStore) -> None:
    assert (await store.claim(KEY, "a")).state == "new"
    running = await store.claim(KEY, "b")
    assert (running.state, running.owner) == ("running", "a")
    assert await store.complete(KEY, "a", OUTCOME)
    done = await store.claim(KEY, "b")
    assert (done.state, done.outcome) == ("done", OUTCOME)


async def test_keys_differ_by_agent_caller_and_message(store: DedupeStore) -> None:
    await store.claim(KEY, "a")
    for other in (
        MessageKey("other", "alice", "m-1"),
        MessageKey("planner", "bob", "m-1"),
        MessageKey("planner", "alice", "m-2"),
    ):
        assert (await store.claim(other, "a")).state == "new"


async def test_only_the_owner_completes_its_claim(store: DedupeStore) -> None:
    await store.claim(KEY, "a")
    assert not await store.complete(KEY, "b", OUTCOME)
    assert (await store.look(KEY)).state == "running"


async def test_task_ids_are_noted_for_later_duplicates(store: DedupeStore) -> None:
    await store.claim(KEY, "a")
    await store.note_task(KEY, "a", "t-9")
    assert (await store.look(KEY)).task_id == "t-9"


async def test_claims_of_a_silent_instance_are_abandoned(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'lease.db'}")
    store = DatabaseDedupeStore(engine, lease=0.2)
    await store.start()
    try:
        await store.claim(KEY, "dead")
        await store.claim(MessageKey("planner", "alice", "m-live"), "live")
        await asyncio.sleep(0.3)
        await store.heartbeat("live")
        assert (await store.look(KEY)).state == "abandoned"
        assert (await store.look(MessageKey("planner", "alice", "m-live"))).state == "running"
        # whoever decides an abandoned claim first wins; the outcome is then shared
        interrupted = {"error": {"code": -32603, "message": "interrupted"}}
        assert await store.complete(KEY, None, interrupted)
        assert not await store.complete(KEY, None, interrupted)
        assert (await store.look(KEY)).outcome == interrupted
    finally:
        await engine.dispose()


async def test_expired_claims_may_run_again() -> None:
    store = MemoryDedupeStore(ttl=0.05)
    await store.claim(KEY, "a")
    await asyncio.sleep(0.1)
    assert (await store.claim(KEY, "b")).state == "new"


async def test_expired_database_claims_may_run_again_and_only_once(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'dedupe.db'}")
    short, store = DatabaseDedupeStore(engine, ttl=0.05), DatabaseDedupeStore(engine)
    await store.start()
    try:
        await short.claim(KEY, "a")
        await asyncio.sleep(0.1)  # the claim's age, not an event, makes it expire
        claims = await asyncio.gather(store.claim(KEY, "b"), store.claim(KEY, "c"))
        assert sorted(claim.state for claim in claims) == ["new", "running"]
    finally:
        await engine.dispose()


async def test_two_processes_sharing_sqlite_claim_once(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    engines = [create_engine(url), create_engine(url)]
    stores = [DatabaseDedupeStore(engine) for engine in engines]
    for store in stores:
        await store.start()
    try:
        keys = [MessageKey("planner", "", f"m-{i}") for i in range(50)]
        claims = await asyncio.gather(
            *(store.claim(key, f"owner-{n}") for key in keys for n, store in enumerate(stores))
        )
        assert sum(claim.state == "new" for claim in claims) == len(keys)
    finally:
        for engine in engines:
            await engine.dispose()


async def test_memory_store_bounds_outcome_bytes_and_keeps_recent_outcomes() -> None:
    """Outcomes beyond the byte budget go oldest first; a recent retry still gets its reply."""

    store = MemoryDedupeStore(max_outcome_bytes=10_000)
    reply = {"result": {"text": "x" * 1_000}}
    keys = [MessageKey("agent", "user", f"m{n}") for n in range(100)]
    for key in keys:
        await store.claim(key, "me")
        assert await store.complete(key, "me", reply)
    assert store._bytes <= 10_000
    assert len(store._entries) < 10
    assert (await store.look(keys[0])).state == "new"
    recent = await store.claim(keys[-1], "me")
    assert recent.state == "done"
    assert recent.outcome == reply
