"""Bar charts of the agents' answers, drawn as inline SVG on the server (no chart library).

`chart_for(data, lang)` picks what to plot from an answer artifact's data part:

- a Balance report (``matchups``): win rate per matchup in the patch, beside the same side's
  rate over the other patches, with the 50% line; imbalanced matchups are highlighted;
- a Data answer with win rates (``results[].win_rate``): one bar per race / matchup / group;
- a CS answer: complaints per unit (``units``) or the complaint share per patch (``trend``).

`render_svg(chart)` draws it. Every label is escaped; numbers come from the data part only.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from game_balance.agents.language import Lang, pick
from game_balance.data.catalog import ko

MAX_GROUPS = 24
_ROW = 22
_BAR_GAP = 10
_LABEL_W = 190
_PLOT_W = 360
_VALUE_W = 70
_TOP = 34


@dataclass(frozen=True)
class BarGroup:
    """One category: a label and one value per series (None: no bar)."""

    label: str
    values: tuple[float | None, ...]
    highlight: bool = False


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart."""

    title: str
    series: tuple[str, ...]
    groups: tuple[BarGroup, ...]
    percent: bool = True
    """Values are fractions shown as percentages (axis 0–100%); else counts (axis 0–max)."""
    reference: float | None = None
    """A vertical reference line (e.g. 0.5 for 50%)."""


def chart_for(data: Mapping[str, Any], lang: Lang) -> Chart | None:
    """The chart of an answer's data part, or None when it has nothing to plot."""
    if isinstance(data.get("matchups"), list) and "patch" in data:
        return _report_chart(data, lang)
    results = data.get("results")
    if isinstance(results, list) and any(_has(r, "win_rate") for r in results):
        return _win_rate_chart([r for r in results if _has(r, "win_rate")], lang)
    units = data.get("units")
    if isinstance(units, list) and units:
        return _units_chart(units, lang)
    trend = data.get("trend")
    if isinstance(trend, list) and trend:
        return _trend_chart(trend, lang)
    return None


def _has(item: object, key: str) -> bool:
    return isinstance(item, Mapping) and isinstance(item.get(key), int | float)


def _name(lang: Lang, value: object) -> str:
    text = str(value)
    return ko(text) if lang == "ko" else text


def _report_chart(data: Mapping[str, Any], lang: Lang) -> Chart:
    patch = str(data["patch"])
    groups = tuple(
        BarGroup(
            pick(
                lang,
                f"{_name(lang, m.get('race'))} 대 {_name(lang, m.get('opponent'))}",
                f"{m.get('race')} vs {m.get('opponent')}",
            ),
            (_number(m.get("win_rate")), _number(m.get("baseline_win_rate"))),
            bool(m.get("imbalanced")),
        )
        for m in data["matchups"]
        if isinstance(m, Mapping)
    )
    return Chart(
        pick(lang, f"매치업별 승률 ({patch} 패치)", f"Win rate per matchup (patch {patch})"),
        (pick(lang, f"{patch} 패치", f"patch {patch}"), pick(lang, "다른 패치", "other patches")),
        groups[:MAX_GROUPS],
        reference=0.5,
    )


def _win_rate_chart(results: Sequence[Mapping[str, Any]], lang: Lang) -> Chart:
    groups = []
    for r in results[:MAX_GROUPS]:
        label = _name(lang, r.get("race"))
        if r.get("opponent"):
            label += pick(lang, " 대 ", " vs ") + _name(lang, r["opponent"])
        if r.get("group"):
            label += f" · {_name(lang, r['group'])}"
        groups.append(BarGroup(label, (_number(r.get("win_rate")),)))
    return Chart(pick(lang, "승률", "Win rate"), ("",), tuple(groups), reference=0.5)


def _units_chart(units: Sequence[Any], lang: Lang) -> Chart:
    groups = tuple(
        BarGroup(
            f"{_name(lang, u.get('unit'))} ({_name(lang, u.get('race'))})",
            (_number(u.get("posts")),),
        )
        for u in units[:10]
        if isinstance(u, Mapping)
    )
    return Chart(
        pick(lang, "유닛별 불만 글 수", "Complaints per unit"), ("",), groups, percent=False
    )


