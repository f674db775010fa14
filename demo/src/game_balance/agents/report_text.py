"""The balance report as markdown, in Korean or English."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from game_balance.agents.language import Lang, percent, pick
from game_balance.agents.report import BalanceReport, Finding
from game_balance.data.catalog import ko, matchup_name


def render(report: BalanceReport, lang: Lang) -> str:
    """The whole report: summary, matchup table, player feedback, proposed changes."""
    sections = [
        pick(
            lang, f"# {report.patch} 패치 밸런스 리포트", f"# Balance report: patch {report.patch}"
        ),
        _summary(report, lang),
        _matchups(report, lang),
        _feedback(report, lang),
        _changes(report, lang),
    ]
    return "\n\n".join(sections) + "\n"


def _side(lang: Lang, finding: Finding) -> str:
    if lang == "ko":
        return f"{ko(finding.race)} 대 {ko(finding.opponent)}"
    return matchup_name(finding.race, finding.opponent)


def _summary(report: BalanceReport, lang: Lang) -> str:
    lines = [pick(lang, "## 요약", "## Summary"), ""]
    for f in report.imbalances:
        deviation = f"{(f.rate - 0.5) * 100:+.1f}"
        lines.append(
            pick(
                lang,
                f"- **불균형 발견: {_side(lang, f)} {percent(f.rate)}** ({f.games:,}경기, "
                f"{deviation}%p, z = {f.z:.1f}; 다른 패치 {percent(f.baseline_rate)})",
                f"- **Imbalance found: {_side(lang, f)} at {percent(f.rate)}** ({f.games:,} games, "
                f"{deviation} points, z = {f.z:.1f}; other patches {percent(f.baseline_rate)})",
            )
        )
    if not report.imbalances:
        lines.append(
            pick(
                lang,
                "- 큰 불균형 없음: 모든 매치업이 50% ± 3%p 안입니다.",
                "- No significant imbalance: every matchup is within 3 points of 50%.",
            )
        )
    mood = report.patch_sentiment()
    if mood:
        lines.append(_mood_line(report, mood, lang))
    return "\n".join(lines)


def _mood_line(report: BalanceReport, mood: Mapping[str, Any], lang: Lang) -> str:
    mean, share = float(mood["mean_sentiment"]), float(mood["complaint_share"])
    worst = min(report.sentiment, key=lambda p: float(p["mean_sentiment"]))
    lowest = worst.get("patch") == report.patch
    note = pick(lang, " (가장 부정적인 패치)", " (the most negative patch)") if lowest else ""
    return pick(
        lang,
        f"- 플레이어 여론: 평균 감정 {mean:+.2f}, 불만 비율 {share:.0%}{note}",
        f"- Player sentiment: mean {mean:+.2f}, {share:.0%} complaints{note}",
    )


def _matchups(report: BalanceReport, lang: Lang) -> str:
    header = pick(
        lang,
        f"## 매치업별 승률 ({report.patch} 패치)\n\n"
        "| 매치업 | 승률 | 경기 수 | 다른 패치 | 편차 |\n| --- | --- | --- | --- | --- |",
        f"## Matchup win rates (patch {report.patch})\n\n"
        "| Matchup | Win rate | Games | Other patches | Deviation |\n"
        "| --- | --- | --- | --- | --- |",
    )
    rows = [
        f"| {_side(lang, f)} | {percent(f.rate)} | {f.games:,} | {percent(f.baseline_rate)} "
        f"| {(f.rate - 0.5) * 100:+.1f}{pick(lang, '%p', ' pp')}{' ⚠' if f.imbalanced else ''} |"
        for f in report.findings
    ]
    return "\n".join([header, *rows])


def _feedback(report: BalanceReport, lang: Lang) -> str:
    lines = [pick(lang, "## 플레이어 피드백", "## Player feedback"), ""]
    lines.append(pick(lang, "불만이 가장 많은 유닛:", "Most complained-about units:"))
    for unit in report.units[:3]:
        name = ko(str(unit["unit"])) if lang == "ko" else str(unit["unit"])
        race = ko(str(unit["race"])) if lang == "ko" else str(unit["race"])
        posts, upvotes = int(unit["posts"]), int(unit["upvotes"])
        lines.append(
            pick(
                lang,
                f"- {name} ({race}): 불만 {posts:,}건, 추천 {upvotes:,}",
                f"- {name} ({race}): {posts:,} complaints, {upvotes:,} upvotes",
            )
        )
    lines += ["", pick(lang, "추천 상위 불만:", "Most upvoted complaints:")]
    for index, post in enumerate(report.top_complaints[:3], start=1):
        upvotes = int(post["upvotes"])
        lines.append(f"{index}. “{post['title']}” — {pick(lang, '추천', 'upvotes')} {upvotes:,}")
    return "\n".join(lines)


def _changes(report: BalanceReport, lang: Lang) -> str:
    lines = [pick(lang, "## 제안", "## Proposed changes"), ""]
    lines += [
        f"{index}. {change.summary(lang, report.patch)}"
        for index, change in enumerate(report.changes, start=1)
    ]
    return "\n".join(lines)
