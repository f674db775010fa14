"""The Data Analysis Agent ("data"): win rates, matchups, durations and trends from match data.

When a question lacks what it needs, the agent asks (INPUT_REQUIRED) and the answer continues
the same task: "승률?" → "어떤 종족의 승률을 알고 싶으신가요?" → "저그" → Zerg's win rate.
The answer artifact has a markdown text part and a data part::

    {"agent": "data", "op": "win_rate" | "matchups" | "duration",
     "query": Query.to_data(), "results": [WinRate.to_data() | Duration.to_data(), ...]}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from a2a.types import AgentCard, AgentInterface

from game_balance.agents import data_answers as answers
from game_balance.agents.base import GameAgentExecutor
from game_balance.agents.cards import agent_card, skill
from game_balance.agents.language import minutes, percent
from game_balance.agents.phrasing import Phraser
from game_balance.agents.query import Query, describe
from game_balance.agents.turn import Request, Turn
from game_balance.data.catalog import ko
from game_balance.data.queries import GameData, MatchFilter
from game_balance.data.stats import MatchTally

NAME = "data"
DATA_OPS = ("win_rate", "matchups", "duration")


class DataAgentExecutor(GameAgentExecutor):
    """Answers match-statistics questions by scanning `data` in chunks, thinking aloud."""

    name = NAME

    def __init__(self, data: GameData, phraser: Phraser | None = None) -> None:
        self.data = data
        self.phraser = phraser

    async def handle(self, request: Request, turn: Turn) -> None:
        """Ask for what is missing, else scan the matches and answer."""
        query = request.query()
        if query.op not in DATA_OPS:
            await turn.ask(
                "무엇을 알고 싶으신가요? 승률, 매치업, 게임 시간, 패치별 추이 중에서 골라 주세요.",
                "What would you like to know: a win rate, matchups, game duration, "
                "or the trend across patches?",
                missing="metric",
            )
            return
        if query.op == "win_rate" and not (query.races or query.all_races or query.group_by):
            await turn.ask(
                "어떤 종족의 승률을 알고 싶으신가요? (테란, 저그, 프로토스)",
                "Which race's win rate would you like to know? (Terran, Zerg, Protoss)",
                missing="race",
            )
            return
        await self._answer(query, turn)

    async def _answer(self, query: Query, turn: Turn) -> None:
        await turn.think(
            "understood",
            f"질문을 이해했습니다: {describe(query)}",
            f"Understood the question: {describe(query)}",
        )
        await turn.think(
            "query",
            f"경기 데이터 조회를 시작합니다 ({answers.scope(query)})",
            f"Starting the match-data query ({answers.scope(query)})",
        )
        selection = MatchFilter(patch=query.patch, map=query.map, bracket=query.bracket)
        tally = await self.data.tally_matches(
            selection, query.group_by, turn.progress("경기", "matches")
        )
        text, results = _compute(query, tally)
        await turn.think(
            "result",
            f"결과를 찾았습니다: {_summary(query, results)}",
            f"Result found: {_summary(query, results)}",
        )
        await turn.answer(
            "answer",
            text,
            {"agent": NAME, "op": query.op, "query": query.to_data(), "results": results},
        )


def _compute(query: Query, tally: MatchTally) -> tuple[str, list[dict[str, Any]]]:
    if query.op == "duration":
        durations = answers.durations(query, tally)
        return answers.render_durations(query, durations), [d.to_data() for d in durations]
    compute = answers.matchups if query.op == "matchups" else answers.win_rates
    rates = compute(query, tally)
    return answers.render_win_rates(query, rates), [r.to_data() for r in rates]


def _summary(query: Query, results: Sequence[dict[str, Any]]) -> str:
    first = results[0]
    extra = f" (+{len(results) - 1})" if len(results) > 1 else ""
    if "mean_seconds" in first:
        return f"{minutes(first['mean_seconds'])}{extra}"
    race = ko(first["race"]) if query.lang == "ko" else first["race"]
    return f"{race} {percent(first['win_rate'])}{extra}"


def data_agent_card(interfaces: Sequence[AgentInterface]) -> AgentCard:
    """The Data Analysis Agent's public card, reachable at `interfaces`."""
    return agent_card(
        NAME,
        "Data Analysis Agent: win rates by race, matchup, patch, map and MMR bracket, "
        "game durations and trends across patches, from 60,000 ranked matches. "
        "Asks back when a question is incomplete. Answers in the question's language "
        "(Korean or English).",
        [
            skill(
                "win-rates",
                "Win rates",
                "Win rate of a race or a matchup, optionally per patch, map or MMR bracket.",
                ["win rate", "matchup", "patch", "map", "mmr"],
                ["테란 승률?", "7.3 패치 저그 대 테란 승률", "Zerg win rate by map", "win rate?"],
            ),
            skill(
                "durations",
                "Game duration",
                "Average game length, overall or for a matchup, optionally grouped.",
                ["duration"],
                ["평균 게임 시간은?", "Average game duration of Zerg vs Protoss by patch"],
            ),
            skill(
                "trends",
                "Trends across patches",
                "How win rates move from patch to patch.",
                ["trend", "patch"],
                ["패치별 승률 추이", "Terran win rate trend across patches"],
            ),
        ],
        interfaces,
    )
