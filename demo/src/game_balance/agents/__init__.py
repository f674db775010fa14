"""The three game-balance agents: Balance (coordinator), Data Analysis and CS.

Each is an ordinary a2a-sdk `AgentExecutor` with a card function taking the interfaces it is
served at. `build_executor` and `CARD_BUILDERS` let a server (HTTP, Kafka, ...) build any of
them by name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from a2a.server.agent_execution import AgentExecutor
from a2a.types import AgentCard, AgentInterface

from game_balance.agents.balance_agent import BalanceAgentExecutor, balance_agent_card
from game_balance.agents.cs_agent import CsAgentExecutor, cs_agent_card
from game_balance.agents.data_agent import DataAgentExecutor, data_agent_card
from game_balance.agents.phrasing import OpenAIPhraser, Phraser
from game_balance.connectors import Connector, UnknownAgentError
from game_balance.data.queries import GameData

AGENT_NAMES: tuple[str, ...] = ("balance", "data", "cs")
"""Agent names, as used in cards, connectors and (later) Kafka topic names."""

CARD_BUILDERS: dict[str, Callable[[Sequence[AgentInterface]], AgentCard]] = {
    "balance": balance_agent_card,
    "data": data_agent_card,
    "cs": cs_agent_card,
}


def build_executor(
    name: str, data: GameData, connector: Connector, phraser: Phraser | None = None
) -> AgentExecutor:
    """The executor of agent `name`: Data and CS read `data`; Balance calls through `connector`.

    `phraser` (default None: deterministic wording) rewords final answers.
    """
    if name == "data":
        return DataAgentExecutor(data, phraser)
    if name == "cs":
        return CsAgentExecutor(data, phraser)
    if name == "balance":
        return BalanceAgentExecutor(connector, phraser)
    raise UnknownAgentError(name, list(AGENT_NAMES))


__all__ = [
    "AGENT_NAMES",
    "CARD_BUILDERS",
    "BalanceAgentExecutor",
    "CsAgentExecutor",
    "DataAgentExecutor",
    "OpenAIPhraser",
    "Phraser",
    "balance_agent_card",
    "build_executor",
    "cs_agent_card",
    "data_agent_card",
]
