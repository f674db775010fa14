"""``a2a-kafka status`` shows each instance's consume loop: serving, stuck or failed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from scripted_agent import agent_card, request_handler
from test_monitoring import run_status as status

from a2a_kafka import KafkaConfig, KafkaConsumerHandler
from a2a_kafka.pytest_plugin import UniqueNames
from a2a_kafka.server import handler as handler_module

Report = dict[str, Any]


async def reported_when(
    config: KafkaConfig, agent: str, condition: Callable[[Report], bool]
) -> Report:
    """The instance's report as ``status --json`` shows it, once ``condition`` holds."""
    async with asyncio.timeout(90):
        while True:
            _, out = await status(config, agent, "--json")
            instances = json.loads(out)["instances"]
            if instances and condition(instances[0]):
                assert len(instances) == 1
                return dict(instances[0])
            await asyncio.sleep(0.5)


def started(config: KafkaConfig, name: str) -> KafkaConsumerHandler:
    card = agent_card(name)
    return KafkaConsumerHandler(name, request_handler(card), config, agent_card=card)


async def test_a_serving_instance_is_shown_serving(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    name = unique_names.agent()
    async with started(kafka_config, name) as handler:
        report = await reported_when(kafka_config, name, lambda r: True)
        assert report["state"] == "serving"
        assert report["instance"] == handler.instance_id
        assert report["since_poll"] < 5
        code, out = await status(kafka_config, name)
        assert code == 0
        assert f"instance {handler.instance_id[:12]}: serving" in out
    _, out = await status(kafka_config, name, "--json")
    assert json.loads(out)["instances"] == []  # a clean close leaves no report


async def test_a_stuck_poll_is_shown_stuck(
    kafka_config: KafkaConfig, unique_names: UniqueNames, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handler_module, "STUCK_AFTER", 2.0)
    name = unique_names.agent()
    release = asyncio.Event()

    async def never(*args: object, **kwargs: object) -> dict[object, object]:
        await release.wait()
        return {}

    async with started(kafka_config, name) as handler:
        assert handler._consumer is not None
        monkeypatch.setattr(handler._consumer, "getmany", never)
        report = await reported_when(kafka_config, name, lambda r: r["state"] != "serving")
        assert report["state"] == "stuck"
        assert report["since_poll"] > 2.0
        code, out = await status(kafka_config, name)
        assert code == 1
        assert f"instance {handler.instance_id[:12]}: STUCK: no poll for" in out
        async with asyncio.timeout(60):  # closing does not wait for the stuck poll for ever
            await handler.aclose()
    assert not release.is_set()


async def test_a_dead_loop_is_shown_failed_with_its_reason_also_after_the_process_ended(
    kafka_config: KafkaConfig, unique_names: UniqueNames, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handler_module, "LOOP_RETRIES", 1)
    name = unique_names.agent()

    async def broken(*args: object, **kwargs: object) -> dict[object, object]:
        raise RuntimeError("the fetch is broken")

    async with started(kafka_config, name) as handler:
        assert handler._consumer is not None
        monkeypatch.setattr(handler._consumer, "getmany", broken)
        await handler.wait_failed()
        report = await reported_when(kafka_config, name, lambda r: r["state"] != "serving")
        assert report["state"] == "failed"
        assert "the fetch is broken" in report["detail"]
    code, out = await status(kafka_config, name)
    assert code == 1
    assert f"instance {handler.instance_id[:12]}: FAILED:" in out
    assert "the fetch is broken" in out
