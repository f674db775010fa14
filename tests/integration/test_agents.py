"""The game-balance agents end to end, through a2a's real `Client`, per transport.

`agent_system` is parametrized over every transport in `agent_harness.SYSTEMS`: ``"http"``
(the three agents served by uvicorn in this process) and ``"kafka"`` (the same executors
behind `KafkaConsumerHandler`s on the real broker, the Balance agent calling Data and CS over
Kafka). Every test runs over both unchanged: the answers must be the same.

Expectations are computed with plain SQL on the same SQLite file, independently of the agents.
Tests that prove thinking streams *while* the work runs hold the agents at a gate (after the
first scanned chunk) until the client has received thinking updates, then open it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from a2a.types import CancelTaskRequest, ListTasksRequest, TaskState
from agent_harness import (
    CALL_TIMEOUT_S,
    SYSTEMS,
    AgentSystem,
    Arrival,
    Exchange,
    GatedGameData,
    send,
)

from a2a_kafka import KafkaConfig
from game_balance.data import build_database

TRANSPORTS = list(SYSTEMS)
COMPLETED = TaskState.TASK_STATE_COMPLETED
INPUT_REQUIRED = TaskState.TASK_STATE_INPUT_REQUIRED

RACE_SQL = """
SELECT SUM((race_1 = :race AND winner = 1) OR (race_2 = :race AND winner = 2)), COUNT(*)
FROM matches WHERE race_1 != race_2 AND :race IN (race_1, race_2)
"""
MATCHUP_SQL = """
SELECT SUM((race_1 = :race AND winner = 1) OR (race_2 = :race AND winner = 2)), COUNT(*)
FROM matches WHERE patch = :patch
  AND ((race_1 = :race AND race_2 = :opponent) OR (race_1 = :opponent AND race_2 = :race))
