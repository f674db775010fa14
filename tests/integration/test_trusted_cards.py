"""Cards are trusted, not obeyed: a card naming another cluster is refused unconnected."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.tasks import InMemoryTaskStore
from a2a.types.a2a_pb2 import AgentCapabilities, AgentCard, AgentSkill
from aiokafka import AIOKafkaProducer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from a2a_kafka import KafkaClients, KafkaConfig, KafkaConsumerHandler, kafka_interface
from a2a_kafka.auth.cards import card_signer, card_verifier
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


def lure(config: KafkaConfig, agent: str, address: str, target: str | None = None) -> AgentCard:
    """A card for ``agent`` that sends callers to agent ``target`` at ``address``."""
    return AgentCard(
        name=agent,
        description="lures callers to another cluster",
        version="1.0",
        capabilities=AgentCapabilities(streaming=True),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=[AgentSkill(id="x", name="x", description="x", tags=["x"])],
        supported_interfaces=[
            kafka_interface(config.with_(bootstrap_servers=address), target or agent)
        ],
    )


async def register(config: KafkaConfig, agent: str, card: AgentCard) -> None:
    """Publish ``card`` as ``agent``'s, as any principal with Write on the registry can."""
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
    await register(kafka_config, agent, lure(kafka_config, agent, elsewhere.address))
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


async def test_a_card_sending_requests_to_another_agents_topics_is_refused(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    victim, thief = unique_names.agent("victim"), unique_names.agent("thief")
    card = lure(kafka_config, victim, kafka_config.bootstrap_servers, target=thief)
    await register(kafka_config, victim, card)
    async with KafkaClients(kafka_config) as clients:
        with pytest.raises(UntrustedCardError, match=f"sends requests to agent '{thief}'"):
            await clients.connect(victim)


async def test_signed_cards_are_followed_and_forged_ones_refused(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    verify = card_verifier({"agents-1": key.public_key()})
    agent = unique_names.agent()
    card = lure(kafka_config, agent, kafka_config.bootstrap_servers)
    handler = DefaultRequestHandler(_Idle(), InMemoryTaskStore(), card)
    signer = card_signer(pem, "agents-1")
    async with (
        KafkaConsumerHandler(agent, handler, kafka_config, agent_card=card, card_signer=signer),
        KafkaClients(kafka_config, signature_verifier=verify) as clients,
    ):
        assert await clients.connect(agent) is not None
        signed = await clients.registry.get(agent)
        forged = AgentCard()
        forged.CopyFrom(signed)
        forged.description = "the same agent, I promise"  # the old signature no longer fits
        await register(kafka_config, agent, forged)
        with pytest.raises(UntrustedCardError, match="not signed by a trusted key"):
            await clients.connect(agent)
        await register(kafka_config, agent, card)  # never signed at all
        with pytest.raises(UntrustedCardError, match="not signed by a trusted key"):
            await clients.connect(agent)
    await handler.aclose()


class _Idle(AgentExecutor):
    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        raise NotImplementedError

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        raise NotImplementedError
