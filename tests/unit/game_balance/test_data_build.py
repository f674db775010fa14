"""The generated data set: size, vocabulary, determinism, the planted imbalance, the build cache."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

import pytest

from game_balance.data import IMBALANCE, build_database, default_data_dir, ensure_database
from game_balance.data.build import DATA_DIR_ENV, database_file
from game_balance.data.catalog import BRACKETS, MAPS, PATCHES, RACES
from game_balance.data.feedback import generate_feedback
from game_balance.data.matches import generate_matches

MATCHUP_SQL = """
SELECT SUM((race_1 = :race AND winner = 1) OR (race_2 = :race AND winner = 2)), COUNT(*)
FROM matches
WHERE patch = :patch
  AND ((race_1 = :race AND race_2 = :opponent) OR (race_1 = :opponent AND race_2 = :race))
"""


def _digest(rows: Iterable[tuple[object, ...]]) -> str:
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def test_sizes_and_vocabulary(sql: sqlite3.Connection) -> None:
    (matches,) = sql.execute("SELECT COUNT(*) FROM matches").fetchone()
    (posts,) = sql.execute("SELECT COUNT(*) FROM feedback").fetchone()
    assert matches >= 50_000
    assert posts >= 2_000

    def distinct(column: str, table: str = "matches") -> set[str]:
        return {row[0] for row in sql.execute(f"SELECT DISTINCT {column} FROM {table}")}

    assert distinct("patch") == set(PATCHES)
    assert distinct("map") == set(MAPS)
    assert distinct("mmr_bracket") == set(BRACKETS)
    assert distinct("race_1") == distinct("race_2") == set(RACES)
    assert distinct("lang", "feedback") == {"ko", "en"}
    (mirrors,) = sql.execute("SELECT COUNT(*) FROM matches WHERE race_1 = race_2").fetchone()
    assert 0.25 < mirrors / matches < 0.40


def test_generation_is_deterministic() -> None:
    assert _digest(generate_matches(7, per_patch=500)) == _digest(
        generate_matches(7, per_patch=500)
    )
    assert _digest(generate_matches(7, per_patch=500)) != _digest(
        generate_matches(8, per_patch=500)
    )
    assert _digest(generate_feedback(7)) == _digest(generate_feedback(7))


def test_only_the_planted_matchup_is_imbalanced(sql: sqlite3.Connection) -> None:
    for patch in PATCHES:
        for race, opponent in [("Terran", "Zerg"), ("Terran", "Protoss"), ("Zerg", "Protoss")]:
            params = {"patch": patch, "race": race, "opponent": opponent}
            wins, games = sql.execute(MATCHUP_SQL, params).fetchone()
            rate = wins / games
            planted = (patch, {race, opponent}) == (
                IMBALANCE.patch,
                {IMBALANCE.favored, IMBALANCE.against},
            )
            if planted:
                favored_rate = rate if race == IMBALANCE.favored else 1 - rate
                assert 0.55 <= favored_rate <= 0.57
            else:
                assert abs(rate - 0.5) < 0.025, (patch, race, opponent, rate)


def test_feedback_blames_the_planted_unit(sql: sqlite3.Connection) -> None:
    rows = sql.execute(
        "SELECT patch, race, unit, SUM(upvotes) FROM feedback"
        " WHERE sentiment <= -0.3 AND unit IS NOT NULL"
        " GROUP BY patch, race, unit ORDER BY 4 DESC LIMIT 1"
    ).fetchall()
    assert rows[0][:3] == (IMBALANCE.patch, IMBALANCE.favored, IMBALANCE.unit)
    means = dict(sql.execute("SELECT patch, AVG(sentiment) FROM feedback GROUP BY patch"))
    assert min(means, key=means.__getitem__) == IMBALANCE.patch


def test_both_languages_carry_text(sql: sqlite3.Connection) -> None:
    korean = sql.execute("SELECT title, body FROM feedback WHERE lang = 'ko' LIMIT 50").fetchall()
    english = sql.execute("SELECT title, body FROM feedback WHERE lang = 'en' LIMIT 50").fetchall()
    assert all(any("\uac00" <= char <= "\ud7a3" for char in t + b) for t, b in korean)
    assert all(t.isascii() and b.isascii() for t, b in english)
    assert not [t for t, b in korean + english if "{" in t + b]


def test_ensure_database_builds_once(tmp_path: Path) -> None:
    first = ensure_database(tmp_path)
    stamp = first.stat().st_mtime_ns
    assert ensure_database(tmp_path) == first
    assert first.stat().st_mtime_ns == stamp
    assert first == database_file(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [first.name]


def test_build_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "game.sqlite3"
    target.write_text("not a database")
    build_database(target)
    with closing(sqlite3.connect(target)) as connection:
        assert connection.execute("SELECT value FROM meta WHERE key = 'seed'").fetchone()


def test_data_dir_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    assert default_data_dir() == tmp_path


def test_default_data_dir_is_git_ignored_local(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    folder = default_data_dir()
    assert folder.parts[-2:] == (".local", "game_balance")
    assert (folder.parents[1] / "pyproject.toml").is_file()
