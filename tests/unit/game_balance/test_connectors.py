"""The `Connector` seam: card resolution, caching, and client lifetime."""

from __future__ import annotations

import pytest
from a2a.client import Client, ClientFactory
from a2a.types import AgentCard

from a2a_kafka.http_server import jsonrpc_interface
from game_balance.agents import AGENT_NAMES, CARD_BUILDERS
from game_balance.connectors import (
    ClientFactoryConnector,
    UnknownAgentError,
    caching,
    static_cards,
    streaming_config,
)


def cards() -> dict[str, AgentCard]:
    return {
        name: CARD_BUILDERS[name]([jsonrpc_interface(f"http://{name}.invalid:80")])
        for name in AGENT_NAMES
    }


def test_cards_advertise_streaming_and_bilingual_examples() -> None:
    for name, card in cards().items():
        assert card.name == name
        assert card.capabilities.streaming
        assert card.supported_interfaces[0].url == f"http://{name}.invalid:80/"
        examples = [example for skill in card.skills for example in skill.examples]
        assert any(example.isascii() for example in examples)
        assert any(not example.isascii() for example in examples)


async def test_static_cards_reject_unknown_agents() -> None:
    resolve = static_cards(cards())

    assert (await resolve("data")).name == "data"
    with pytest.raises(UnknownAgentError, match="unknown agent 'nope'; known agents: balance"):
        await resolve("nope")


async def test_caching_resolves_each_agent_once() -> None:
    calls: list[str] = []
    known = cards()

    async def resolve(agent: str) -> AgentCard:
        calls.append(agent)
        return known[agent]

    cached = caching(resolve)
    for agent in ["data", "cs", "data", "data"]:
        assert (await cached(agent)).name == agent
    assert calls == ["data", "cs"]


async def test_client_factory_connector_opens_a_client_per_use() -> None:
    connector = ClientFactoryConnector(ClientFactory(streaming_config()), static_cards(cards()))

    async with connector("cs") as first, connector("cs") as second:
        assert isinstance(first, Client)
        assert first is not second
