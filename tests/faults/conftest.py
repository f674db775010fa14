"""The fault-injection suite: short by default, the full matrix with A2A_KAFKA_FULL_FAULTS=1."""

from __future__ import annotations

import os

import pytest
from harness import ROWS, table

from a2a_kafka.cluster.pytest_fixtures import postgres_url

FULL = os.environ.get("A2A_KAFKA_FULL_FAULTS", "") in ("1", "true", "yes")
"""Run the full matrix (acceptance sizes) instead of the short CI version."""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if ROWS:
        size = "full matrix" if FULL else "short version (A2A_KAFKA_FULL_FAULTS=1 for the full one)"
        terminalreporter.write_sep("=", f"fault injection: {size}")
        terminalreporter.write_line(table(ROWS))


__all__ = ["FULL", "postgres_url"]
