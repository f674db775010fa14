"""Run servers until SIGTERM or SIGINT, then shut them down gracefully."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Iterable
from typing import Protocol

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
        await stop.wait()
        logger.info("signal received: draining %d service(s)", len(started))
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        await asyncio.gather(*(s.aclose() for s in reversed(started)))
