"""Where the benchmark's inputs and outputs live in the source checkout."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The source checkout that holds ``bench/``."""

RESULTS = ROOT / "bench" / "results"
"""Results files and figures."""

DOC = ROOT / "docs" / "benchmarks.md"
"""The report a full run writes."""

ANALYSIS = ROOT / "bench" / "analysis.md"
"""The hand-written analysis the report ends with."""
