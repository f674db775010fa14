"""Run servers until SIGTERM or SIGINT, then shut them down gracefully.

A service that can fail while running (a `KafkaConsumerHandler`, or anything with
``wait_failed()``) is watched: when one fails, every service is closed and the
failure is raised as `BrokerError`, so ``a2a-kafka serve`` exits non-zero with the
reason instead of staying up doing nothing.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Iterable
from typing import Protocol

from a2a_kafka.errors import BrokerError

logger = logging.getLogger(__name__)


class Service(Protocol):
    """Anything with an async start and an idempotent, draining close."""

    async def start(self) -> None: ...

    async def aclose(self) -> None: ...


async def serve_until_signal(
    services: Iterable[Service],
    signals: Iterable[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
    on_started: Callable[[], None] | None = None,
) -> None:
    """Start ``services``, wait for one of ``signals``, then close them all.

    ``on_started`` runs once every service has started.
    Closing a `KafkaConsumerHandler` stops fetching, lets in-flight requests
    finish and commits before leaving its consumer group, so a rolling restart
    loses nothing and redelivers nothing.
    """
    started: list[Service] = []
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        for service in services:
            await service.start()
            started.append(service)
        if on_started is not None:
            on_started()
        failure = await _first_failure(started, stop)
        if failure is not None:
            raise failure
        logger.info("signal received: draining %d service(s)", len(started))
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        await asyncio.gather(*(s.aclose() for s in reversed(started)))


async def _first_failure(services: list[Service], stop: asyncio.Event) -> BrokerError | None:
    """Wait for ``stop`` or the first service failure; that failure, as `BrokerError`."""
    watched = [
        asyncio.ensure_future(wait())
        for service in services
        if (wait := getattr(service, "wait_failed", None)) is not None
    ]
    stopped = asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait({stopped, *watched}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in (stopped, *watched):
            waiter.cancel()
    failed = [w.result() for w in watched if w in done and not w.cancelled()]
    if not failed:
        return None
    reason = failed[0]
    return (
        reason if isinstance(reason, BrokerError) else BrokerError(f"stopped serving: {reason!r}")
    )
