"""``a2a-kafka serve MODULE:ATTR``: the README's example agent, served by the CLI as a process."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from a2a.helpers import get_artifact_text
from a2a.types import Message, Part, Role, SendMessageRequest

from a2a_kafka import KafkaClients, KafkaConfig, kafka_url

EXAMPLES = Path(__file__).parents[2] / "examples"
CLI = [sys.executable, "-m", "a2a_kafka.cli.main"]


@pytest.fixture
def prefix() -> str:
    return f"srv{uuid.uuid4().hex[:8]}."


@pytest.fixture
async def served(kafka_config: KafkaConfig, prefix: str) -> AsyncIterator[list[str]]:
    """``a2a-kafka serve quickstart:shouter --app-dir examples``, until the test ends."""
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_config.bootstrap_servers,
        "A2A_KAFKA_TOPIC_PREFIX": prefix,
        "PYTHONUNBUFFERED": "1",
    }
    process = await asyncio.create_subprocess_exec(
        *CLI, "serve", "quickstart:shouter", "--app-dir", str(EXAMPLES),
        env=env, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    async with asyncio.timeout(120):
        while not lines or not lines[-1].startswith("serving"):
            line = (await process.stdout.readline()).decode()
            assert line, f"serve exited early ({process.returncode}): {lines}"
            lines.append(line)
    yield lines
    process.terminate()
    async with asyncio.timeout(60):
        assert await process.wait() == 0


async def test_the_cli_serves_the_readme_agent_by_module_and_attribute(
    kafka_config: KafkaConfig, prefix: str, served: list[str]
) -> None:
    config = kafka_config.with_(topic_prefix=prefix)
    assert served[0].split() == ["shouter", kafka_url(config, "shouter")]
    async with KafkaClients(config) as clients:
        client = await clients.connect("shouter")
        message = Message(role=Role.ROLE_USER, message_id="m-1", parts=[Part(text="hi there")])
        answers = [
            get_artifact_text(event.artifact_update.artifact)
            async for event in client.send_message(SendMessageRequest(message=message))
            if event.HasField("artifact_update")
        ]
        await client.close()
    assert answers == ["HI THERE"]
