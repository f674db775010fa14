"""The Balance Agent's analysis: find imbalanced matchups, tie them to complaints, propose changes.

A matchup is **imbalanced** in a patch when the favored side wins at least `MIN_DEVIATION`
(3 points) more than 50% and that is at least `MIN_Z` (3) standard errors away from 50%
(``z = (rate - 0.5) / sqrt(0.25 / games)``). For each imbalance the report proposes to weaken
the favored race's most complained-about unit of that patch, sized by the deviation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from game_balance.agents.language import Lang, percent, pick
from game_balance.data.catalog import ko, matchup_name
from game_balance.data.stats import WinRate

MIN_DEVIATION = 0.03
MIN_Z = 3.0


@dataclass(frozen=True)
class Finding:
    """One matchup of the patch, seen from the side that won more (`race`)."""

    race: str
    opponent: str
    wins: int
    games: int
    baseline_rate: float
    """The same side's win rate over all other patches."""

    @property
    def rate(self) -> float:
        """Win rate of `race` in this matchup and patch."""
        return self.wins / self.games if self.games else 0.5

    @property
    def z(self) -> float:
        """Standard errors between `rate` and 50%."""
        return (self.rate - 0.5) / math.sqrt(0.25 / self.games) if self.games else 0.0

    @property
    def imbalanced(self) -> bool:
        """Whether this matchup passes both imbalance thresholds."""
        return self.rate - 0.5 >= MIN_DEVIATION and self.z >= MIN_Z

    def to_data(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "matchup": matchup_name(self.race, self.opponent),
            "race": self.race,
            "opponent": self.opponent,
            "wins": self.wins,
            "games": self.games,
            "win_rate": round(self.rate, 6),
            "baseline_win_rate": round(self.baseline_rate, 6),
            "deviation_pp": round((self.rate - 0.5) * 100, 2),
            "z": round(self.z, 2),
            "imbalanced": self.imbalanced,
        }


@dataclass(frozen=True)
class Change:
    """A proposed change: weaken `unit` of `race` (or only monitor, when `unit` is None)."""

    race: str | None
    unit: str | None
    finding: Finding | None
    complaints: Mapping[str, Any] | None

    def summary(self, lang: Lang, patch: str) -> str:
        """The proposal in words."""
        if self.finding is None:
            return pick(
                lang,
                "변경 제안 없음: 모든 매치업이 50% ± 3%p 안에 있습니다. 계속 모니터링합니다.",
                "No change proposed: every matchup is within 3 points of 50%. Keep monitoring.",
            )
        f = self.finding
        cut = max(1, round((f.rate - 0.5) * 100))
        side = pick(lang, f"{ko(f.race)} 대 {ko(f.opponent)}", matchup_name(f.race, f.opponent))
        if self.unit is None:
            return pick(
                lang,
                f"{ko(f.race)} 하향 검토: {side} 승률 {percent(f.rate)}를 50% ± 2%p로 되돌립니다.",
                f"Review {f.race} against {f.opponent}: bring {side} from "
                f"{percent(f.rate)} back to 50% ± 2 points.",
            )
        posts = int(self.complaints["posts"]) if self.complaints else 0
        return pick(
            lang,
            f"{ko(self.unit)} 하향: {patch} 패치 변경을 되돌리거나 효율을 약 {cut}% 낮춰 "
            f"{side} 승률({percent(f.rate)})을 50% ± 2%p로 맞춥니다 (관련 불만 {posts:,}건).",
            f"Nerf the {self.unit}: revert its {patch} change or cut its effectiveness by about "
            f"{cut}% to bring {side} ({percent(f.rate)}) back to 50% ± 2 points "
            f"({posts:,} complaints name it).",
        )


@dataclass(frozen=True)
class BalanceReport:
    """Everything the balance report says, with the numbers it rests on."""

    patch: str
    findings: list[Finding]
    changes: list[Change]
    top_complaints: list[Mapping[str, Any]]
    units: list[Mapping[str, Any]]
    sentiment: list[Mapping[str, Any]]

    @property
    def imbalances(self) -> list[Finding]:
        """The imbalanced matchups, largest deviation first."""
        return sorted((f for f in self.findings if f.imbalanced), key=lambda f: -f.rate)

    def patch_sentiment(self) -> Mapping[str, Any] | None:
        """The sentiment point of this report's patch, if the CS agent returned one."""
        return next((p for p in self.sentiment if p.get("patch") == self.patch), None)

    def to_data(self, lang: Lang) -> dict[str, Any]:
        """The report's structured data part (change summaries in `lang`)."""
        return {
            "agent": "balance",
            "patch": self.patch,
            "matchups": [f.to_data() for f in self.findings],
            "imbalances": [f.to_data() for f in self.imbalances],
            "top_complaints": [dict(post) for post in self.top_complaints],
            "complaints_by_unit": [dict(unit) for unit in self.units],
            "sentiment_trend": [dict(point) for point in self.sentiment],
            "proposed_changes": [
                {"race": c.race, "unit": c.unit, "summary": c.summary(lang, self.patch)}
                for c in self.changes
            ],
        }


def analyze(
    patch: str,
    matchups: Sequence[WinRate],
    complaints: Mapping[str, Any],
    sentiment: Mapping[str, Any],
) -> BalanceReport:
    """Build the report of `patch` from the sub-agents' answers.

    Args:
        patch: The patch analysed.
        matchups: Matchup win rates grouped by patch (every patch, for the baseline).
        complaints: The CS agent's complaints data for the patch (``units``, ``top_complaints``).
        sentiment: The CS agent's sentiment data (``trend``).
    """
    findings = [_finding(m, matchups) for m in matchups if m.group == patch]
    units: list[Mapping[str, Any]] = list(complaints.get("units", []))
    changes = [_change(f, units) for f in findings if f.imbalanced]
    return BalanceReport(
        patch=patch,
        findings=findings,
        changes=changes or [Change(None, None, None, None)],
        top_complaints=list(complaints.get("top_complaints", [])),
        units=units,
        sentiment=list(sentiment.get("trend", [])),
    )


def _finding(matchup: WinRate, everything: Sequence[WinRate]) -> Finding:
    others = [
        m
        for m in everything
        if m.group != matchup.group and (m.race, m.opponent) == (matchup.race, matchup.opponent)
    ]
    wins, games = sum(m.wins for m in others), sum(m.games for m in others)
    baseline = wins / games if games else 0.5
    if matchup.rate >= 0.5:
        return Finding(matchup.race, matchup.opponent or "", matchup.wins, matchup.games, baseline)
    opponent = matchup.opponent or ""
    return Finding(
        opponent, matchup.race, matchup.games - matchup.wins, matchup.games, 1 - baseline
    )


def _change(finding: Finding, units: Sequence[Mapping[str, Any]]) -> Change:
    blamed = next((u for u in units if u.get("race") == finding.race), None)
    unit = str(blamed["unit"]) if blamed else None
    return Change(finding.race, unit, finding, blamed)
