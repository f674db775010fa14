"""Closing that is bounded and quiet whatever the broker's state.

aiokafka's ``stop()`` can wait for a broker that is gone, raise its own errors, or
raise `asyncio.CancelledError` from inside (a consumer whose coordinator task was
cancelled). `close_quietly` runs one close step for at most ``timeout`` seconds and
logs, never raises, what went wrong, so the next step (every producer, consumer
and admin client of its owner) is still closed. Only a cancellation of the closing
task itself is passed on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

CLOSE_TIMEOUT = 10.0
"""Longest wait, in seconds, for one client to close."""


async def close_quietly(
    what: str, close: Callable[[], Awaitable[object]], timeout: float = CLOSE_TIMEOUT
) -> None:
    """Await ``close()`` for at most ``timeout`` s; log a failure instead of raising it."""
    task = asyncio.current_task()
    try:
        async with asyncio.timeout(timeout):
            await close()
    except asyncio.CancelledError:
        if task is not None and task.cancelling():
            raise  # the closer itself is cancelled
        logger.warning("closing %s was cancelled inside the Kafka client", what)
    except Exception as exc:
        logger.warning("%s not closed cleanly: %r", what, exc)
