"""Seeded, deterministic generator of ranked matches.

Distributions (all draws come from one ``random.Random(seed)``, so a seed fixes every row):

- **Patches**: ``MATCHES_PER_PATCH`` matches in each of the five patches; the date is uniform
  over the patch's 42 live days; rows are stored in date order within a patch, patches in order.
- **Races**: each player independently Terran 35%, Zerg 33%, Protoss 32% (so about a third of
  matches are mirrors, which are kept).
- **Map**: uniform over the eight maps. **MMR bracket**: Bronze 12%, Silver 18%, Gold 22%,
  Platinum 20%, Diamond 15%, Master 10%, Grandmaster 3%.
- **Winner**: player 1 wins with probability ``0.5 + edge(race_1, race_2, patch)``. The edge
  is zero in mirrors and at most 1.5 points in every matchup of every patch, except the planted
  imbalance: in patch 7.3 Zerg beats Terran with probability 0.56 (`catalog.IMBALANCE`).
- **Duration** (seconds): log-normal around a per-matchup mean (TvZ 780, TvP 840, ZvP 750,
  TvT 900, ZvZ 600, PvP 720) times a per-map factor (0.9 to 1.1), with sigma 0.35, clamped to
  [150, 3600]. Zerg wins over Terran in patch 7.3 are 15% shorter (the Baneling timing).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from typing import NamedTuple

from game_balance.data.catalog import (
    BRACKETS,
    IMBALANCE,
    MAPS,
    PATCH_DAYS,
    PATCHES,
    RACES,
    patch_start,
)

MATCHES_PER_PATCH = 12_000
RACE_WEIGHTS = (0.35, 0.33, 0.32)
BRACKET_WEIGHTS = (0.12, 0.18, 0.22, 0.20, 0.15, 0.10, 0.03)
DURATION_SIGMA = 0.35

_BASE_DURATION: dict[frozenset[str], float] = {
    frozenset({"Terran", "Zerg"}): 780.0,
    frozenset({"Terran", "Protoss"}): 840.0,
    frozenset({"Zerg", "Protoss"}): 750.0,
    frozenset({"Terran"}): 900.0,
    frozenset({"Zerg"}): 600.0,
    frozenset({"Protoss"}): 720.0,
}
_MAP_FACTOR: dict[str, float] = {
    name: 0.9 + 0.2 * index / (len(MAPS) - 1) for index, name in enumerate(MAPS)
}
_SMALL_EDGES: dict[tuple[str, str, str], float] = {
    ("7.1", "Protoss", "Terran"): 0.010,
    ("7.2", "Terran", "Zerg"): 0.008,
    ("7.4", "Zerg", "Terran"): 0.015,
    ("7.5", "Protoss", "Zerg"): 0.012,
}
"""Small, realistic drifts (favored, against) that stay well inside the ±3 point band."""


class MatchRow(NamedTuple):
    """One row of the ``matches`` table (player 1 and player 2; ``winner`` is 1 or 2)."""

    match_id: str
    patch: str
    played_on: str
    map: str
    race_1: str
    race_2: str
    mmr_bracket: str
    duration_s: int
    winner: int


def edge(race: str, opponent: str, patch: str) -> float:
    """How much more than 50% `race` is designed to win against `opponent` in `patch`."""
    if race == opponent:
        return 0.0
    planted = IMBALANCE.win_rate - 0.5
    if (patch, race, opponent) == (IMBALANCE.patch, IMBALANCE.favored, IMBALANCE.against):
        return planted
    if (patch, opponent, race) == (IMBALANCE.patch, IMBALANCE.favored, IMBALANCE.against):
        return -planted
    if (patch, race, opponent) in _SMALL_EDGES:
        return _SMALL_EDGES[(patch, race, opponent)]
    return -_SMALL_EDGES.get((patch, opponent, race), 0.0)


def _duration(rng: random.Random, patch: str, game: tuple[str, str, str], winner: str) -> int:
    race_1, race_2, map_name = game
    mean = _BASE_DURATION[frozenset({race_1, race_2})] * _MAP_FACTOR[map_name]
    loser = race_2 if winner == race_1 else race_1
    if (patch, winner, loser) == (IMBALANCE.patch, IMBALANCE.favored, IMBALANCE.against):
        mean *= 0.85
    seconds = mean * math.exp(rng.gauss(0.0, DURATION_SIGMA) - DURATION_SIGMA**2 / 2)
    return int(min(3600.0, max(150.0, seconds)))


def _patch_rows(rng: random.Random, patch: str, count: int, first_id: int) -> list[MatchRow]:
    start = patch_start(patch)
    drafts: list[tuple[dt.date, tuple[str, str, str, str, int, int]]] = []
    for _ in range(count):
        day = start + dt.timedelta(days=rng.randrange(PATCH_DAYS))
        race_1, race_2 = rng.choices(RACES, RACE_WEIGHTS, k=2)
        map_name = rng.choice(MAPS)
        bracket = rng.choices(BRACKETS, BRACKET_WEIGHTS)[0]
        winner = 1 if rng.random() < 0.5 + edge(race_1, race_2, patch) else 2
        duration = _duration(
            rng, patch, (race_1, race_2, map_name), race_1 if winner == 1 else race_2
        )
        drafts.append((day, (map_name, race_1, race_2, bracket, duration, winner)))
    drafts.sort(key=lambda draft: draft[0])
    return [
        MatchRow(f"M{first_id + i:06d}", patch, day.isoformat(), *fields)
        for i, (day, fields) in enumerate(drafts)
    ]


def generate_matches(seed: int, per_patch: int = MATCHES_PER_PATCH) -> Iterator[MatchRow]:
    """Yield ``per_patch`` matches for every patch, in date order, deterministically."""
    rng = random.Random(seed)
    for index, patch in enumerate(PATCHES):
        yield from _patch_rows(rng, patch, per_patch, first_id=1 + index * per_patch)