def _trend_chart(trend: Sequence[Any], lang: Lang) -> Chart:
    groups = tuple(
        BarGroup(
            pick(lang, f"{p.get('patch')} 패치", f"patch {p.get('patch')}"),
            (_number(p.get("complaint_share")),),
        )
        for p in trend[:MAX_GROUPS]
        if isinstance(p, Mapping)
    )
    return Chart(pick(lang, "패치별 불만 비율", "Complaint share per patch"), ("",), groups)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def render_svg(chart: Chart) -> str:
    """The chart as a standalone ``<svg>`` element (bars are ``<rect class="bar">``)."""
    series = len(chart.series)
    group_h = series * _ROW + _BAR_GAP
    legend_h = 22 if series > 1 else 0
    height = _TOP + legend_h + len(chart.groups) * group_h + 24
    width = _LABEL_W + _PLOT_W + _VALUE_W
    top = _TOP + legend_h
    scale = (
        1.0
        if chart.percent
        else max((v or 0.0 for g in chart.groups for v in g.values), default=1.0) or 1.0
    )
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{_esc(chart.title)}">',
        f'<text class="chart-title" x="0" y="18">{_esc(chart.title)}</text>',
    ]
    if series > 1:
        parts += _legend(chart.series, _TOP)
    for index, group in enumerate(chart.groups):
        y = top + index * group_h
        parts += _group(group, y, scale, chart.percent)
    axis_y = top + len(chart.groups) * group_h
    parts += _axis(chart, top, axis_y, scale)
    parts.append("</svg>")
    return "".join(parts)


def _legend(series: Sequence[str], y: int) -> list[str]:
    out = []
    x = _LABEL_W
    for index, name in enumerate(series):
        out.append(f'<rect class="legend s{index}" x="{x}" y="{y}" width="12" height="12"/>')
        out.append(f'<text class="legend-label" x="{x + 18}" y="{y + 11}">{_esc(name)}</text>')
        x += 30 + 8 * len(name)
    return out


def _group(group: BarGroup, y: int, scale: float, percent: bool) -> list[str]:
    css = " highlight" if group.highlight else ""
    label_y = y + _ROW * len(group.values) / 2 + 4
    out = [
        f'<text class="bar-label{css}" x="{_LABEL_W - 8}" y="{label_y:.0f}" '
        f'text-anchor="end">{_esc(group.label)}</text>'
    ]
    for index, value in enumerate(group.values):
        if value is None:
            continue
        bar_y = y + index * _ROW
        bar_w = max(1.0, _PLOT_W * min(value / scale, 1.0))
        shown = f"{value * 100:.1f}%" if percent else f"{value:,.0f}"
        out.append(
            f'<rect class="bar s{index}{css}" x="{_LABEL_W}" y="{bar_y}" width="{bar_w:.1f}" '
            f'height="{_ROW - 4}" data-value="{value:.6g}">'
            f"<title>{_esc(group.label)}: {shown}</title></rect>"
        )
        value_x = _LABEL_W + bar_w + 6
        out.append(
            f'<text class="bar-value" x="{value_x:.1f}" y="{bar_y + _ROW - 8}">{shown}</text>'
        )
    return out


def _axis(chart: Chart, top: int, bottom: int, scale: float) -> list[str]:
    out = [f'<line class="axis" x1="{_LABEL_W}" y1="{top - 4}" x2="{_LABEL_W}" y2="{bottom}"/>']
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = _LABEL_W + _PLOT_W * tick
        label = f"{tick * 100:.0f}%" if chart.percent else f"{tick * scale:,.0f}"
        out.append(
            f'<text class="tick" x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">{label}</text>'
        )
    if chart.reference is not None:
        x = _LABEL_W + _PLOT_W * min(chart.reference / scale, 1.0)
        out.append(
            f'<line class="reference" x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom}"/>'
        )
    return out


def _esc(text: str) -> str:
    return html.escape(text, quote=True)
