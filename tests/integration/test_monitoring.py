"""Monitoring an agent: group members, request lag and dead letters, from the library and CLI."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Callable

from a2a.types.a2a_pb2 import Message, Part, Role, SendMessageRequest
from aiokafka import AIOKafkaProducer
from scripted_agent import agent_card, request_handler

from a2a_kafka import KafkaClients, KafkaConfig, KafkaConsumerHandler
from a2a_kafka.monitoring import AgentStatus, agent_status, served_agents
from a2a_kafka.pytest_plugin import UniqueNames
from a2a_kafka.topics import AgentTopics

CLI = [sys.executable, "-m", "a2a_kafka.cli.main"]


def request(text: str) -> SendMessageRequest:
    message = Message(role=Role.ROLE_USER, message_id=str(uuid.uuid4()), parts=[Part(text=text)])
    return SendMessageRequest(message=message)


async def produce(config: KafkaConfig, topic: str, *values: bytes) -> None:
    """Records without reply headers: nobody can be answered, so they are dead-lettered."""
    producer = AIOKafkaProducer(**config.client_options())
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value)
    finally:
        await producer.stop()


async def run_status(config: KafkaConfig, agent: str, *options: str) -> tuple[int, str]:
    """``a2a-kafka status <agent>`` run as a user runs it: exit status and output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "A2A_KAFKA_"))}
    process = await asyncio.create_subprocess_exec(
        *CLI,
        "status",
        agent,
        *options,
        env={**env, "KAFKA_BOOTSTRAP_SERVERS": config.bootstrap_servers},
        stdout=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode()


async def status_when(
    config: KafkaConfig, agent: str, condition: Callable[[AgentStatus], bool]
) -> AgentStatus:
    """The agent's status once ``condition`` holds (the handler commits asynchronously)."""
    async with asyncio.timeout(20):
        while not condition(status := (await agent_status(config, [agent]))[0]):  # noqa: ASYNC110 - offsets have no change notification
            await asyncio.sleep(0.1)
    return status


async def test_status_counts_members_unfinished_requests_and_dead_letters(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    name = unique_names.agent()
    card = agent_card(name)
    requests = AgentTopics.of(kafka_config, name).requests
    handler = KafkaConsumerHandler(name, request_handler(card), kafka_config, agent_card=card)
    async with handler, KafkaClients(kafka_config) as clients:
        client = await clients.connect(name)
        for i in range(3):
            assert [event async for event in client.send_message(request(f"echo {i}"))]
        await produce(kafka_config, requests, b"not a request")
        served = await status_when(kafka_config, name, lambda s: s.dead_letters == 1 and not s.lag)
        assert (served.members, served.state) == (1, "Stable")
        assert served.group == f"a2a.agent.{name}"
        assert len(served.partitions) == kafka_config.partitions
        assert sum(p.end for p in served.partitions) == 4
        assert all(p.committed == p.end for p in served.partitions if p.end)

    await produce(kafka_config, requests, b"waiting 1", b"waiting 2")
    stopped = await status_when(kafka_config, name, lambda s: s.members == 0)
    assert (stopped.state, stopped.lag, stopped.dead_letters) == ("Empty", 2, 1)
    assert name in await served_agents(kafka_config)

    code, out = await run_status(kafka_config, name)
    assert code == 0
    header, row = out.splitlines()
    assert header.split()[:5] == ["agent", "instances", "state", "lag", "dead"]
    assert row.split()[:5] == [name, "0", "Empty", "2", "1"]


async def test_an_agent_never_served_has_no_group_and_no_partitions(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    (status,) = await agent_status(kafka_config, [unique_names.agent()])
    assert (status.members, status.state, status.partitions, status.lag) == (0, "Dead", (), 0)
