"""The GUI's charts: what is plotted from each answer's data part, and the SVG."""

from __future__ import annotations

import re
from typing import Any

from game_balance.gui.chart import BarGroup, Chart, chart_for, render_svg

REPORT: dict[str, Any] = {
    "patch": "7.3",
    "matchups": [
        {
            "race": "Zerg",
            "opponent": "Terran",
            "win_rate": 0.561,
            "baseline_win_rate": 0.501,
            "imbalanced": True,
        },
        {
            "race": "Terran",
            "opponent": "Protoss",
            "win_rate": 0.506,
            "baseline_win_rate": 0.494,
            "imbalanced": False,
        },
    ],
}


def test_a_balance_report_plots_the_patch_against_the_other_patches() -> None:
    chart = chart_for(REPORT, "ko")

    assert chart is not None
    assert chart.title == "매치업별 승률 (7.3 패치)"
    assert chart.series == ("7.3 패치", "다른 패치")
    assert chart.groups[0] == BarGroup("저그 대 테란", (0.561, 0.501), highlight=True)
    assert chart.reference == 0.5
    assert chart_for(REPORT, "en").groups[1].label == "Terran vs Protoss"  # type: ignore[union-attr]


def test_win_rate_results_get_one_bar_each() -> None:
    data = {
        "results": [
            {"race": "Zerg", "opponent": None, "group": "7.2", "win_rate": 0.5},
            {"race": "Zerg", "opponent": None, "group": "7.3", "win_rate": 0.53},
            {"races": ["Zerg", "Terran"], "mean_seconds": 700},
        ]
    }

    chart = chart_for(data, "ko")

    assert chart is not None
    assert [g.label for g in chart.groups] == ["저그 · 7.2", "저그 · 7.3"]
    assert [g.values for g in chart.groups] == [(0.5,), (0.53,)]


def test_cs_answers_plot_complaints_or_their_share() -> None:
    units = chart_for({"units": [{"unit": "Baneling", "race": "Zerg", "posts": 272}]}, "en")
    trend = chart_for({"trend": [{"patch": "7.3", "complaint_share": 0.73}]}, "en")

    assert units is not None
    assert units.percent is False
    assert units.groups == (BarGroup("Baneling (Zerg)", (272.0,)),)
    assert trend is not None
    assert trend.groups == (BarGroup("patch 7.3", (0.73,)),)


def test_nothing_to_plot() -> None:
    assert chart_for({"agent": "data", "results": []}, "en") is None
    assert chart_for({}, "en") is None


def test_svg_bars_are_proportional_and_labels_escaped() -> None:
    chart = Chart("A <b>", ("x", "y"), (BarGroup("<z>", (0.5, 0.25), highlight=True),))

    svg = render_svg(chart)

    widths = [float(w) for w in re.findall(r'<rect class="bar[^"]*"[^>]*width="([\d.]+)"', svg)]
    assert widths == [180.0, 90.0]
    assert svg.count('class="bar s0 highlight"') == 1
    assert "&lt;z&gt;" in svg
    assert "A &lt;b&gt;" in svg
    assert "<z>" not in svg
    assert 'class="reference"' not in svg


def test_count_charts_scale_to_the_largest_value() -> None:
    chart = Chart("n", ("",), (BarGroup("a", (10,)), BarGroup("b", (40,))), percent=False)

    svg = render_svg(chart)

    assert re.findall(r'width="([\d.]+)" height="18"', svg) == ["90.0", "360.0"]
    assert ">40<" in svg