"""


@pytest.fixture(scope="session", params=TRANSPORTS)
async def agent_system(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    kafka_config: KafkaConfig,
) -> AsyncIterator[AgentSystem]:
    """All three agents served over the transport under test."""
    database = build_database(tmp_path_factory.mktemp("agents") / "game.sqlite3")
    data = GatedGameData(database, chunk_rows=2_000)
    async with SYSTEMS[request.param](data, kafka_config) as connector:
        yield AgentSystem(request.param, connector, data)


def race_win_rate(system: AgentSystem, race: str) -> tuple[int, int, str]:
    """(wins, games, "52.3%") of `race` over non-mirror games, by plain SQL."""
    with system.sql() as sql:
        wins, games = sql.execute(RACE_SQL, {"race": race}).fetchone()
    return wins, games, f"{wins / games * 100:.1f}%"


@pytest.mark.parametrize("agent", ["data", "balance"])
@pytest.mark.parametrize(
    ("question", "word"), [("테란 승률?", "승률"), ("What is the Terran win rate?", "win rate")]
)
async def test_terran_win_rate(
    agent_system: AgentSystem, agent: str, question: str, word: str
) -> None:
    wins, games, rate = race_win_rate(agent_system, "Terran")

    answer = await send(agent_system, agent, question)

    assert answer.state == COMPLETED
    assert word in answer.text()
    assert rate in answer.text()
    (result,) = answer.data()["results"]
    assert (result["race"], result["wins"], result["games"]) == ("Terran", wins, games)


@pytest.mark.parametrize("agent", ["data", "balance"])
@pytest.mark.parametrize(
    ("question", "asked", "reply", "word"),
    [
        ("승률?", "어떤 종족의 승률을 알고 싶으신가요?", "저그", "승률"),
        ("win rate?", "Which race's win rate would you like to know?", "Zerg", "win rate"),
    ],
)
async def test_multi_turn_asks_for_the_race(
    agent_system: AgentSystem, agent: str, question: str, asked: str, reply: str, word: str
) -> None:
    first = await send(agent_system, agent, question)
    assert first.state == INPUT_REQUIRED
    assert asked in first.status_text
    assert not first.artifacts

    second = await send(agent_system, agent, reply, follow_up=first)

    assert second.state == COMPLETED
    assert (second.task_id, second.context_id) == (first.task_id, first.context_id)
    assert word in second.text()
    assert race_win_rate(agent_system, "Zerg")[2] in second.text()


def planted_matchups(system: AgentSystem, patch: str) -> set[tuple[str, str, int, int]]:
    """Each matchup of `patch` from the side that won more: (race, opponent, wins, games)."""
    found = set()
    with system.sql() as sql:
        for race, opponent in [("Terran", "Zerg"), ("Terran", "Protoss"), ("Zerg", "Protoss")]:
            params = {"patch": patch, "race": race, "opponent": opponent}
            wins, games = sql.execute(MATCHUP_SQL, params).fetchone()
            if wins * 2 < games:
                race, opponent, wins = opponent, race, games - wins
            found.add((race, opponent, wins, games))
    return found


@pytest.mark.parametrize(
    ("question", "matchup"),
    [("7.3 패치 밸런스 분석", "저그 대 테란"), ("Analyze balance for patch 7.3", "Zerg vs Terran")],
)
async def test_balance_report(agent_system: AgentSystem, question: str, matchup: str) -> None:
    expected = planted_matchups(agent_system, "7.3")
    with agent_system.sql() as sql:
        top_posts = [
            row[0]
            for row in sql.execute(
                "SELECT post_id FROM feedback WHERE patch = '7.3' AND sentiment <= -0.3"
                " ORDER BY upvotes DESC, post_id LIMIT 5"
            )
        ]

    report = await send(agent_system, "balance", question)

    assert report.state == COMPLETED
    (artifact,) = report.artifacts
    assert artifact.name == "balance-report"
    assert artifact.parts[0].media_type == "text/markdown"
    data = report.data()
    found = {(m["race"], m["opponent"], m["wins"], m["games"]) for m in data["matchups"]}
    assert found == expected
    (imbalance,) = data["imbalances"]
    assert (imbalance["race"], imbalance["opponent"]) == ("Zerg", "Terran")
    wins, games = next((w, g) for r, o, w, g in expected if (r, o) == ("Zerg", "Terran"))
    assert matchup in report.text()
    assert f"{wins / games * 100:.1f}%" in report.text()
    assert [post["post_id"] for post in data["top_complaints"]] == top_posts
    assert data["proposed_changes"][0]["unit"] == "Baneling"


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("밸런스 분석해줘", "어떤 패치의 밸런스를 분석할까요?"),
        ("Analyze the balance", "Which patch"),
    ],
)
async def test_balance_asks_for_the_patch(
    agent_system: AgentSystem, question: str, asked: str
) -> None:
    first = await send(agent_system, "balance", question)
    assert first.state == INPUT_REQUIRED
    assert asked in first.status_text

    second = await send(agent_system, "balance", "7.3", follow_up=first)

    assert second.state == COMPLETED
    assert (second.task_id, second.context_id) == (first.task_id, first.context_id)
    assert second.data()["patch"] == "7.3"
    assert second.data()["imbalances"][0]["matchup"] == "Zerg vs Terran"


async def test_cs_top_complaints(agent_system: AgentSystem) -> None:
    with agent_system.sql() as sql:
        expected = sql.execute(
            "SELECT post_id, upvotes FROM feedback WHERE patch = '7.3' AND unit = 'Baneling'"
            " AND sentiment <= -0.3 ORDER BY upvotes DESC, post_id LIMIT 5"
        ).fetchall()

    answer = await send(agent_system, "cs", "7.3 패치 맹독충 불만 상위")

    assert answer.state == COMPLETED
    assert [(p["post_id"], p["upvotes"]) for p in answer.data()["top_complaints"]] == expected
    assert "맹독충" in answer.text()


async def test_thinking_streams_while_the_scan_runs(agent_system: AgentSystem) -> None:
    released: list[float] = []

    async def release_after_three_thoughts(exchange: Exchange, arrival: Arrival) -> None:
        if not released and len(exchange.thinking) == 3:
            assert not exchange.artifacts
            released.append(arrival.at)
            agent_system.data.gate.set()

    agent_system.data.gate.clear()
    try:
        answer = await send(
            agent_system, "data", "테란 승률?", on_arrival=release_after_three_thoughts
        )
    finally:
        agent_system.data.gate.set()

    assert answer.state == COMPLETED
    before_answer = [a for a in answer.thinking if a.at <= answer.answered_at]
    assert len(before_answer) >= 5
    assert before_answer[0].at < released[0] < answer.answered_at
    times = [a.at for a in answer.arrivals]
    assert times == sorted(times)
    scanned = [
        t.thinking["rows_scanned"]
        for t in before_answer
        if t.thinking and "rows_scanned" in t.thinking
    ]
    assert scanned == sorted(scanned)
    assert scanned[-1] > scanned[0]


async def test_balance_calls_data_and_cs_concurrently(agent_system: AgentSystem) -> None:
    scanning: set[str] = set()

    async def release_when_both_scan(exchange: Exchange, arrival: Arrival) -> None:
        thought = arrival.thinking
        if thought and thought.get("step") == "scan" and thought.get("rows_scanned", 0) > 0:
            scanning.add(str(thought.get("source")))
            if {"data", "cs"} <= scanning:
                agent_system.data.gate.set()

    agent_system.data.gate.clear()
    try:
        report = await send(
            agent_system,
            "balance",
            "Analyze balance for patch 7.3",
            on_arrival=release_when_both_scan,
        )
    finally:
        agent_system.data.gate.set()

    assert report.state == COMPLETED
    assert {"data", "cs"} <= scanning
    sources = [a.thinking.get("source") for a in report.thinking if a.thinking]
    assert {"data", "cs"} <= set(sources)
    assert len([a for a in report.thinking if a.at <= report.answered_at]) >= 5


async def test_cancelling_balance_cancels_its_sub_agent_tasks(agent_system: AgentSystem) -> None:
    balance_task: list[str] = []
    scanning = asyncio.Event()

    async def note_progress(exchange: Exchange, arrival: Arrival) -> None:
        if exchange.task_id and not balance_task:
            balance_task.append(exchange.task_id)
        thought = arrival.thinking or {}
        if thought.get("source") == "data" and thought.get("rows_scanned", 0) > 0:
            scanning.set()

    agent_system.data.gate.clear()
    try:
        running = asyncio.create_task(
            send(agent_system, "balance", "7.2 패치 밸런스 분석", on_arrival=note_progress)
        )
        async with asyncio.timeout(CALL_TIMEOUT_S):
            await scanning.wait()
        async with agent_system.connector("balance") as client:
            cancelled = await client.cancel_task(CancelTaskRequest(id=balance_task[0]))
        outcome = await running
    finally:
        agent_system.data.gate.set()

    assert cancelled.status.state == TaskState.TASK_STATE_CANCELED
    assert outcome.state == TaskState.TASK_STATE_CANCELED
    for agent in ("data", "cs"):
        async with agent_system.connector(agent) as client:
            tasks = (await client.list_tasks(ListTasksRequest())).tasks
        assert TaskState.TASK_STATE_CANCELED in {task.status.state for task in tasks}, agent
