"""The balance analysis on hand-made numbers: thresholds, baselines, proposals, wording."""

from __future__ import annotations

from typing import Any

from game_balance.agents.report import analyze
from game_balance.agents.report_text import render
from game_balance.data.stats import WinRate

UNITS = {
    "units": [
        {"race": "Terran", "unit": "Marine", "posts": 9.0, "upvotes": 50.0},
        {"race": "Zerg", "unit": "Baneling", "posts": 272.0, "upvotes": 20228.0},
    ],
    "top_complaints": [{"post_id": "P1", "title": "Nerf banelings", "upvotes": 345.0}],
}
SENTIMENT = {
    "trend": [
        {"patch": "7.2", "posts": 420.0, "mean_sentiment": -0.3, "complaint_share": 0.5},
        {"patch": "7.3", "posts": 870.0, "mean_sentiment": -0.42, "complaint_share": 0.73},
    ]
}


def _matchups(tvz_wins: int) -> list[WinRate]:
    return [
        WinRate("Terran", "Zerg", tvz_wins, 2800, "7.3"),
        WinRate("Terran", "Protoss", 1330, 2630, "7.3"),
        WinRate("Zerg", "Protoss", 1270, 2500, "7.3"),
        WinRate("Terran", "Zerg", 1400, 2800, "7.2"),
        WinRate("Terran", "Protoss", 1300, 2600, "7.2"),
        WinRate("Zerg", "Protoss", 1250, 2500, "7.2"),
    ]


def test_flags_the_imbalanced_matchup_from_the_favored_side() -> None:
    report = analyze("7.3", _matchups(tvz_wins=1232), UNITS, SENTIMENT)

    (imbalance,) = report.imbalances
    assert (imbalance.race, imbalance.opponent) == ("Zerg", "Terran")
    assert (imbalance.wins, imbalance.games) == (2800 - 1232, 2800)
    assert imbalance.baseline_rate == 0.5
    assert imbalance.z > 3
    data: dict[str, Any] = report.to_data("en")
    assert [m["matchup"] for m in data["imbalances"]] == ["Zerg vs Terran"]
    (change,) = data["proposed_changes"]
    assert change["unit"] == "Baneling"
    assert "Baneling" in change["summary"]
    assert "56.0%" in change["summary"]


def test_small_or_insignificant_deviations_are_not_imbalances() -> None:
    report = analyze("7.3", _matchups(tvz_wins=1330), UNITS, SENTIMENT)  # Zerg 52.5%

    assert report.imbalances == []
    (change,) = report.changes
    assert change.unit is None
    assert "No change proposed" in change.summary("en", "7.3")


def test_without_complaints_the_race_is_reviewed() -> None:
    report = analyze("7.3", _matchups(tvz_wins=1232), {}, {})

    assert report.changes[0].unit is None
    assert "Review Zerg against Terran" in report.changes[0].summary("en", "7.3")
    assert report.patch_sentiment() is None


def test_render_in_both_languages() -> None:
    report = analyze("7.3", _matchups(tvz_wins=1232), UNITS, SENTIMENT)

    korean = render(report, "ko")
    english = render(report, "en")

    assert korean.startswith("# 7.3 패치 밸런스 리포트")
    assert "불균형 발견: 저그 대 테란 56.0%" in korean
    assert "맹독충 하향" in korean
    assert "가장 부정적인 패치" in korean
    assert "Imbalance found: Zerg vs Terran at 56.0%" in english
    assert "| Zerg vs Terran | 56.0% | 2,800 | 50.0% | +6.0 pp ⚠ |" in english
    assert "“Nerf banelings” — upvotes 345" in english
