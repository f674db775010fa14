"""The messages of `LocalBrokerError`: one line each, saying what to do next."""

from __future__ import annotations

from a2a_kafka.errors import LocalBrokerError

USE_EXISTING = (
    "or use an existing cluster instead: export KAFKA_BOOTSTRAP_SERVERS=host:9092 "
    "(the local broker is then not needed)"
)


def broker_error(problem: str, remedy: str, details: str = "") -> LocalBrokerError:
    """``problem; remedy, or use an existing cluster ...`` as a `LocalBrokerError`.

    The first line is the whole message; ``details`` (a log tail) follow it.
    """
    message = f"{problem}; {remedy}, {USE_EXISTING}"
    return LocalBrokerError(f"{message}\n{details}" if details else message)


def tail(text: str, lines: int = 15) -> str:
    """The last ``lines`` non-empty lines of ``text``, indented, for an error message."""
    kept = [line for line in text.splitlines() if line.strip()][-lines:]
    return "\n".join(f"    {line}" for line in kept)
