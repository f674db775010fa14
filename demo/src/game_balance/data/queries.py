"""Asynchronous, chunked queries over the SQLite data set, reporting progress between chunks.

Every query first counts the rows its filters select, then scans them in id-range chunks of
about ``chunk_rows`` rows. Each chunk runs in a worker thread (`asyncio.to_thread`), so the
event loop stays free while SQLite works, and after each chunk the caller's ``on_progress``
callback is awaited with a `ScanProgress`. That is how agents stream real progress: their
status updates go out while the rest of the scan is still running.

Each query opens its own read-only connection, so queries may run concurrently.
"""

from __future__ import annotations

import asyncio
import math
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from game_balance.data.build import DEFAULT_SEED, ensure_database
from game_balance.data.stats import FeedbackTally, MatchTally, Post

Dimension = Literal["patch", "map", "bracket"]
"""A column match statistics can be grouped by."""

DIMENSION_COLUMNS: dict[str, str] = {"patch": "patch", "map": "map", "bracket": "mmr_bracket"}


@dataclass(frozen=True)
class ScanProgress:
    """Where a scan is: `rows_scanned` of `rows_total` selected rows, after `chunk` of `chunks`."""

    table: str
    rows_scanned: int
    rows_total: int
    chunk: int
    chunks: int

    @property
    def fraction(self) -> float:
        """Share of the selected rows scanned so far (1.0 for an empty selection)."""
        return self.rows_scanned / self.rows_total if self.rows_total else 1.0


ProgressCallback = Callable[[ScanProgress], Awaitable[None]]
"""Awaited once after the rows are counted (chunk 0) and once after every chunk."""


@dataclass(frozen=True)
class MatchFilter:
    """Which matches to select; None means any."""

    patch: str | None = None
    map: str | None = None
    bracket: str | None = None

    def where(self) -> tuple[list[str], list[Any]]:
        """SQL conditions and their parameters."""
        pairs = [("patch", self.patch), ("map", self.map), ("mmr_bracket", self.bracket)]
        return _conditions(pairs)


@dataclass(frozen=True)
class FeedbackFilter:
    """Which forum posts to select; None means any."""

    patch: str | None = None
    race: str | None = None
    unit: str | None = None
    topic: str | None = None

    def where(self) -> tuple[list[str], list[Any]]:
        """SQL conditions and their parameters."""
        pairs = [
            ("patch", self.patch),
            ("race", self.race),
            ("unit", self.unit),
            ("topic", self.topic),
        ]
        return _conditions(pairs)


def _conditions(pairs: Sequence[tuple[str, str | None]]) -> tuple[list[str], list[Any]]:
    present = [(column, value) for column, value in pairs if value is not None]
    return [f"{column} = ?" for column, _ in present], [value for _, value in present]


async def _no_progress(progress: ScanProgress) -> None:
    """The default progress callback: ignore progress."""


class GameData:
    """Read access to one data set file.

    Args:
        path: The SQLite file (see `game_balance.data.build`).
        chunk_rows: About how many selected rows one chunk of a scan covers.
    """

    def __init__(self, path: Path, *, chunk_rows: int = 5_000) -> None:
        self.path = path
        self.chunk_rows = chunk_rows

    @classmethod
    def open(cls, data_dir: Path | None = None, seed: int = DEFAULT_SEED) -> GameData:
        """The data set in `data_dir` (default folder if None), built first if missing."""
        return cls(ensure_database(data_dir, seed))

    async def tally_matches(
        self,
        selection: MatchFilter | None = None,
        group_by: Dimension | None = None,
        on_progress: ProgressCallback = _no_progress,
    ) -> MatchTally:
        """Count games and sum durations per (group, race_1, race_2, winner) over the selection."""
        group = DIMENSION_COLUMNS[group_by] if group_by else "NULL"
        tally = MatchTally()

        def fold(connection: sqlite3.Connection, where: str, params: list[Any]) -> int:
            rows = connection.execute(
                f"SELECT {group}, race_1, race_2, winner, COUNT(*), SUM(duration_s)"
                f" FROM matches WHERE {where} GROUP BY 1, 2, 3, 4",
                params,
            ).fetchall()
            for group_value, race_1, race_2, winner, games, seconds in rows:
                tally.add((group_value, race_1, race_2, winner), games, seconds)
            return sum(row[4] for row in rows)

        conditions = (selection or MatchFilter()).where()
        await self._scan("matches", conditions, fold, on_progress, self.chunk_rows)
        return tally

    async def tally_feedback(
        self,
        selection: FeedbackFilter | None = None,
        top: int = 5,
        on_progress: ProgressCallback = _no_progress,
    ) -> FeedbackTally:
        """Top complaints, complaint totals per unit and sentiment per patch over the selection."""
        tally = FeedbackTally(top=top)

        def fold(connection: sqlite3.Connection, where: str, params: list[Any]) -> int:
            rows = connection.execute(
                "SELECT post_id, patch, lang, race, unit, topic, sentiment, upvotes, title"
                f" FROM feedback WHERE {where} ORDER BY id",
                params,
            ).fetchall()
            for row in rows:
                tally.add(Post(*row))
            return len(rows)

        chunk_rows = max(1, self.chunk_rows // 10)
        conditions = (selection or FeedbackFilter()).where()
        await self._scan("feedback", conditions, fold, on_progress, chunk_rows)
        return tally

    async def _scan(
        self,
        table: str,
        conditions: tuple[list[str], list[Any]],
        fold: Callable[[sqlite3.Connection, str, list[Any]], int],
        on_progress: ProgressCallback,
        chunk_rows: int,
    ) -> None:
        clauses, params = conditions
        where = " AND ".join(clauses) or "1 = 1"
        connection = await asyncio.to_thread(self._connect)
        with closing(connection):
            low, high, total = await asyncio.to_thread(
                lambda: connection.execute(
                    f"SELECT MIN(id), MAX(id), COUNT(*) FROM {table} WHERE {where}",
                    params,
                ).fetchone()
            )
            chunks = max(1, math.ceil(total / chunk_rows)) if total else 0
            await on_progress(ScanProgress(table, 0, total, 0, chunks))
            scanned = 0
            for index, (first, last) in enumerate(_id_ranges(low, high, chunks), start=1):
                chunk_where = f"{where} AND id BETWEEN ? AND ?"
                scanned += await asyncio.to_thread(
                    fold, connection, chunk_where, [*params, first, last]
                )
                await on_progress(ScanProgress(table, scanned, total, index, chunks))

    def _connect(self) -> sqlite3.Connection:
        if not self.path.is_file():
            raise FileNotFoundError(self.path)
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        return sqlite3.connect(uri, uri=True, check_same_thread=False)


def _id_ranges(low: int | None, high: int | None, chunks: int) -> list[tuple[int, int]]:
    """Split the id range [low, high] into `chunks` contiguous, non-empty, equal-width ranges."""
    if low is None or high is None or chunks == 0:
        return []
    width = (high - low + 1) / chunks
    bounds = [low + round(width * index) for index in range(chunks + 1)]
    return [(bounds[i], bounds[i + 1] - 1) for i in range(chunks) if bounds[i + 1] > bounds[i]]
