"""The fixed vocabulary of the game: races, patches, maps, MMR brackets, units, topics.

Every name has an English form (stored in the database) and a Korean form (used when an
agent answers in Korean and when parsing Korean questions). The planted imbalance the
analysis is meant to find is declared here too, so the generator, the docs and the tests
agree on it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

RACES: tuple[str, ...] = ("Terran", "Zerg", "Protoss")
"""The three races, in canonical order (matchups are named in this order: TvZ, TvP, ZvP)."""

RACE_KO: dict[str, str] = {"Terran": "테란", "Zerg": "저그", "Protoss": "프로토스"}

PATCHES: tuple[str, ...] = ("7.1", "7.2", "7.3", "7.4", "7.5")
"""Patch versions, oldest first. Each patch is live for `PATCH_DAYS` days."""

FIRST_PATCH_DATE = dt.date(2024, 1, 9)
PATCH_DAYS = 42

MAPS: tuple[str, ...] = (
    "Alcyone Station",
    "Crimson Basin",
    "Frostline",
    "Glass Gardens",
    "Ironforge Pass",
    "Lunar Rift",
    "Old Harbor",
    "Sandstorm Mesa",
)
MAP_KO: dict[str, str] = {
    "Alcyone Station": "알키오네 정거장",
    "Crimson Basin": "진홍 분지",
    "Frostline": "프로스트라인",
    "Glass Gardens": "유리 정원",
    "Ironforge Pass": "아이언포지 협곡",
    "Lunar Rift": "달의 균열",
    "Old Harbor": "옛 항구",
    "Sandstorm Mesa": "모래폭풍 고원",
}

BRACKETS: tuple[str, ...] = (
    "Bronze",
    "Silver",
    "Gold",
    "Platinum",
    "Diamond",
    "Master",
    "Grandmaster",
)
"""MMR brackets, lowest first."""

BRACKET_KO: dict[str, str] = {
    "Bronze": "브론즈",
    "Silver": "실버",
    "Gold": "골드",
    "Platinum": "플래티넘",
    "Diamond": "다이아몬드",
    "Master": "마스터",
    "Grandmaster": "그랜드마스터",
}

UNITS: dict[str, tuple[str, ...]] = {
    "Terran": ("Marine", "Marauder", "Siege Tank", "Medivac", "Widow Mine", "Battlecruiser"),
    "Zerg": ("Zergling", "Baneling", "Roach", "Hydralisk", "Mutalisk", "Lurker"),
    "Protoss": ("Zealot", "Stalker", "Immortal", "Colossus", "Void Ray", "Disruptor"),
}
"""Units per race; every feedback post about a unit names the unit's own race."""

UNIT_KO: dict[str, str] = {
    "Marine": "마린",
    "Marauder": "불곰",
    "Siege Tank": "공성 전차",
    "Medivac": "의료선",
    "Widow Mine": "땅거미 지뢰",
    "Battlecruiser": "전투순양함",
    "Zergling": "저글링",
    "Baneling": "맹독충",
    "Roach": "바퀴",
    "Hydralisk": "히드라리스크",
    "Mutalisk": "뮤탈리스크",
    "Lurker": "가시지옥",
    "Zealot": "질럿",
    "Stalker": "추적자",
    "Immortal": "불멸자",
    "Colossus": "거신",
    "Void Ray": "공허 포격기",
    "Disruptor": "분열기",
}

TOPICS: tuple[str, ...] = ("balance", "bug", "matchmaking", "maps", "performance")
TOPIC_KO: dict[str, str] = {
    "balance": "밸런스",
    "bug": "버그",
    "matchmaking": "매치메이킹",
    "maps": "맵",
    "performance": "성능",
}


@dataclass(frozen=True)
class PlantedImbalance:
    """The one real imbalance in the data set: `favored` beats `against` too often in `patch`."""

    patch: str
    favored: str
    against: str
    win_rate: float
    """The designed win probability of `favored` in that matchup (the observed rate varies)."""
    unit: str
    """The unit players blame for it (most upvoted complaints name it)."""


IMBALANCE = PlantedImbalance(
    patch="7.3", favored="Zerg", against="Terran", win_rate=0.56, unit="Baneling"
)


def patch_start(patch: str) -> dt.date:
    """The first day `patch` was live."""
    return FIRST_PATCH_DATE + dt.timedelta(days=PATCH_DAYS * PATCHES.index(patch))


def matchup_name(race: str, opponent: str) -> str:
    """The English name of a matchup from `race`'s side, e.g. ``"Zerg vs Terran"``."""
    return f"{race} vs {opponent}"


def ko(name: str) -> str:
    """The Korean form of any catalog name (race, map, bracket, unit, topic); else unchanged."""
    for table in (RACE_KO, MAP_KO, BRACKET_KO, UNIT_KO, TOPIC_KO):
        if name in table:
            return table[name]
    return name
