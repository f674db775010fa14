"""The fault-injection suite: short by default, the full matrix with A2A_KAFKA_FULL_FAULTS=1."""

from __future__ import annotations

import pytest
from harness import FULL, ROWS, table

from a2a_kafka.cluster.pytest_fixtures import postgres_url


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if ROWS:
        size = "full matrix" if FULL else "short version (A2A_KAFKA_FULL_FAULTS=1 for the full one)"
        terminalreporter.write_sep("=", f"fault injection: {size}")
        terminalreporter.write_line(table(ROWS))


__all__ = ["postgres_url"]
