"""A handler's periodic chores: dedupe leases and the stats log line."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from a2a_kafka.server.dedupe import DedupeStore
from a2a_kafka.server.stats import HandlerStats

logger = logging.getLogger("a2a_kafka.server.handler")


async def keep_house(
    agent: str,
    instance: str,
    dedupe: DedupeStore,
    stats: Callable[[], HandlerStats],
    stats_interval: float | None,
    check: Callable[[], None] = lambda: None,
    *,
    sweep: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Refresh ``instance``'s dedupe leases every lease/3 s, then ``sweep`` (decide the
    claims of dead instances); log changed stats every interval.

    ``check`` runs every tick (the handler's health check).

    Runs until cancelled. A failed heartbeat is logged and tried again next time
    (the lease is three heartbeats long).
    """
    beat = max(0.2, getattr(dedupe, "lease", 10.0) / 3)
    loop = asyncio.get_running_loop()
    last_beat = last_log = loop.time()
    logged: HandlerStats | None = None
    sweeping: asyncio.Task[None] | None = None
    try:
        while True:
            await asyncio.sleep(min(beat, stats_interval) if stats_interval else beat)
            check()
            if loop.time() - last_beat >= beat:
                last_beat = loop.time()
                try:
                    await dedupe.heartbeat(instance)
                except Exception as exc:
                    logger.warning("dedupe heartbeat of %s failed: %r", agent, exc)
                if sweep is not None and (sweeping is None or sweeping.done()):
                    sweeping = asyncio.create_task(_swept(agent, sweep))  # never delays a beat
            if stats_interval is not None and loop.time() - last_log >= stats_interval:
                last_log, now = loop.time(), stats()
                if changes := now.changes_since(logged):
                    logger.info("agent %s: %s", agent, changes)
                logged = now
    finally:
        if sweeping is not None:
            sweeping.cancel()


async def _swept(agent: str, sweep: Callable[[], Awaitable[None]]) -> None:
    try:
        await sweep()
    except Exception as exc:
        logger.warning("sweep of %s's abandoned claims failed: %r", agent, exc)
