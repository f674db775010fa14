"""Bounded retries with exponential backoff for a request's retriable steps.

A step is retried when it raises an `Exception`; `RetriesExhaustedError`
carries the last failure and the attempt count once the policy gives up, and
the caller dead-letters the request. Only steps that are safe to repeat are run
under a policy: producing replies (the producer is idempotent and the client
drops replies it already has) and reads or writes of the dedupe store. The
agent itself is never retried.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from a2a_kafka.errors import A2AKafkaError, ConfigurationError

logger = logging.getLogger(__name__)

T = TypeVar("T")


class PermanentError(Exception):
    """A failure that retrying cannot mend; `RetryPolicy.run` re-raises it at once."""


class RetriesExhaustedError(A2AKafkaError):
    """A retriable step failed ``attempts`` times; ``__cause__`` is the last failure."""

    def __init__(self, step: str, attempts: int, last: BaseException) -> None:
        super().__init__(f"{step} failed {attempts} times: {last!r}")
        self.step = step
        self.attempts = attempts
        self.last = last


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a retriable step is retried."""

    attempts: int = 10
    """Tries in total, the first included; 1 means no retry. The default waits about
    26 s in all, longer than a broker restart takes: a step that fails while the
    broker is away (e.g. checking the caller's reply topic) is not dead-lettered."""

    initial_backoff: float = 0.2
    """Seconds before the second try."""

    multiplier: float = 2.0
    """Each further wait is this many times the previous one."""

    max_backoff: float = 5.0
    """Upper bound of one wait, in seconds."""

    jitter: float = 0.2
    """Each wait is randomized by up to ± this fraction."""

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.initial_backoff < 0 or self.max_backoff < 0:
            raise ConfigurationError("retry attempts must be >= 1 and backoffs >= 0")

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based)."""
        base = min(self.max_backoff, self.initial_backoff * self.multiplier ** (attempt - 1))
        return max(0.0, base * (1 + random.uniform(-self.jitter, self.jitter)))

    async def run(
        self,
        step: str,
        action: Callable[[], Awaitable[T]],
        *,
        on_retry: Callable[[int, Exception], None] | None = None,
    ) -> T:
        """Run ``action`` up to `attempts` times; raise `RetriesExhaustedError` after."""
        attempt = 1
        while True:
            try:
                return await action()
            except PermanentError:
                raise
            except Exception as exc:
                if attempt >= self.attempts:
                    raise RetriesExhaustedError(step, attempt, exc) from exc
                logger.warning("%s failed (try %d of %d): %r", step, attempt, self.attempts, exc)
                if on_retry is not None:
                    on_retry(attempt, exc)
                await asyncio.sleep(self.backoff(attempt))
                attempt += 1
