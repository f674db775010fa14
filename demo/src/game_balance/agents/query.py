"""What a question asks for, read from Korean or English text or from a structured data part.

People send text ("테란 승률?", "win rate by map for patch 7.3"); agents calling each other
send the same `Query` as a data part (`Query.to_data`), with a text rendering for humans
reading the traffic. Parsing is keyword based and deterministic: no model is involved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeVar, get_args

from game_balance.agents.language import Lang, detect_lang, pick
from game_balance.data.catalog import BRACKETS, MAPS, PATCHES, RACES, TOPICS, UNITS, ko
from game_balance.data.queries import Dimension

_Key = TypeVar("_Key", bound=str)

Op = Literal["win_rate", "matchups", "duration", "complaints", "sentiment", "balance"]

_RACE_WORDS: dict[str, tuple[str, ...]] = {
    "Terran": ("terran", "테란"),
    "Zerg": ("zerg", "저그"),
    "Protoss": ("protoss", "프로토스", "토스"),
}
_SHORT_MATCHUP = re.compile(r"\b([tzp])v([tzp])\b")
_SHORT_RACE = {"t": "Terran", "z": "Zerg", "p": "Protoss"}
_PATCH = re.compile(r"(?<![\d.])(\d+\.\d+)(?![\d.])")
_BRACKET_WORDS: dict[str, tuple[str, ...]] = {
    "Grandmaster": ("grandmaster", "그랜드마스터", "그마"),
    "Master": ("master", "마스터"),
    "Diamond": ("diamond", "다이아"),
    "Platinum": ("platinum", "플래티넘", "플래"),
    "Gold": ("gold", "골드"),
    "Silver": ("silver", "실버"),
    "Bronze": ("bronze", "브론즈"),
}
_GROUP_WORDS: dict[Dimension, tuple[str, ...]] = {
    "map": ("by map", "per map", "each map", "맵별", "맵 별"),
    "bracket": ("by bracket", "per bracket", "by mmr", "per mmr", "티어별", "구간별", "mmr별"),
    "patch": (
        "by patch",
        "per patch",
        "across patches",
        "over patches",
        "trend",
        "패치별",
        "추이",
        "트렌드",
    ),
}
_ALL_RACES = ("by race", "each race", "all races", "every race", "종족별", "모든 종족", "각 종족")
_TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "bug": ("bug", "버그"),
    "matchmaking": ("matchmaking", "queue", "매칭", "매치메이킹"),
    "performance": ("performance", "lag", "fps", "렉", "성능", "프레임"),
}
_OP_WORDS: tuple[tuple[Op, tuple[str, ...]], ...] = (
    ("sentiment", ("sentiment", "mood", "감정", "여론", "분위기")),
    ("complaints", ("complain", "feedback", "forum", "불만", "피드백", "포럼", "게시글")),
    (
        "duration",
        ("duration", "length", "how long", "게임 시간", "경기 시간", "평균 시간", "게임 길이"),
    ),
    ("matchups", ("matchup", "매치업", "상성")),
    ("win_rate", ("win rate", "winrate", "win-rate", "win %", "승률")),
)
_BALANCE_WORDS = ("balance", "밸런스")
_ANALYSIS_WORDS = ("analy", "report", "review", "분석", "리포트", "보고서", "점검")


@dataclass(frozen=True)
class Query:
    """A question, normalised: what to compute (`op`) over which slice of the data."""

    op: Op | None = None
    lang: Lang = "en"
    races: tuple[str, ...] = ()
    """Races named, in the order they were named (two races mean a matchup)."""
    patch: str | None = None
    map: str | None = None
    bracket: str | None = None
    group_by: Dimension | None = None
    unit: str | None = None
    topic: str | None = None
    all_races: bool = False
    top: int = 5

    def to_data(self) -> dict[str, Any]:
        """The structured form agents exchange in a data part."""
        return {
            "op": self.op,
            "lang": self.lang,
            "races": list(self.races),
            "patch": self.patch,
            "map": self.map,
            "bracket": self.bracket,
            "group_by": self.group_by,
            "unit": self.unit,
            "topic": self.topic,
            "all_races": self.all_races,
            "top": self.top,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Query:
        """Read `to_data`'s form; values outside the game's vocabulary are dropped."""

        def known(key: str, values: tuple[str, ...]) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) and value in values else None

        races = data.get("races")
        top = data.get("top")
        return cls(
            op=data["op"] if data.get("op") in get_args(Op) else None,
            lang="ko" if data.get("lang") == "ko" else "en",
            races=tuple(r for r in races if r in RACES) if isinstance(races, list) else (),
            patch=known("patch", PATCHES),
            map=known("map", MAPS),
            bracket=known("bracket", BRACKETS),
            group_by=data["group_by"] if data.get("group_by") in get_args(Dimension) else None,
            unit=known("unit", tuple(u for units in UNITS.values() for u in units)),
            topic=known("topic", TOPICS),
            all_races=data.get("all_races") is True,
            top=int(top) if isinstance(top, int | float) and 0 < top <= 50 else 5,
        )

    def with_lang(self, lang: Lang) -> Query:
        """The same query answered in `lang`."""
        return replace(self, lang=lang)


def parse_text(text: str) -> Query:
    """Read a Korean or English question (several turns may be joined with newlines)."""
    lowered = text.lower()
    return Query(
        op=_op(lowered),
        lang=detect_lang(text),
        races=_races(lowered),
        patch=next((p for p in _PATCH.findall(lowered) if p in PATCHES), None),
        map=_first(lowered, {name: (name.lower(), ko(name)) for name in MAPS}),
        bracket=_first(lowered, _BRACKET_WORDS),
        group_by=_first(lowered, _GROUP_WORDS),
        unit=_first(lowered, {u: (u.lower(), ko(u)) for units in UNITS.values() for u in units}),
        topic=_first(lowered, _TOPIC_WORDS),
        all_races=any(word in lowered for word in _ALL_RACES),
    )


def _op(lowered: str) -> Op | None:
    balance = any(word in lowered for word in _BALANCE_WORDS)
    if balance and any(word in lowered for word in _ANALYSIS_WORDS):
        return "balance"
    for op, words in _OP_WORDS:
        if any(word in lowered for word in words):
            return op
    if any(word in lowered for word in _GROUP_WORDS["patch"]):
        return "win_rate"
    return "balance" if balance else None


def _races(lowered: str) -> tuple[str, ...]:
    short = _SHORT_MATCHUP.search(lowered)
    if short:
        return tuple(dict.fromkeys(_SHORT_RACE[letter] for letter in short.groups()))
    found: dict[str, int] = {}
    for race, words in _RACE_WORDS.items():
        positions = [lowered.find(word) for word in words if word in lowered]
        if positions:
            found[race] = min(positions)
    return tuple(sorted(found, key=found.__getitem__))


def _first(lowered: str, words: Mapping[_Key, tuple[str, ...]]) -> _Key | None:
    """The key whose words appear earliest in `lowered` (longer words win ties)."""
    best: tuple[int, int, _Key] | None = None
    for key, aliases in words.items():
        for alias in aliases:
            position = lowered.find(alias.lower())
            if position >= 0 and (best is None or (position, -len(alias)) < best[:2]):
                best = (position, -len(alias), key)
    return best[2] if best else None


def describe(query: Query) -> str:
    """A short human rendering of the query in its language, e.g. ``"승률 · 테란 · 7.3 패치"``."""
    lang = query.lang
    names = {
        "win_rate": ("승률", "win rate"),
        "matchups": ("매치업별 승률", "matchup win rates"),
        "duration": ("게임 시간", "game duration"),
        "complaints": ("불만 상위", "top complaints"),
        "sentiment": ("여론 추이", "sentiment trend"),
        "balance": ("밸런스 분석", "balance analysis"),
    }
    parts = [pick(lang, *names[query.op]) if query.op else pick(lang, "질문", "question")]
    parts += [_name(lang, race) for race in query.races]
    parts += [pick(lang, f"{query.patch} 패치", f"patch {query.patch}")] if query.patch else []
    parts += [_name(lang, v) for v in (query.map, query.bracket, query.unit) if v]
    parts += [_name(lang, query.topic)] if query.topic else []
    if query.group_by:
        group = {"patch": ("패치별", "by patch"), "map": ("맵별", "by map")}
        parts.append(pick(lang, *group.get(query.group_by, ("티어별", "by MMR bracket"))))
    return " · ".join(parts)


def _name(lang: Lang, name: str) -> str:
    return ko(name) if lang == "ko" else name
