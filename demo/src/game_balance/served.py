"""The three agents as ``a2a-kafka serve`` targets: ``a2a-kafka serve data cs balance``.

Registered in the entry-point group ``a2a_kafka.agents`` (see ``demo/pyproject.toml``), so
``a2a-kafka serve data`` (or ``serve all``) finds them by name; ``a2a-kafka serve
game_balance.served:data`` is the same. Each factory takes the `a2a_kafka.ServeContext` of
``serve``: the Balance agent reaches Data and CS through its client factory and card
resolver (Kafka's card registry, or the agents served beside it over HTTP), and the request
handler uses the task store ``serve`` chose. The match data set is opened once per process
(built on first use).
"""

from __future__ import annotations

import asyncio
import functools

from a2a_kafka import AgentSpec, ServeContext
from game_balance.agents import CARD_BUILDERS, build_executor
from game_balance.connectors import ClientFactoryConnector, caching
from game_balance.data.queries import GameData


async def data(context: ServeContext) -> AgentSpec:
    """The Data Analysis agent."""
    return await _agent("data", context)


async def cs(context: ServeContext) -> AgentSpec:
    """The CS agent."""
    return await _agent("cs", context)


async def balance(context: ServeContext) -> AgentSpec:
    """The Balance agent (calls Data and CS)."""
    return await _agent("balance", context)


async def _agent(name: str, context: ServeContext) -> AgentSpec:
    game_data = await asyncio.to_thread(_game_data)
    connector = ClientFactoryConnector(context.client_factory, caching(context.resolve_card))
    card = CARD_BUILDERS[name](list(context.interfaces))
    executor = build_executor(name, game_data, connector)
    return AgentSpec(context.request_handler(executor, card), card)


@functools.cache
def _game_data() -> GameData:
    return GameData.open()
