"""The Data Analysis Agent's arithmetic and wording, separate from its event handling."""

from __future__ import annotations

from collections.abc import Sequence

from game_balance.agents.language import Lang, minutes, percent, pick
from game_balance.agents.query import Query
from game_balance.data.catalog import BRACKETS, MAPS, PATCHES, RACES, ko
from game_balance.data.stats import Duration, MatchTally, WinRate

_ORDER = {"patch": PATCHES, "map": MAPS, "bracket": BRACKETS}


def groups(query: Query, tally: MatchTally) -> list[str | None]:
    """The group values to report: every group seen when grouping, else just "all" (None)."""
    if query.group_by is None:
        return [None]
    return list(tally.groups(_ORDER[query.group_by]))


def win_rates(query: Query, tally: MatchTally) -> list[WinRate]:
    """Win rates of the named race, the named matchup, or every race; per group if grouped."""
    races = query.races[:2]
    return [
        tally.win_rate(race, races[1] if len(races) == 2 else None, group)
        for group in groups(query, tally)
        for race in (races[:1] or RACES)
    ]


def matchups(query: Query, tally: MatchTally) -> list[WinRate]:
    """The three matchups, per group if grouped."""
    return [m for group in groups(query, tally) for m in tally.matchups(group)]


def durations(query: Query, tally: MatchTally) -> list[Duration]:
    """Mean duration of the named matchup (or of all games), per group if grouped."""
    races = (query.races[0], query.races[1]) if len(query.races) >= 2 else None
    return [tally.duration(races, group) for group in groups(query, tally)]


def scope(query: Query) -> str:
    """The filters of the query in words, e.g. ``"7.3 패치 · 골드"`` or ``"all patches"``."""
    lang = query.lang
    parts = [pick(lang, f"{query.patch} 패치", f"patch {query.patch}")] if query.patch else []
    parts += [_name(lang, value) for value in (query.map, query.bracket) if value]
    return " · ".join(parts) or pick(lang, "전체 패치", "all patches")


def render_win_rates(query: Query, results: Sequence[WinRate]) -> str:
    """Markdown answer for win-rate results (one headline, or a headline and a list)."""
    lang = query.lang
    if len(results) == 1:
        return _headline(lang, results[0], scope(query))
    title = pick(
        lang, f"승률 ({scope(query)}, 동족전 제외)", f"Win rates ({scope(query)}, mirrors excluded)"
    )
    return "\n".join([title, "", *(_line(lang, result) for result in results)])


def render_durations(query: Query, results: Sequence[Duration]) -> str:
    """Markdown answer for duration results."""
    lang = query.lang
    subject = _matchup(lang, *results[0].races) if results[0].races else None
    if len(results) == 1:
        only = results[0]
        if lang == "ko":
            who = f"{subject} " if subject else ""
            return (
                f"{who}평균 게임 시간은 **{minutes(only.mean_s)}** "
                f"({only.mean_s:.0f}초)입니다 ({scope(query)}, {only.games:,}경기)."
            )
        who = f" of {subject}" if subject else ""
        return (
            f"Average game duration{who}: **{minutes(only.mean_s)}** ({only.mean_s:.0f} s) "
            f"over {only.games:,} games ({scope(query)})."
        )
    where = f"{subject} · {scope(query)}" if subject else scope(query)
    title = pick(lang, f"평균 게임 시간 ({where})", f"Average game duration ({where})")
    unit = pick(lang, "경기", " games")
    lines = [f"- {_group(lang, r.group)}: {minutes(r.mean_s)} ({r.games:,}{unit})" for r in results]
    return "\n".join([title, "", *lines])


def _headline(lang: Lang, result: WinRate, where: str) -> str:
    label = _label(lang, result)
    rate = percent(result.rate)
    if lang == "ko":
        games = "" if result.opponent else "동족전 제외 "
        return (
            f"{label} 승률은 **{rate}**입니다 "
            f"({where}, {games}{result.games:,}경기 중 {result.wins:,}승)."
        )
    games = "games" if result.opponent else "non-mirror games"
    return (
        f"{label} win rate: **{rate}** ({where}; {result.wins:,} wins in {result.games:,} {games})."
    )


def _line(lang: Lang, result: WinRate) -> str:
    prefix = f"{_group(lang, result.group)}: " if result.group else ""
    counts = pick(
        lang,
        f"{result.wins:,}승 / {result.games:,}경기",
        f"{result.wins:,} wins / {result.games:,} games",
    )
    return f"- {prefix}{_label(lang, result)} {percent(result.rate)} ({counts})"


def _label(lang: Lang, result: WinRate) -> str:
    if result.opponent:
        return _matchup(lang, result.race, result.opponent)
    return _name(lang, result.race)


def _matchup(lang: Lang, race: str, opponent: str) -> str:
    return pick(lang, f"{ko(race)} 대 {ko(opponent)}", f"{race} vs {opponent}")


def _group(lang: Lang, group: str | None) -> str:
    if group is None:
        return pick(lang, "전체", "all")
    if group in PATCHES:
        return pick(lang, f"{group} 패치", f"patch {group}")
    return _name(lang, group)


def _name(lang: Lang, name: str) -> str:
    return ko(name) if lang == "ko" else name
