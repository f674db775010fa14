"""Closing that is bounded and quiet whatever the broker's state.

aiokafka's ``stop()`` can wait for a broker that is gone, raise its own errors, or
raise `asyncio.CancelledError` from inside (a consumer whose coordinator task was
cancelled). `close_quietly` runs one close step for at most ``timeout`` seconds and
logs, never raises, what went wrong, so the next step (every producer, consumer
and admin client of its owner) is still closed. Only a cancellation of the closing
task itself is passed on.

Internal module: not part of the public API; use what `a2a_kafka` exports.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiokafka.errors import KafkaError

if TYPE_CHECKING:
    from aiokafka import AIOKafkaProducer

logger = logging.getLogger(__name__)

CLOSE_TIMEOUT = 10.0
"""Longest wait, in seconds, for one client to close."""


async def close_quietly(
    what: str, close: Callable[[], Awaitable[object]], timeout: float = CLOSE_TIMEOUT
) -> bool:
    """Await ``close()`` for at most ``timeout`` s; log a failure instead of raising it.

    Returns whether it closed cleanly.
    """
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
    else:
        return True
    return False


async def close_producer(what: str, producer: AIOKafkaProducer) -> None:
    """Stop ``producer`` like `close_quietly`; if it cannot flush in time, abort it.

    aiokafka's ``stop()`` first waits for every record it holds to be delivered: a
    record for a topic that no longer exists (a caller's reply topic deleted on close)
    keeps it waiting for the record's whole delivery timeout, so the bounded close
    gives up with the connections still open. They are then closed here: the records
    left fail with `KafkaError`, the sender stops, the connections close.
    """
    if await close_quietly(what, producer.stop):
        return
    producer._message_accumulator.fail_all(KafkaError(f"{what} closed before delivering"))
    if producer._sender is not None:
        await close_quietly(f"{what}'s sender", producer._sender.close)
    await close_quietly(f"{what}'s connections", producer.client.close)
