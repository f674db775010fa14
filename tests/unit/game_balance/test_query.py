"""Reading Korean and English questions into `Query`s, and the structured form agents exchange."""

from __future__ import annotations

from typing import Any

import pytest

from game_balance.agents.language import detect_lang, minutes, percent
from game_balance.agents.query import Query, describe, parse_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("테란 승률?", {"op": "win_rate", "races": ("Terran",), "lang": "ko"}),
        ("What is the Terran win rate?", {"op": "win_rate", "races": ("Terran",), "lang": "en"}),
        ("승률?", {"op": "win_rate", "races": ()}),
        ("승률?\n저그", {"op": "win_rate", "races": ("Zerg",)}),
        ("7.3 패치 저그 대 테란 승률", {"races": ("Zerg", "Terran"), "patch": "7.3"}),
        ("ZvT win rate in 7.3", {"races": ("Zerg", "Terran"), "patch": "7.3"}),
        ("프로토스 맵별 승률", {"races": ("Protoss",), "group_by": "map"}),
        ("Zerg win rate by MMR in Grandmaster", {"group_by": "bracket", "bracket": "Grandmaster"}),
        ("마스터 구간 승률", {"bracket": "Master"}),
        ("패치별 승률 추이", {"op": "win_rate", "group_by": "patch"}),
        ("종족별 승률", {"all_races": True}),
        ("Frostline average game duration", {"op": "duration", "map": "Frostline"}),
        ("7.3 패치 밸런스 분석", {"op": "balance", "patch": "7.3"}),
        ("analyze balance for patch 7.4", {"op": "balance", "patch": "7.4"}),
        ("밸런스 분석해줘\n7.3", {"op": "balance", "patch": "7.3"}),
        ("맹독충 불만 상위", {"op": "complaints", "unit": "Baneling"}),
        ("sentiment trend per patch", {"op": "sentiment", "group_by": "patch"}),
        ("matchmaking complaints", {"op": "complaints", "topic": "matchmaking"}),
        ("patch 9.9 win rate", {"patch": None}),
        ("hello", {"op": None}),
    ],
)
def test_parse_text(text: str, expected: dict[str, Any]) -> None:
    query = parse_text(text)
    assert {key: getattr(query, key) for key in expected} == expected


def test_structured_form_round_trips() -> None:
    query = Query(op="matchups", lang="ko", races=("Zerg",), patch="7.3", group_by="map", top=3)
    assert Query.from_data(query.to_data()) == query


def test_structured_form_drops_unknown_values() -> None:
    query = Query.from_data(
        {"op": "drop tables", "races": ["Elf", "Zerg"], "patch": "9.9", "top": 999, "x": 1}
    )
    assert query == Query(races=("Zerg",))


def test_describe() -> None:
    query = Query(op="win_rate", lang="ko", races=("Terran",), patch="7.3", group_by="map")
    assert describe(query) == "승률 · 테란 · 7.3 패치 · 맵별"
    assert describe(Query(op="complaints", unit="Baneling")) == "top complaints · Baneling"


def test_language_and_number_formats() -> None:
    assert detect_lang("테란 승률?") == "ko"
    assert detect_lang("ㅋㅋ") == "ko"
    assert detect_lang("Terran win rate?") == "en"
    assert percent(0.52349) == "52.3%"
    assert minutes(754.6) == "12:35"
