"""Fixtures for the game-balance unit tests: one data set built into a temporary folder."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from game_balance.data import GameData, build_database


@pytest.fixture(scope="session")
def game_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default-seed data set, built once per test session into a temporary folder."""
    return build_database(tmp_path_factory.mktemp("game_balance") / "game.sqlite3")


@pytest.fixture(scope="session")
def game_data(game_db: Path) -> GameData:
    """Query access to `game_db`."""
    return GameData(game_db)


@pytest.fixture
def sql(game_db: Path) -> Iterator[sqlite3.Connection]:
    """A plain SQLite connection to `game_db`, for computing expectations independently."""
    connection = sqlite3.connect(game_db)
    yield connection
    connection.close()
