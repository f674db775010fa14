"""The chunked query API agrees with plain SQL and reports progress chunk by chunk."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from game_balance.data import FeedbackFilter, GameData, MatchFilter, ScanProgress
from game_balance.data.queries import _id_ranges

RACE_SQL = """
SELECT SUM((race_1 = :race AND winner = 1) OR (race_2 = :race AND winner = 2)), COUNT(*)
FROM matches WHERE race_1 != race_2 AND :race IN (race_1, race_2)
"""


async def test_race_win_rate_matches_sql(game_data: GameData, sql: sqlite3.Connection) -> None:
    tally = await game_data.tally_matches()
    for race in ("Terran", "Zerg", "Protoss"):
        wins, games = sql.execute(RACE_SQL, {"race": race}).fetchone()
        result = tally.win_rate(race)
        assert (result.wins, result.games) == (wins, games)
        assert result.rate == pytest.approx(wins / games)


async def test_grouped_matchups_match_sql(game_data: GameData, sql: sqlite3.Connection) -> None:
    tally = await game_data.tally_matches(group_by="patch")
    expected = sql.execute(
        "SELECT patch, SUM(winner = 1), COUNT(*) FROM matches"
        " WHERE race_1 = 'Zerg' AND race_2 = 'Protoss' GROUP BY patch"
    ).fetchall()
    reverse = {
        patch: (wins, games)
        for patch, wins, games in sql.execute(
            "SELECT patch, SUM(winner = 2), COUNT(*) FROM matches"
            " WHERE race_1 = 'Protoss' AND race_2 = 'Zerg' GROUP BY patch"
        )
    }
    assert tally.groups() == ["7.1", "7.2", "7.3", "7.4", "7.5"]
    for patch, wins, games in expected:
        result = tally.win_rate("Zerg", "Protoss", group=patch)
        assert result.wins == wins + reverse[patch][0]
        assert result.games == games + reverse[patch][1]
    assert [m.opponent for m in tally.matchups("7.3")] == ["Zerg", "Protoss", "Protoss"]


async def test_filters_and_durations(game_data: GameData, sql: sqlite3.Connection) -> None:
    selection = MatchFilter(patch="7.2", map="Frostline", bracket="Gold")
    tally = await game_data.tally_matches(selection)
    games, mean = sql.execute(
        "SELECT COUNT(*), AVG(duration_s) FROM matches"
        " WHERE patch = '7.2' AND map = 'Frostline' AND mmr_bracket = 'Gold'"
    ).fetchone()
    duration = tally.duration()
    assert tally.total_games() == duration.games == games
    assert duration.mean_s == pytest.approx(mean)
    (tvz,) = sql.execute(
        "SELECT AVG(duration_s) FROM matches WHERE patch = '7.2' AND map = 'Frostline'"
        " AND mmr_bracket = 'Gold' AND race_1 != race_2 AND 'Zerg' IN (race_1, race_2)"
        " AND 'Terran' IN (race_1, race_2)"
    ).fetchone()
    assert tally.duration(("Zerg", "Terran")).mean_s == pytest.approx(tvz)


async def test_progress_is_reported_per_chunk(game_db: Path, sql: sqlite3.Connection) -> None:
    data = GameData(game_db, chunk_rows=4_000)
    seen: list[ScanProgress] = []

    async def record(progress: ScanProgress) -> None:
        seen.append(progress)

    await data.tally_matches(MatchFilter(patch="7.3"), on_progress=record)
    (total,) = sql.execute("SELECT COUNT(*) FROM matches WHERE patch = '7.3'").fetchone()
    assert [p.chunk for p in seen] == list(range(len(seen)))
    assert seen[0].rows_scanned == 0
    assert seen[-1].rows_scanned == seen[-1].rows_total == total
    assert seen[-1].chunks == len(seen) - 1 == 3
    scanned = [p.rows_scanned for p in seen]
    assert scanned == sorted(scanned)


async def test_top_complaints_match_sql(game_data: GameData, sql: sqlite3.Connection) -> None:
    tally = await game_data.tally_feedback(FeedbackFilter(patch="7.3", race="Zerg"), top=5)
    expected = sql.execute(
        "SELECT post_id, upvotes FROM feedback WHERE patch = '7.3' AND race = 'Zerg'"
        " AND sentiment <= -0.3 ORDER BY upvotes DESC, post_id LIMIT 5"
    ).fetchall()
    assert [(p.post_id, p.upvotes) for p in tally.top_complaints()] == expected
    unit, posts, upvotes = sql.execute(
        "SELECT unit, COUNT(*), SUM(upvotes) FROM feedback WHERE patch = '7.3' AND race = 'Zerg'"
        " AND sentiment <= -0.3 AND unit IS NOT NULL GROUP BY unit ORDER BY 3 DESC LIMIT 1"
    ).fetchone()
    top_unit = tally.units()[0]
    assert (top_unit.unit, top_unit.posts, top_unit.upvotes) == (unit, posts, upvotes)


async def test_sentiment_trend_matches_sql(game_data: GameData, sql: sqlite3.Connection) -> None:
    tally = await game_data.tally_feedback()
    expected = sql.execute(
        "SELECT patch, COUNT(*), AVG(sentiment), AVG(sentiment <= -0.3)"
        " FROM feedback GROUP BY patch ORDER BY patch"
    ).fetchall()
    trend = tally.sentiment_trend()
    assert [(p.patch, p.posts) for p in trend] == [(row[0], row[1]) for row in expected]
    for point, row in zip(trend, expected, strict=True):
        assert point.mean_sentiment == pytest.approx(row[2])
        assert point.complaint_share == pytest.approx(row[3])
    assert tally.posts_scanned == sum(row[1] for row in expected)


async def test_empty_selection(game_data: GameData) -> None:
    seen: list[ScanProgress] = []

    async def record(progress: ScanProgress) -> None:
        seen.append(progress)

    tally = await game_data.tally_matches(MatchFilter(patch="9.9"), on_progress=record)
    assert tally.total_games() == 0
    assert tally.win_rate("Zerg").rate == 0.0
    assert seen == [ScanProgress("matches", 0, 0, 0, 0)]


@pytest.mark.parametrize(
    ("low", "high", "chunks", "expected"),
    [
        (1, 10, 3, [(1, 3), (4, 7), (8, 10)]),
        (5, 5, 1, [(5, 5)]),
        (1, 2, 4, [(1, 1), (2, 2)]),
        (None, None, 0, []),
    ],
)
def test_id_ranges(
    low: int | None, high: int | None, chunks: int, expected: list[tuple[int, int]]
) -> None:
    assert _id_ranges(low, high, chunks) == expected
