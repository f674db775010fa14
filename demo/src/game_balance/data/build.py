"""Build the SQLite data set on first use.

The database file name carries the generator version and the seed, so a change to either
builds a new file instead of reusing a stale one. Builds write to a temporary file in the same
folder and rename it into place, so a reader never sees a half-built database.

Where the file lives: an explicit folder passed by the caller, else ``$GAME_BALANCE_DATA_DIR``,
else ``.local/game_balance/`` under the project root (git-ignored) when running from a source
checkout, else ``~/.cache/game_balance``.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

from game_balance.data.feedback import generate_feedback
from game_balance.data.matches import generate_matches

DEFAULT_SEED = 20240121
GENERATOR_VERSION = 2
DATA_DIR_ENV = "GAME_BALANCE_DATA_DIR"

SCHEMA = """
CREATE TABLE matches (
    id INTEGER PRIMARY KEY,
    match_id TEXT NOT NULL UNIQUE,
    patch TEXT NOT NULL,
    played_on TEXT NOT NULL,
    map TEXT NOT NULL,
    race_1 TEXT NOT NULL,
    race_2 TEXT NOT NULL,
    mmr_bracket TEXT NOT NULL,
    duration_s INTEGER NOT NULL,
    winner INTEGER NOT NULL CHECK (winner IN (1, 2))
);
CREATE INDEX matches_patch ON matches (patch);
CREATE TABLE feedback (
    id INTEGER PRIMARY KEY,
    post_id TEXT NOT NULL UNIQUE,
    patch TEXT NOT NULL,
    posted_on TEXT NOT NULL,
    lang TEXT NOT NULL,
    race TEXT NOT NULL,
    unit TEXT,
    topic TEXT NOT NULL,
    sentiment REAL NOT NULL,
    upvotes INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX feedback_patch ON feedback (patch);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def default_data_dir() -> Path:
    """The folder the data set is built into when the caller names none (see module doc)."""
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured)
    project_root = Path(__file__).resolve().parents[4]  # <root>/demo/src/game_balance/data/
    if (project_root / "pyproject.toml").is_file() and (project_root / "demo").is_dir():
        return project_root / ".local" / "game_balance"
    return Path.home() / ".cache" / "game_balance"


def database_file(data_dir: Path, seed: int = DEFAULT_SEED) -> Path:
    """The database path for `seed` inside `data_dir`."""
    return data_dir / f"game_balance-v{GENERATOR_VERSION}-seed{seed}.sqlite3"


def build_database(path: Path, seed: int = DEFAULT_SEED) -> Path:
    """Generate the whole data set into a new SQLite file at `path` (replacing it); return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        with closing(sqlite3.connect(temporary)) as connection:
            _fill(connection, seed)
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return path


def _fill(connection: sqlite3.Connection, seed: int) -> None:
    connection.executescript(SCHEMA)
    with connection:
        connection.executemany(
            "INSERT INTO matches (match_id, patch, played_on, map, race_1, race_2,"
            " mmr_bracket, duration_s, winner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            generate_matches(seed),
        )
        connection.executemany(
            "INSERT INTO feedback (post_id, patch, posted_on, lang, race, unit, topic,"
            " sentiment, upvotes, title, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            generate_feedback(seed),
        )
        connection.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [("seed", str(seed)), ("generator_version", str(GENERATOR_VERSION))],
        )


def ensure_database(data_dir: Path | None = None, seed: int = DEFAULT_SEED) -> Path:
    """Return the data set's path, building it first if it does not exist yet."""
    path = database_file(data_dir if data_dir is not None else default_data_dir(), seed)
    if not path.is_file():
        build_database(path, seed)
    return path
