"""Building the agents' public `AgentCard`s.

A card lists where the agent can be reached (`AgentInterface`s); whoever serves the agent
knows that (an HTTP URL, a Kafka binding, or both), so every card builder takes the interfaces
as a parameter and the executors never see them.
"""

from __future__ import annotations

from collections.abc import Sequence

from a2a.types import AgentCapabilities, AgentCard, AgentInterface, AgentSkill

VERSION = "0.1.0"
INPUT_MODES = ["text/plain", "application/json"]
OUTPUT_MODES = ["text/markdown", "application/json"]


def skill(
    skill_id: str, name: str, description: str, tags: Sequence[str], examples: Sequence[str]
) -> AgentSkill:
    """One skill; `examples` should include Korean and English questions."""
    return AgentSkill(
        id=skill_id,
        name=name,
        description=description,
        tags=list(tags),
        examples=list(examples),
        input_modes=INPUT_MODES,
        output_modes=OUTPUT_MODES,
    )


def agent_card(
    name: str,
    description: str,
    skills: Sequence[AgentSkill],
    interfaces: Sequence[AgentInterface],
) -> AgentCard:
    """A streaming-capable card for a game-balance agent reachable at `interfaces`."""
    return AgentCard(
        name=name,
        description=description,
        version=VERSION,
        supported_interfaces=list(interfaces),
        capabilities=AgentCapabilities(streaming=True),
        default_input_modes=INPUT_MODES,
        default_output_modes=OUTPUT_MODES,
        skills=list(skills),
    )
