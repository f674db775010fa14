"""Requests whose caller stopped waiting are skipped, counted, and the counts are logged."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from a2a.client import ClientCallContext
from serving import message, serve

from a2a_kafka import KafkaConfig, KafkaTimeoutError
from a2a_kafka.pytest_plugin import UniqueNames


async def test_a_request_past_its_deadline_is_skipped_counted_and_logged(
    kafka_config: KafkaConfig,
    unique_names: UniqueNames,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="a2a_kafka.server.handler")
    options = {"max_in_flight": 1, "stats_interval": 0.2}
    async with serve(kafka_config, unique_names.agent(), tmp_path, **options) as served:
        transport = served.transport()
        slow = asyncio.ensure_future(transport.send_message(message("work 1.0")))
        async with asyncio.timeout(10):  # until the slow request holds the only slot
            while served.server.stats.in_flight < 1:  # noqa: ASYNC110 - a counter, nothing to await
                await asyncio.sleep(0.01)
        with pytest.raises(KafkaTimeoutError):
            await transport.send_message(message("work 0"), context=ClientCallContext(timeout=0.3))
        await slow
        async with asyncio.timeout(10):
            while served.server.stats.expired < 1:  # noqa: ASYNC110 - a counter, nothing to await
                await asyncio.sleep(0.05)
        stats = served.server.stats
        assert (stats.expired, stats.answered, stats.received) == (1, 1, 2)
        assert stats.paused >= 1
        assert served.agent.executions == 1
        await asyncio.sleep(0.3)  # one more stats period
    assert any("expired=1" in r.getMessage() for r in caplog.records)
