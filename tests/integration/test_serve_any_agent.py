"""``a2a-kafka serve MODULE:ATTR``: the README's example agent, served by the CLI as a process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from a2a.client import A2ACardResolver, Client, ClientConfig, ClientFactory
from a2a.helpers import get_artifact_text
from a2a.types import Message, Part, Role, SendMessageRequest

from a2a_kafka import KafkaClients, KafkaConfig, kafka_url
from a2a_kafka.broker.layout import free_port

EXAMPLES = Path(__file__).parents[2] / "examples"
CLI = [sys.executable, "-m", "a2a_kafka.cli.main"]


@pytest.fixture
def prefix() -> str:
    return f"srv{uuid.uuid4().hex[:8]}."


@contextlib.asynccontextmanager
async def serve(kafka_config: KafkaConfig, prefix: str, *options: str) -> AsyncIterator[list[str]]:
    """``a2a-kafka serve quickstart:shouter --app-dir examples``, until the test ends."""
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_config.bootstrap_servers,
        "A2A_KAFKA_TOPIC_PREFIX": prefix,
        "PYTHONUNBUFFERED": "1",
    }
    process = await asyncio.create_subprocess_exec(
        *CLI, "serve", "quickstart:shouter", "--app-dir", str(EXAMPLES), *options,
        env=env, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    async with asyncio.timeout(120):
        while not lines or not lines[-1].startswith("serving"):
            line = (await process.stdout.readline()).decode()
            assert line, f"serve exited early ({process.returncode}): {lines}"
            lines.append(line)
    try:
        yield lines
    finally:
        process.terminate()
        async with asyncio.timeout(60):
            code = await process.wait()
    assert code == 0


@pytest.fixture
async def served(kafka_config: KafkaConfig, prefix: str) -> AsyncIterator[list[str]]:
    async with serve(kafka_config, prefix) as lines:
        yield lines


async def shout(client: Client, text: str) -> list[str]:
    message = Message(role=Role.ROLE_USER, message_id=uuid.uuid4().hex, parts=[Part(text=text)])
    answers = [
        get_artifact_text(event.artifact_update.artifact)
        async for event in client.send_message(SendMessageRequest(message=message))
        if event.HasField("artifact_update")
    ]
    await client.close()
    return answers


async def test_the_cli_serves_the_readme_agent_by_module_and_attribute(
    kafka_config: KafkaConfig, prefix: str, served: list[str]
) -> None:
    config = kafka_config.with_(topic_prefix=prefix)
    assert served[0].split() == ["shouter", kafka_url(config, "shouter")]
    # the shared-state default of `serve`: the agent's SQLite file in the state folder
    assert served[1].split()[:2] == ["shouter", "state"]
    assert served[1].split()[2].startswith("sqlite+aiosqlite:///")
    async with KafkaClients(config) as clients:
        assert await shout(await clients.connect("shouter"), "hi there") == ["HI THERE"]


async def test_state_memory_serves_without_the_shared_state(
    kafka_config: KafkaConfig, prefix: str
) -> None:
    config = kafka_config.with_(topic_prefix=prefix)
    async with serve(kafka_config, prefix, "--state", "memory") as lines:
        assert not [line for line in lines if " state " in line]
        async with KafkaClients(config) as clients:
            assert await shout(await clients.connect("shouter"), "in memory") == ["IN MEMORY"]


async def test_transport_both_serves_the_same_agent_over_http_too(
    kafka_config: KafkaConfig, prefix: str
) -> None:
    port = free_port()
    async with serve(kafka_config, prefix, "--transport", "both", "--port", str(port)) as lines:
        urls = [line.split()[1] for line in lines[:-1] if " state " not in line]
        assert urls == [kafka_url(kafka_config.with_(topic_prefix=prefix), "shouter"),
                        f"http://127.0.0.1:{port}/"]  # fmt: skip
        async with httpx.AsyncClient() as http:
            card = await A2ACardResolver(http, urls[1]).get_agent_card()
            assert [i.url for i in card.supported_interfaces] == urls
            factory = ClientFactory(ClientConfig(streaming=True, httpx_client=http))
            assert await shout(factory.create(card), "over http") == ["OVER HTTP"]
