"""Driving a system: sequential latency samples and closed-loop throughput."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Operation = Callable[[], Awaitable[object]]


@dataclass
class Outcome:
    """What a batch of requests came to."""

    sent: int = 0
    answered: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    """Seconds per answered request."""
    seconds: float = 0.0
    """Wall time of the batch."""

    def record(self, started: float, error: BaseException | None) -> None:
        self.sent += 1
        if error is None:
            self.answered += 1
            self.latencies.append(time.perf_counter() - started)
        elif len(self.errors) < 5:
            self.errors.append(repr(error))

    def counts(self) -> dict[str, object]:
        """Sent, answered, failed and the first few errors, for the results file."""
        return {
            "sent": self.sent,
            "answered": self.answered,
            "failed": self.sent - self.answered,
            "first_errors": self.errors,
        }


async def _timed(operation: Operation, outcome: Outcome) -> None:
    started = time.perf_counter()
    try:
        await operation()
    except Exception as exc:
        outcome.record(started, exc)
        return
    outcome.record(started, None)


async def sequential(operation: Operation, count: int, outcome: Outcome | None = None) -> Outcome:
    """Run ``operation`` ``count`` times, one after another."""
    outcome = outcome or Outcome()
    started = time.perf_counter()
    for _ in range(count):
        await _timed(operation, outcome)
    outcome.seconds += time.perf_counter() - started
    return outcome


async def closed_loop(operation: Operation, concurrency: int, seconds: float) -> Outcome:
    """``concurrency`` workers each issuing requests back to back for ``seconds``.

    Requests still in flight at the deadline are waited for and counted; the
    rate is answered requests over the wall time until the last one ended.
    """
    outcome = Outcome()
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            await _timed(operation, outcome)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    outcome.seconds = time.perf_counter() - started
    return outcome


async def fixed_count(operation: Operation, concurrency: int, count: int) -> Outcome:
    """``count`` requests, at most ``concurrency`` in flight."""
    outcome = Outcome()
    remaining = count

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await _timed(operation, outcome)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(concurrency, count))))
    outcome.seconds = time.perf_counter() - started
    return outcome
