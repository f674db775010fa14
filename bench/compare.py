"""``python -m bench.compare A.json B.json ...``: target figures of several runs side by side."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.tables import pick, table

Figure = Callable[[dict[str, Any]], float]


def _rt(system: str) -> Figure:
    return lambda s: float(s["round_trip"][system]["1024"]["latency_ms"]["p50"])


def _stream(system: str, which: str) -> Figure:
    return lambda s: float(s["streaming"][system][f"{which}_event_ms"]["p50"])


def _rate(system: str, level: str) -> Figure:
    def figure(s: dict[str, Any]) -> float:
        cells = s["throughput"][system]["1024"]
        return float(cells[pick(cells, level)]["requests_per_s"])

    return figure


def _cpu(system: str, role: str) -> Figure:
    def figure(s: dict[str, Any]) -> float:
        cells = s["throughput"][system]["1024"]
        return float(cells[pick(cells, "64")]["cpu_s_per_1000"][role])

    return figure


FIGURES: dict[str, Figure] = {
    "Kafka round trip p50 ms": _rt("kafka"),
    "HTTP round trip p50 ms": _rt("http"),
    "floor round trip p50 ms": _rt("floor"),
    "Kafka first event p50 ms": _stream("kafka", "first"),
    "HTTP first event p50 ms": _stream("http", "first"),
    "Kafka last event p50 ms": _stream("kafka", "last"),
    "HTTP last event p50 ms": _stream("http", "last"),
    "Kafka req/s, 1 in flight": _rate("kafka", "1"),
    "Kafka req/s, 64 in flight": _rate("kafka", "64"),
    "HTTP req/s, 64 in flight": _rate("http", "64"),
    "Kafka server CPU s / 1,000": _cpu("kafka", "server"),
    "Kafka client CPU s / 1,000": _cpu("kafka", "client"),
    "HTTP server CPU s / 1,000": _cpu("http", "server"),
    "HTTP client CPU s / 1,000": _cpu("http", "client"),
    "floor req/s, 64 in flight": _rate("floor", "64"),
    "Kafka / HTTP req/s, 64 in flight": lambda s: _rate("kafka", "64")(s) / _rate("http", "64")(s),
    "HTTP benchmark / plain a2a-sdk client": lambda s: float(
        s.get("http_reference", {}).get("bench_over_plain", math.nan)
    ),
    "a2a handler alone CPU ms / request, 64 in flight": lambda s: float(
        s["a2a_in_process"].get("concurrent", {}).get("cpu_ms_per_request", math.nan)
    ),
}


def compare(runs: dict[str, dict[str, Any]]) -> str:
    """A markdown table: one row per figure, one column per run."""
    rows = []
    for name, figure in FIGURES.items():
        rows.append([name, *(f"{figure(r['scenarios']):.2f}" for r in runs.values())])
    return table(["figure", *runs], rows)


def main(argv: Sequence[str] | None = None) -> None:
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])]
    runs = {p.stem: json.loads(p.read_text()) for p in paths}
    print(compare(runs))


if __name__ == "__main__":
    main()
