"""``a2a-kafka gateway`` and ``a2a-kafka bridge`` as users run them: separate processes.

- Two gateways side by side: a task started through one is followed and read through the
  other; each serves cards with its own URLs; an unknown name is a 404.
- The caller's deadline (``A2A-Kafka-Timeout``) bounds the call through the gateway.
- ``a2a-kafka bridge``: a Kafka caller finds an HTTP-only agent by name and streams from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from a2a.client import A2ACardResolver, Client, ClientCallContext, ClientConfig, ClientFactory
from a2a.helpers import get_artifact_text
from a2a.types.a2a_pb2 import (
    AgentInterface,
    GetTaskRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
    StreamResponse,
    SubscribeToTaskRequest,
    TaskState,
)
from a2a.utils.constants import TransportProtocol
from a2a.utils.errors import InternalError
from scripted_agent import agent_card, free_port, http_server, release, request_handler

from a2a_kafka import KafkaClients, KafkaConfig, KafkaConsumerHandler
from a2a_kafka.pytest_plugin import UniqueNames

pytestmark = pytest.mark.kafka

CLI = str(Path(sys.executable).parent / "a2a-kafka")


@contextlib.asynccontextmanager
async def command(config: KafkaConfig, *args: str) -> AsyncIterator[list[str]]:
    """Run ``a2a-kafka <args>`` while inside; yield the lines it printed up to "serving"."""
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": config.bootstrap_servers}
    process = await asyncio.create_subprocess_exec(
        CLI, *args, env=env, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(60):
            while not lines or not lines[-1].startswith("serving"):
                line = (await process.stdout.readline()).decode()
                assert line, f"a2a-kafka {' '.join(args)} exited: {lines}"
                lines.append(line.strip())
        yield lines
    finally:
        if process.returncode is None:
            process.terminate()
        assert await process.wait() == 0


def message(text: str) -> SendMessageRequest:
    return SendMessageRequest(
        message=Message(
            role=Role.ROLE_USER, message_id=f"m-{time.time_ns()}", parts=[Part(text=text)]
        )
    )


async def collect(stream: AsyncIterator[StreamResponse]) -> list[StreamResponse]:
    return [event async for event in stream]


@pytest.fixture
async def kafka_agent(kafka_config: KafkaConfig, unique_names: UniqueNames) -> AsyncIterator[str]:
    name = unique_names.agent()
    card = agent_card(name)
    handler = request_handler(card)
    async with KafkaConsumerHandler(name, handler, kafka_config, agent_card=card):
        yield name
    await handler.aclose()


async def client_for(http: httpx.AsyncClient, url: str, **config: bool) -> Client:
    card = await A2ACardResolver(http, url).get_agent_card()
    assert all(i.url.startswith(url) for i in card.supported_interfaces)
    return ClientFactory(ClientConfig(httpx_client=http, **config)).create(card)


async def test_two_gateways_serve_one_task_side_by_side(
    kafka_config: KafkaConfig, kafka_agent: str
) -> None:
    async with (
        command(kafka_config, "gateway", "--port", "0") as first,
        command(kafka_config, "gateway", "--port", "0") as second,
        httpx.AsyncClient(timeout=30) as http,
    ):
        one, two = (lines[0].split()[1].replace("<name>", kafka_agent) for lines in (first, second))
        assert one != two
        starter = await client_for(http, one, streaming=False, polling=True)
        follower = await client_for(http, two)
        task = (await collect(starter.send_message(message("hold"))))[0].task
        assert task.status.state in (TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING)
        stream = follower.subscribe(SubscribeToTaskRequest(id=task.id))
        assert (await anext(stream)).task.id == task.id
        release(task.id)
        rest = await collect(stream)
        assert rest[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED
        fetched = await starter.get_task(GetTaskRequest(id=task.id))
        assert get_artifact_text(fetched.artifacts[0]) == "released"
        missing = await http.get(
            f"{one.rsplit('/', 1)[0]}/no-such-agent/.well-known/agent-card.json"
        )
        assert missing.status_code == 404
        assert "no-such-agent" in missing.json()["error"]


async def test_the_callers_timeout_bounds_the_call_through_the_gateway(
    kafka_config: KafkaConfig, kafka_agent: str
) -> None:
    async with (
        command(kafka_config, "gateway", "--port", "0") as lines,
        httpx.AsyncClient(timeout=30) as http,
    ):
        client = await client_for(http, lines[0].split()[1].replace("<name>", kafka_agent))
        started = time.monotonic()
        with pytest.raises(InternalError, match="did not answer in time"):
            await collect(
                client.send_message(
                    message("sleep 8"),
                    context=ClientCallContext(service_parameters={"A2A-Kafka-Timeout": "1.5"}),
                )
            )
        assert time.monotonic() - started < 7


async def test_a_kafka_caller_streams_from_an_http_only_agent_through_the_bridge(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    name = unique_names.agent()
    url = f"http://127.0.0.1:{free_port()}/"
    http = AgentInterface(
        url=url, protocol_binding=TransportProtocol.JSONRPC, protocol_version="1.0"
    )
    card = agent_card(name, [http])
    handler = request_handler(card)
    async with (
        http_server(handler, card),
        command(kafka_config, "bridge", name, url),
        KafkaClients(kafka_config) as clients,
    ):
        client = await clients.connect(name)
        events = await collect(client.send_message(message("echo over the bridge")))
        assert events[0].task.id
        assert events[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED
        fetched = await client.get_task(GetTaskRequest(id=events[0].task.id))
        assert get_artifact_text(fetched.artifacts[0]) == "echo: over the bridge"
    await handler.aclose()
