"""Pure aggregation of scanned rows: win rates, durations, complaints, sentiment.

Definitions used everywhere (and in docs/demo-data.md):

- A race's **win rate** counts non-mirror games only: games won by that race divided by
  non-mirror games it played. Mirror matches are in the data but always 50%, so they are
  excluded from race and matchup win rates (and counted separately).
- A **matchup win rate** ("Zerg vs Terran") is the share of Zerg-Terran games Zerg won.
- **Duration** is the mean game length in seconds over the selected games (mirrors included
  unless a matchup is selected).
- A **complaint** is a post with sentiment at or below -0.3.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from game_balance.data.catalog import PATCHES, RACES
from game_balance.data.feedback import COMPLAINT_SENTIMENT


@dataclass(frozen=True)
class WinRate:
    """Wins of `race` over `games` non-mirror games (against `opponent`, or anyone if None)."""

    race: str
    opponent: str | None
    wins: int
    games: int
    group: str | None = None
    """The value of the grouping dimension (a patch, map or bracket), if grouped."""

    @property
    def rate(self) -> float:
        """Wins / games, 0.0 when there are no games."""
        return self.wins / self.games if self.games else 0.0

    def to_data(self) -> dict[str, Any]:
        """A JSON-ready dict (the shape agents put in data parts)."""
        return {
            "race": self.race,
            "opponent": self.opponent,
            "group": self.group,
            "wins": self.wins,
            "games": self.games,
            "win_rate": round(self.rate, 6),
        }


@dataclass(frozen=True)
class Duration:
    """Mean game length of `games` games (of the `races` matchup if given)."""

    races: tuple[str, str] | None
    games: int
    total_s: int
    group: str | None = None

    @property
    def mean_s(self) -> float:
        """Mean duration in seconds, 0.0 when there are no games."""
        return self.total_s / self.games if self.games else 0.0

    def to_data(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "races": list(self.races) if self.races else None,
            "group": self.group,
            "games": self.games,
            "mean_seconds": round(self.mean_s, 3),
        }


Cell = tuple[str | None, str, str, int]
"""(group, race_1, race_2, winner)"""


@dataclass
class MatchTally:
    """Game counts and duration sums per (group, race_1, race_2, winner)."""

    games: dict[Cell, int] = field(default_factory=lambda: defaultdict(int))
    seconds: dict[Cell, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, cell: Cell, games: int, seconds: int) -> None:
        """Count `games` more games of `cell` lasting `seconds` in total."""
        self.games[cell] += games
        self.seconds[cell] += seconds

    def groups(self, order: tuple[str, ...] = ()) -> list[str]:
        """The group values seen, in `order` first, then alphabetically."""
        seen = {cell[0] for cell in self.games if cell[0] is not None}
        rank = {value: index for index, value in enumerate(order)}
        return sorted(seen, key=lambda value: (rank.get(value, len(rank)), value))

    def total_games(self, group: str | None = None) -> int:
        """All games (mirrors included) in `group`, or overall when `group` is None."""
        return sum(n for cell, n in self.games.items() if group is None or cell[0] == group)

    def win_rate(self, race: str, opponent: str | None = None, group: str | None = None) -> WinRate:
        """`race`'s non-mirror win rate, optionally against one `opponent` and in one `group`."""
        wins = games = 0
        for (cell_group, race_1, race_2, winner), count in self.games.items():
            if race_1 == race_2 or (group is not None and cell_group != group):
                continue
            if race not in (race_1, race_2):
                continue
            other = race_2 if race_1 == race else race_1
            if opponent is not None and other != opponent:
                continue
            games += count
            if (race_1, race_2)[winner - 1] == race:
                wins += count
        return WinRate(race, opponent, wins, games, group)

    def matchups(self, group: str | None = None) -> list[WinRate]:
        """The three matchups from the side of the earlier race in `RACES` order."""
        return [
            self.win_rate(race, opponent, group)
            for index, race in enumerate(RACES)
            for opponent in RACES[index + 1 :]
        ]

    def duration(self, races: tuple[str, str] | None = None, group: str | None = None) -> Duration:
        """Mean duration of the `races` matchup (either order), or of all games."""
        wanted = frozenset(races) if races else None
        games = seconds = 0
        for cell, count in self.games.items():
            if group is not None and cell[0] != group:
                continue
            if wanted is not None and frozenset(cell[1:3]) != wanted:
                continue
            games += count
            seconds += self.seconds[cell]
        return Duration(races, games, seconds, group)


@dataclass(frozen=True)
class Post:
    """One forum post as the CS agent reports it."""

    post_id: str
    patch: str
    lang: str
    race: str
    unit: str | None
    topic: str
    sentiment: float
    upvotes: int
    title: str

    def to_data(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "post_id": self.post_id,
            "patch": self.patch,
            "lang": self.lang,
            "race": self.race,
            "unit": self.unit,
            "topic": self.topic,
            "sentiment": self.sentiment,
            "upvotes": self.upvotes,
            "title": self.title,
        }


@dataclass(frozen=True)
class UnitComplaints:
    """How many complaints name `unit` of `race`, and their upvotes in total."""

    race: str
    unit: str
    posts: int
    upvotes: int

    def to_data(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"race": self.race, "unit": self.unit, "posts": self.posts, "upvotes": self.upvotes}


@dataclass(frozen=True)
class SentimentPoint:
    """Sentiment of the posts of one patch."""

    patch: str
    posts: int
    mean_sentiment: float
    complaint_share: float

    def to_data(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "patch": self.patch,
            "posts": self.posts,
            "mean_sentiment": round(self.mean_sentiment, 6),
            "complaint_share": round(self.complaint_share, 6),
        }


@dataclass
class FeedbackTally:
    """Running aggregates over scanned posts: top complaints, per-unit totals, per-patch mood."""

    top: int = 5
    posts_scanned: int = 0
    _complaints: list[Post] = field(default_factory=list)
    _units: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    _patches: dict[str, list[float]] = field(default_factory=dict)

    def add(self, post: Post) -> None:
        """Fold one post into the aggregates."""
        self.posts_scanned += 1
        mood = self._patches.setdefault(post.patch, [0, 0.0, 0])
        complaint = post.sentiment <= COMPLAINT_SENTIMENT
        mood[0] += 1
        mood[1] += post.sentiment
        mood[2] += int(complaint)
        if not complaint:
            return
        if post.unit is not None:
            totals = self._units.setdefault((post.race, post.unit), [0, 0])
            totals[0] += 1
            totals[1] += post.upvotes
        self._complaints.append(post)
        if len(self._complaints) > 4 * self.top:
            self._complaints = self.top_complaints()

    def top_complaints(self) -> list[Post]:
        """The most upvoted complaints, most upvoted first (ties: lower post id first)."""
        ranked = sorted(self._complaints, key=lambda post: (-post.upvotes, post.post_id))
        return ranked[: self.top]

    def units(self) -> list[UnitComplaints]:
        """Complaint totals per unit, most upvoted first."""
        rows = [UnitComplaints(race, unit, n, up) for (race, unit), (n, up) in self._units.items()]
        return sorted(rows, key=lambda row: (-row.upvotes, row.race, row.unit))

    def sentiment_trend(self) -> list[SentimentPoint]:
        """Mean sentiment and complaint share per patch, oldest patch first."""
        rank = {patch: index for index, patch in enumerate(PATCHES)}
        return [
            SentimentPoint(patch, int(n), total / n, negatives / n)
            for patch, (n, total, negatives) in sorted(
                self._patches.items(), key=lambda item: rank.get(item[0], len(rank))
            )
        ]
