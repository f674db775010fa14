"""The PNG figures of the report: latency distributions and throughput vs concurrency."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.ticker import FormatStrFormatter, NullFormatter

COLOURS = {"kafka": "tab:blue", "http": "tab:orange", "floor": "tab:green"}
LABELS = {"kafka": "A2A over Kafka", "http": "A2A over HTTP", "floor": "raw Kafka floor"}

TICKS = tuple(m * 10.0**e for e in range(-1, 6) for m in (1, 2, 3, 5))
"""Candidate ticks of log-scale axes."""

Draw = Callable[[Any, str, dict[str, Any]], None]
"""Draws one system's data of one payload size on an axis: (axis, system, data)."""


def _panels(scenario: dict[str, Any], draw: Draw, title: str, path: Path) -> None:
    """One panel per payload size of ``scenario`` (system → size → data), saved to ``path``."""
    sizes = list(next(iter(scenario.values())))
    figure, axes = plt.subplots(1, len(sizes), figsize=(6 * len(sizes), 4), squeeze=False)
    for axis, size in zip(axes[0], sizes, strict=True):
        for system, by_size in scenario.items():
            draw(axis, system, by_size[size])
        axis.set_title(f"{title}, {int(size) // 1024} KiB payload")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _log_ticks(axis: Any, low: float, high: float) -> None:
    """Plain-number ticks (1, 2, 3, 5 × 10^n) covering ``low``..``high`` on a log axis."""
    axis.set_ticks([t for t in TICKS if low / 1.5 <= t <= high * 1.5])
    axis.set_major_formatter(FormatStrFormatter("%g"))
    axis.set_minor_formatter(NullFormatter())


def _cdf(axis: Any, system: str, data: dict[str, Any]) -> None:
    samples = sorted(data["samples_ms"])
    fractions = [(i + 1) / len(samples) for i in range(len(samples))]
    axis.plot(samples, fractions, label=LABELS[system], color=COLOURS[system])
    axis.set_xscale("log")
    _log_ticks(axis.xaxis, *axis.dataLim.intervalx)
    axis.set_xlabel("round trip (ms, log scale)")
    axis.set_ylabel("fraction of requests")


def _rates(axis: Any, system: str, cells: dict[str, Any]) -> None:
    levels = sorted(int(c) for c in cells)
    rates = [cells[str(c)]["requests_per_s"] for c in levels]
    axis.plot(levels, rates, marker="o", label=LABELS[system], color=COLOURS[system])
    axis.set_xscale("log", base=2)
    axis.xaxis.set_major_formatter(FormatStrFormatter("%g"))
    axis.set_yscale("log")
    _log_ticks(axis.yaxis, *axis.dataLim.intervaly)
    axis.set_xlabel("requests in flight")
    axis.set_ylabel("requests/s (log scale)")


def write(results: dict[str, Any], folder: Path) -> dict[str, Path]:
    """Write both figures into ``folder``; their paths by name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"latency": folder / "latency.png", "throughput": folder / "throughput.png"}
    scenarios = results["scenarios"]
    _panels(scenarios["round_trip"], _cdf, "Blocking send", paths["latency"])
    _panels(scenarios["throughput"], _rates, "Throughput", paths["throughput"])
    return paths
