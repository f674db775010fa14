"""How one agent reaches another: the `Connector` seam.

The Balance Agent never builds transports. It is given a `Connector`: a callable that opens an
a2a `Client` to a named agent for the length of an ``async with``::

    async with connector("data") as client:
        async for event in client.send_message(request): ...

`ClientFactoryConnector` implements it over an a2a `ClientFactory` plus a card resolver, which
is all any transport needs: HTTP registers nothing (JSON-RPC is built in) and resolves cards
from ``/.well-known/agent-card.json`` (`game_balance.serve_http.http_connector`); a broker
transport registers its transport producer on the factory and resolves cards its own way::

    factory = ClientFactory(streaming_config(supported_protocol_bindings=[BINDING]))
    factory.register(BINDING, produce_transport)
    connector = ClientFactoryConnector(factory, resolve_card)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

from a2a.client import Client, ClientConfig
from a2a.types import AgentCard


class ClientMaker(Protocol):
    """Makes a client for a card: a2a's `ClientFactory`, or `a2a_kafka.KafkaClients`."""

    def create(self, card: AgentCard) -> Client: ...


Connector = Callable[[str], AbstractAsyncContextManager[Client]]
"""Opens a client to the agent of that name; the client is usable inside the ``async with``."""

CardResolver = Callable[[str], Awaitable[AgentCard]]
"""Finds the public card of the agent of that name; raises `UnknownAgentError` if none."""


class UnknownAgentError(LookupError):
    """No agent of that name is known to the connector."""

    def __init__(self, agent: str, known: list[str]) -> None:
        super().__init__(f"unknown agent {agent!r}; known agents: {', '.join(known) or 'none'}")
        self.agent = agent


def streaming_config(**options: Any) -> ClientConfig:
    """A `ClientConfig` with streaming on (thinking arrives live); `options` override fields."""
    return ClientConfig(streaming=True, **options)


def static_cards(cards: Mapping[str, AgentCard]) -> CardResolver:
    """A resolver over cards known up front (e.g. built with the agents' card functions)."""

    async def resolve(agent: str) -> AgentCard:
        if agent not in cards:
            raise UnknownAgentError(agent, sorted(cards))
        return cards[agent]

    return resolve


def caching(resolve: CardResolver) -> CardResolver:
    """Remember each agent's card after the first successful resolution."""
    cache: dict[str, AgentCard] = {}

    async def resolve_once(agent: str) -> AgentCard:
        if agent not in cache:
            cache[agent] = await resolve(agent)
        return cache[agent]

    return resolve_once


class ClientFactoryConnector:
    """A `Connector` that creates a fresh client per use from `factory` and closes it after.

    Args:
        factory: Configured with the transports to use (and their producers registered);
            `a2a_kafka.KafkaClients` also adds its credentials and trust checks.
        resolve_card: Finds the card of a named agent; the factory picks the transport from
            the card's interfaces.
    """

    def __init__(self, factory: ClientMaker, resolve_card: CardResolver) -> None:
        self.factory = factory
        self.resolve_card = resolve_card

    @asynccontextmanager
    async def __call__(self, agent: str) -> AsyncIterator[Client]:
        """Open a client to `agent`; closed when the ``async with`` ends."""
        card = await self.resolve_card(agent)
        client = self.factory.create(card)
        try:
            yield client
        finally:
            await client.close()
