"""The Balance Agent ("balance"): the coordinator.

- "analyze balance for patch 7.3" / "7.3 패치 밸런스 분석": calls the Data and CS agents
  concurrently (three streaming calls), relays their thinking as its own, and returns a
  ``balance-report`` artifact: markdown plus a data part (`report.BalanceReport.to_data`).
- No patch named: asks which patch (INPUT_REQUIRED) and continues in the same task.
- A plain data or feedback question ("테란 승률?"): forwarded to the Data or CS agent, whose
  thinking is relayed and whose answer artifact is returned as is. If that agent asks back, the
  question is passed on, and the user's answer is forwarded into the sub-agent's same task.

Sub-agents are reached only through the injected `Connector`: no transport is built here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from a2a.helpers import get_message_text
from a2a.types import AgentCard, AgentInterface, Message, TaskState, TaskStatus
from google.protobuf.json_format import MessageToDict

from game_balance.agents.base import GameAgentExecutor
from game_balance.agents.cards import agent_card, skill
from game_balance.agents.cs_agent import CS_OPS
from game_balance.agents.data_agent import DATA_OPS
from game_balance.agents.delegation import Reply, call_agent, query_message, text_message
from game_balance.agents.language import percent, pick
from game_balance.agents.phrasing import Phraser
from game_balance.agents.query import Query
from game_balance.agents.report import Finding, analyze
from game_balance.agents.report_text import render
from game_balance.agents.turn import Request, Turn
from game_balance.connectors import Connector
from game_balance.data.catalog import PATCHES, ko
from game_balance.data.stats import WinRate

NAME = "balance"
_LABELS = {"data": ("데이터 분석", "Data"), "cs": ("CS", "CS")}


class BalanceAgentExecutor(GameAgentExecutor):
    """Coordinates the Data and CS agents reached through `connector`."""

    name = NAME

    def __init__(self, connector: Connector, phraser: Phraser | None = None) -> None:
        self.connector = connector
        self.phraser = phraser

    async def handle(self, request: Request, turn: Turn) -> None:
        """Continue a forwarded conversation, forward a plain question, or analyse a patch."""
        pending = _delegation(request.previous_status)
        if pending is not None:
            agent, task_id, context_id = pending
            text = "\n".join(request.user_texts[-1:])
            await self._forward(agent, text_message(text, task_id, context_id), turn)
            return
        query = request.query()
        if query.op in DATA_OPS or query.op in CS_OPS:
            agent = "data" if query.op in DATA_OPS else "cs"
            await self._forward(agent, text_message(request.text), turn)
            return
        if query.patch is None:
            options = ", ".join(PATCHES)
            await turn.ask(
                f"어떤 패치의 밸런스를 분석할까요? ({options})",
                f"Which patch should I analyze? ({options})",
                missing="patch",
            )
            return
        await self._analyze(query.patch, turn)

    async def _relay(self, turn: Turn, agent: str, thought: Message) -> None:
        label = pick(turn.lang, *_LABELS.get(agent, (agent, agent)))
        metadata = {**MessageToDict(thought.metadata), "source": agent}
        await turn.relay(f"[{label}] {get_message_text(thought)}", **metadata)

    async def _forward(self, agent: str, message: Message, turn: Turn) -> None:
        label = pick(turn.lang, *_LABELS[agent])
        await turn.think(
            "forward",
            f"{label} 에이전트에게 질문을 전달합니다",
            f"Forwarding the question to the {label} agent",
        )
        reply = await call_agent(
            self.connector, agent, message, lambda a, t: self._relay(turn, a, t)
        )
        if reply.state == TaskState.TASK_STATE_INPUT_REQUIRED:
            delegate = {"agent": agent, "task_id": reply.task_id, "context_id": reply.context_id}
            await turn.requires_input(reply.status_text, delegate=delegate)
            return
        if not reply.completed:
            await self._sub_failed(turn, reply)
            return
        await turn.think(
            "received",
            f"{label} 에이전트의 답변을 받았습니다",
            f"Received the {label} agent's answer",
        )
        await turn.forward_artifacts(reply.artifacts)

    async def _analyze(self, patch: str, turn: Turn) -> None:
        lang = turn.lang
        await turn.think(
            "start",
            f"{patch} 패치 밸런스 분석을 시작합니다",
            f"Starting the balance analysis of patch {patch}",
        )
        await turn.think(
            "call",
            "데이터 분석 에이전트와 CS 에이전트를 동시에 호출합니다",
            "Calling the Data and CS agents concurrently",
        )
        calls = {
            "matchups": ("data", Query(op="matchups", lang=lang, group_by="patch")),
            "complaints": ("cs", Query(op="complaints", lang=lang, patch=patch)),
            "sentiment": ("cs", Query(op="sentiment", lang=lang)),
        }
        async with asyncio.TaskGroup() as group:
            running = {
                key: group.create_task(
                    call_agent(
                        self.connector,
                        agent,
                        query_message(query),
                        lambda a, t: self._relay(turn, a, t),
                    )
                )
                for key, (agent, query) in calls.items()
            }
        replies = {key: task.result() for key, task in running.items()}
        failed = [reply for reply in replies.values() if not reply.completed]
        if failed:
            await self._sub_failed(turn, failed[0])
            return
        await turn.think(
            "analysis",
            "하위 에이전트의 결과를 모두 받았습니다. 매치업을 분석합니다",
            "All sub-agent results are in; analysing the matchups",
        )
        matchups = _win_rates(replies["matchups"].data().get("results", []))
        report = analyze(patch, matchups, replies["complaints"].data(), replies["sentiment"].data())
        await _announce(turn, report.imbalances)
        await turn.think("proposal", "패치 제안을 작성합니다", "Writing the proposed changes")
        await turn.answer("balance-report", render(report, lang), report.to_data(lang))

    async def _sub_failed(self, turn: Turn, reply: Reply) -> None:
        state = TaskState.Name(reply.state)
        detail = f" {reply.status_text}" if reply.status_text else ""
        await turn.fail(
            f"{reply.agent} 에이전트가 답하지 못했습니다 ({state}).{detail}",
            f"The {reply.agent} agent did not answer ({state}).{detail}",
        )


async def _announce(turn: Turn, imbalances: Sequence[Finding]) -> None:
    if not imbalances:
        await turn.think("finding", "유의미한 불균형은 없습니다", "No significant imbalance found")
        return
    for f in imbalances:
        rate = percent(f.rate)
        await turn.think(
            "finding",
            f"불균형 발견: {ko(f.race)} 대 {ko(f.opponent)} {rate} ({f.games:,}경기)",
            f"Imbalance found: {f.race} vs {f.opponent} at {rate} ({f.games:,} games)",
        )


def _delegation(status: TaskStatus | None) -> tuple[str, str, str] | None:
    """The (agent, task id, context id) a previous turn forwarded and left waiting for input."""
    if status is None or status.state != TaskState.TASK_STATE_INPUT_REQUIRED:
        return None
    metadata = MessageToDict(status.message.metadata) if status.HasField("message") else {}
    delegate = metadata.get("delegate")
    if not isinstance(delegate, dict) or delegate.get("agent") not in _LABELS:
        return None
    return str(delegate["agent"]), str(delegate["task_id"]), str(delegate["context_id"])


def _win_rates(results: Sequence[Mapping[str, Any]]) -> list[WinRate]:
    """Read the Data agent's win-rate results (numbers arrive as floats)."""
    return [
        WinRate(
            str(r["race"]),
            str(r["opponent"]) if r.get("opponent") else None,
            int(r["wins"]),
            int(r["games"]),
            str(r["group"]) if r.get("group") else None,
        )
        for r in results
    ]


def balance_agent_card(interfaces: Sequence[AgentInterface]) -> AgentCard:
    """The Balance Agent's public card, reachable at `interfaces`."""
    return agent_card(
        NAME,
        "Balance Agent: analyses the balance of a patch by asking the Data Analysis and CS "
        "agents concurrently, and reports imbalanced matchups, player complaints and "
        "proposed changes. Also forwards plain data or feedback questions to them.",
        [
            skill(
                "balance-report",
                "Patch balance report",
                "Win rates per matchup, the imbalances found, top complaints, proposed changes.",
                ["balance", "patch", "report"],
                ["7.3 패치 밸런스 분석", "Analyze balance for patch 7.3", "밸런스 분석해줘"],
            ),
            skill(
                "ask-the-team",
                "Questions for the Data and CS agents",
                "Win rates, durations, complaints and sentiment, answered by the specialist agent.",
                ["win rate", "feedback"],
                ["테란 승률?", "Top complaints in 7.3"],
            ),
        ],
        interfaces,
    )
