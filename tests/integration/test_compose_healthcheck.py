"""docker-compose.yml's agent health check, run as Docker would run it, against a real broker.

Docker does not run on this project's machines, so the check's own shell command is run here,
unchanged, with the environment a container of the compose file has (its cluster and a topic
prefix that keeps this test's group apart): unhealthy while nobody serves the agent, healthy
while an instance serves it, unhealthy again after it left its group.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import yaml
from scripted_agent import agent_card, request_handler

from a2a_kafka import KafkaConfig, KafkaConsumerHandler
from a2a_kafka.pytest_plugin import UniqueNames

COMPOSE_FILE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


async def run_check(command: str, env: dict[str, str]) -> int:
    process = await asyncio.create_subprocess_exec(
        "/bin/sh", "-c", command, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    return await asyncio.wait_for(process.wait(), timeout=60)


async def check_until(command: str, env: dict[str, str], healthy: bool) -> None:
    """Run the check, as Docker does at its interval, until it gives ``healthy``."""
    async with asyncio.timeout(60):
        while (await run_check(command, env) == 0) != healthy:  # noqa: ASYNC110 - polled like Docker
            await asyncio.sleep(0.5)


async def test_the_data_services_health_check_follows_its_consumer_group(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    service = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))["services"]["data"]
    kind, command = service["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    prefix = f"{unique_names.topic()}."
    config = kafka_config.with_(topic_prefix=prefix)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "A2A_KAFKA_"))}
    env |= {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_config.bootstrap_servers,
        "A2A_KAFKA_TOPIC_PREFIX": prefix,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",  # a2a-kafka
    }

    assert await run_check(command, env) != 0  # nobody serves data under this prefix
    card = agent_card("data")
    async with KafkaConsumerHandler("data", request_handler(card), config, agent_card=card):
        await check_until(command, env, healthy=True)
    await check_until(command, env, healthy=False)
