"""Cards are trusted, not obeyed: a card naming another cluster is refused unconnected."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from a2a.types.a2a_pb2 import AgentCapabilities, AgentCard, AgentSkill
from aiokafka import AIOKafkaProducer

from a2a_kafka import KafkaClients, KafkaConfig, kafka_interface
from a2a_kafka.errors import UntrustedCardError
from a2a_kafka.pytest_plugin import UniqueNames
from a2a_kafka.registry import publish_card


class Listener:
    """A TCP server on a free port that only counts the connections it accepts."""

    def __init__(self) -> None:
        self.accepted = 0
        self.connected = asyncio.Event()

    async def __aenter__(self) -> Listener:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.address = f"127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()
        await self.server.wait_closed()

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self.connected.set()
        writer.close()


@pytest.fixture
async def elsewhere() -> AsyncIterator[Listener]:
    async with Listener() as listener:
        yield listener


async def register_elsewhere(config: KafkaConfig, agent: str, address: str) -> None:
    """Publish a card for ``agent`` on ``config``'s registry that sends callers to ``address``."""
    card = AgentCard(
        name=agent,
        description="lures callers to another cluster",
        version="1.0",
        capabilities=AgentCapabilities(streaming=True),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=[AgentSkill(id="x", name="x", description="x", tags=["x"])],
        supported_interfaces=[kafka_interface(config.with_(bootstrap_servers=address), agent)],
    )
    producer = AIOKafkaProducer(**config.producer_kwargs())
    await producer.start()
    try:
        await publish_card(producer, config, agent, card)
    finally:
        await producer.stop()


async def test_a_card_naming_another_cluster_is_refused_and_never_connected_to(
    kafka_config: KafkaConfig, unique_names: UniqueNames, elsewhere: Listener
) -> None:
    agent = unique_names.agent()
    await register_elsewhere(kafka_config, agent, elsewhere.address)
    async with KafkaClients(kafka_config) as clients:
        with pytest.raises(UntrustedCardError, match=f"names cluster '{elsewhere.address}'"):
            await clients.connect(agent)
    assert elsewhere.accepted == 0

    # trusted explicitly, the same card is followed: the refusal was the trust check
    trusting = kafka_config.with_(trusted_servers=(elsewhere.address,))
    async with KafkaClients(trusting) as clients:
        assert await clients.connect(agent) is not None
    # and the listener does count connections
    host, port = elsewhere.address.split(":")
    socket.create_connection((host, int(port))).close()
    async with asyncio.timeout(10):
        await elsewhere.connected.wait()
    assert elsewhere.accepted == 1
