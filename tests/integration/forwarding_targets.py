"""The scripted agent reached through the gateway or the bridge, for `test_binding`.

- ``gateway-jsonrpc`` / ``gateway-rest``: the agent served over Kafka, a `GatewayServer` in
  front, a2a-sdk's own HTTP client (JSON-RPC or HTTP+JSON) built from the card the gateway
  serves.
- ``bridge``: the agent served over HTTP only, a `Bridge` registering it on Kafka, and a
  Kafka caller (`KafkaClients`) that finds it by name in the registry.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

import httpx
from a2a.client import A2ACardResolver, Client, ClientConfig, ClientFactory
from a2a.types.a2a_pb2 import AgentCard, AgentInterface
from a2a.utils.constants import TransportProtocol
from scripted_agent import agent_card, free_port, http_server, request_handler

from a2a_kafka import KAFKA_PROTOCOL_BINDING, KafkaClients, KafkaConfig, KafkaConsumerHandler
from a2a_kafka.gateway import Bridge, GatewayServer

MakeClient = Callable[..., Client]
BINDINGS = {
    "gateway-jsonrpc": TransportProtocol.JSONRPC,
    "gateway-rest": TransportProtocol.HTTP_JSON,
}


@contextlib.asynccontextmanager
async def through_gateway(
    transport: str, name: str, config: KafkaConfig, extended: AgentCard, push: bool
) -> AsyncIterator[MakeClient]:
    """Yield a client maker; the clients talk HTTP to a gateway in front of the Kafka agent."""
    card = agent_card(name)
    handler = request_handler(card, extended, push=push)
    async with (
        KafkaConsumerHandler(name, handler, config, agent_card=card),
        GatewayServer(config) as gateway,
        httpx.AsyncClient(timeout=30) as http,
    ):
        url = gateway.gateway.agent_url(name)
        served = await A2ACardResolver(http, url).get_agent_card()
        binding = BINDINGS[transport]

        def make(**c: object) -> Client:
            config = ClientConfig(**c, httpx_client=http, supported_protocol_bindings=[binding])  # type: ignore[arg-type]
            return ClientFactory(config).create(served)

        yield make
    await handler.aclose()


@contextlib.asynccontextmanager
async def through_bridge(
    name: str, config: KafkaConfig, extended: AgentCard, push: bool
) -> AsyncIterator[MakeClient]:
    """Yield a client maker; the clients talk Kafka to a bridge in front of the HTTP agent."""
    url = f"http://127.0.0.1:{free_port()}/"
    http = AgentInterface(
        url=url, protocol_binding=TransportProtocol.JSONRPC, protocol_version="1.0"
    )
    card = agent_card(name, [http])
    handler = request_handler(card, extended, push=push)
    async with (
        http_server(handler, card),
        Bridge(name, url, config),
        KafkaClients(config) as clients,
    ):
        registered = await clients.registry.get(name)
        assert registered.supported_interfaces[0].protocol_binding == KAFKA_PROTOCOL_BINDING

        def make(**c: object) -> Client:
            factory = ClientFactory(
                ClientConfig(**c, supported_protocol_bindings=[KAFKA_PROTOCOL_BINDING])  # type: ignore[arg-type]
            )
            clients.register(factory)
            return factory.create(registered)

        yield make
    await handler.aclose()
