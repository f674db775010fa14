"""Seeded, deterministic generator of player-feedback forum posts (Korean and English).

Distributions (one ``random.Random(seed)``):

- **Baseline**: ``POSTS_PER_PATCH`` posts in every patch, date uniform over the patch.
  Language Korean 55%, English 45%. Topic balance 40%, bug 20%, matchmaking 15%, maps 15%,
  performance 10%. Race by the same weights as the match data (35/33/32); balance and bug posts
  name a unit of that race (uniform), the other topics name no unit.
  Sentiment in [-1, 1]: balance posts are complaints (uniform -0.8..-0.2) 65% of the time and
  praise (0.2..0.8) otherwise; bug and performance -0.9..-0.3; matchmaking and maps -0.7..0.0.
  Upvotes log-normal, median about 10 (``exp(N(2.3, 0.8))``).
- **The planted wave** (consistent with `catalog.IMBALANCE`): ``IMBALANCE_POSTS`` extra balance
  posts in patch 7.3 about Zerg. 80% are complaints (sentiment -0.95..-0.55) naming the
  Baneling (75%), Zergling (15%) or Roach (10%), upvotes median about 80 for the Baneling
  (``exp(N(4.4, 0.6))``) and 50 for the others (``exp(N(3.9, 0.6))``);
  20% defend Zerg (sentiment 0.2..0.7, ordinary upvotes).

Posts are stored in date order. A post with sentiment at or below ``COMPLAINT_SENTIMENT`` is a
complaint.
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
    TOPICS,
    UNITS,
    ko,
    patch_start,
)
from game_balance.data.feedback_text import TEMPLATES
from game_balance.data.matches import RACE_WEIGHTS

POSTS_PER_PATCH = 420
IMBALANCE_POSTS = 450
COMPLAINT_SENTIMENT = -0.3
KOREAN_SHARE = 0.55
TOPIC_WEIGHTS = (0.40, 0.20, 0.15, 0.15, 0.10)
_WAVE_UNITS = ((IMBALANCE.unit, "Zergling", "Roach"), (0.75, 0.15, 0.10))
_SENTIMENT_RANGE: dict[str, tuple[float, float]] = {
    "bug": (-0.9, -0.3),
    "performance": (-0.9, -0.3),
    "matchmaking": (-0.7, 0.0),
    "maps": (-0.7, 0.0),
}


class FeedbackRow(NamedTuple):
    """One row of the ``feedback`` table."""

    post_id: str
    patch: str
    posted_on: str
    lang: str
    race: str
    unit: str | None
    topic: str
    sentiment: float
    upvotes: int
    title: str
    body: str


class _Draft(NamedTuple):
    day: dt.date
    lang: str
    race: str
    unit: str | None
    topic: str
    category: str
    sentiment: float
    upvotes: int


def _upvotes(rng: random.Random, mu: float, sigma: float) -> int:
    return int(math.exp(rng.gauss(mu, sigma)))


def _baseline(rng: random.Random, patch: str, day: dt.date) -> _Draft:
    lang = "ko" if rng.random() < KOREAN_SHARE else "en"
    race = rng.choices(RACES, RACE_WEIGHTS)[0]
    topic = rng.choices(TOPICS, TOPIC_WEIGHTS)[0]
    unit = rng.choice(UNITS[race]) if topic in ("balance", "bug") else None
    if topic == "balance":
        praise = rng.random() >= 0.65
        category = "balance_pos" if praise else "balance_neg"
        low, high = (0.2, 0.8) if praise else (-0.8, -0.2)
    else:
        category = topic
        low, high = _SENTIMENT_RANGE[topic]
    sentiment = round(rng.uniform(low, high), 2)
    return _Draft(day, lang, race, unit, topic, category, sentiment, _upvotes(rng, 2.3, 0.8))


def _wave(rng: random.Random, day: dt.date) -> _Draft:
    lang = "ko" if rng.random() < KOREAN_SHARE else "en"
    if rng.random() < 0.8:
        unit = rng.choices(*_WAVE_UNITS)[0]
        sentiment = round(rng.uniform(-0.95, -0.55), 2)
        upvotes = _upvotes(rng, 4.4 if unit == IMBALANCE.unit else 3.9, 0.6)
        category = "imbalance"
    else:
        unit = rng.choice(UNITS[IMBALANCE.favored])
        sentiment = round(rng.uniform(0.2, 0.7), 2)
        upvotes = _upvotes(rng, 2.3, 0.8)
        category = "defense"
    return _Draft(day, lang, IMBALANCE.favored, unit, "balance", category, sentiment, upvotes)


def _text(rng: random.Random, draft: _Draft, patch: str) -> tuple[str, str]:
    titles, bodies = TEMPLATES[(draft.category, draft.lang)]
    names = {
        "unit": draft.unit or "",
        "race": draft.race,
        "opp": IMBALANCE.against if draft.race == IMBALANCE.favored else IMBALANCE.favored,
        "map": rng.choice(MAPS),
        "bracket": rng.choice(BRACKETS),
    }
    if draft.lang == "ko":
        names = {key: ko(value) for key, value in names.items()}
    title = rng.choice(titles).format(patch=patch, **names)
    return title, rng.choice(bodies).format(patch=patch, **names)


def _patch_posts(rng: random.Random, patch: str) -> list[tuple[_Draft, str, str]]:
    start = patch_start(patch)
    drafts = [
        _baseline(rng, patch, start + dt.timedelta(days=rng.randrange(PATCH_DAYS)))
        for _ in range(POSTS_PER_PATCH)
    ]
    if patch == IMBALANCE.patch:
        drafts += [
            _wave(rng, start + dt.timedelta(days=rng.randrange(PATCH_DAYS)))
            for _ in range(IMBALANCE_POSTS)
        ]
    drafts.sort(key=lambda draft: draft.day)
    return [(draft, *_text(rng, draft, patch)) for draft in drafts]


def generate_feedback(seed: int) -> Iterator[FeedbackRow]:
    """Yield every forum post, patch by patch in date order, deterministically."""
    rng = random.Random(seed)
    number = 0
    for patch in PATCHES:
        for draft, title, body in _patch_posts(rng, patch):
            number += 1
            yield FeedbackRow(
                f"P{number:05d}",
                patch,
                draft.day.isoformat(),
                draft.lang,
                draft.race,
                draft.unit,
                draft.topic,
                draft.sentiment,
                draft.upvotes,
                title,
                body,
            )
