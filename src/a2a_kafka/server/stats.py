"""What a `KafkaConsumerHandler` did with the records it consumed: `HandlerStats`.

Every request record ends in exactly one of ``answered``, ``rejected``,
``expired``, ``caller_gone``, ``dead_lettered`` (or is still ``in_flight``); the other counters
say how it got there. `KafkaConsumerHandler.stats` returns a snapshot, and the
handler logs one line with the counters that changed every ``stats_interval``
seconds.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import asdict, dataclass, replace

OUTCOMES = frozenset(
    {"answered", "rejected", "expired", "caller_gone", "dead_lettered", "duplicates"}
)
"""The counters that say how a request ended (``duplicates``: answered from the record)."""

outcome_seen: ContextVar[list[str] | None] = ContextVar("a2a_kafka_outcome", default=None)
"""Set to a list by `a2a_kafka.telemetry.hooks` around one request's processing: every
`OUTCOMES` counter the request increments is appended, so the request's outcome is known
without the processor reporting it twice."""


@dataclass(slots=True)
class HandlerStats:
    """Counters since the handler started (a snapshot when read from the handler)."""

    received: int = 0
    """Request records taken from the request topic."""

    answered: int = 0
    """Requests routed to the agent's `RequestHandler` whose replies were produced."""

    rejected: int = 0
    """Malformed requests with a reply address, answered with a JSON-RPC error."""

    unauthenticated: int = 0
    """Of ``rejected``: credentials missing, invalid or expired; the agent did not run."""

    expired: int = 0
    """Requests skipped because the caller's deadline had passed."""

    caller_gone: int = 0
    """Requests skipped or left unanswered because the caller's reply topic was deleted."""

    dead_lettered: int = 0
    """Records written to ``agent.<name>.requests.dlq``."""

    unroutable: int = 0
    """Of ``dead_lettered``: no reply address, or headers that cannot be decoded."""

    unreadable: int = 0
    """Of ``dead_lettered``: placeholders of records that could not be read at all."""

    duplicates: int = 0
    """Redelivered SendMessage requests answered without running the agent again."""

    interrupted: int = 0
    """Of ``duplicates``: the first delivery's instance died; answered with an error."""

    retries: int = 0
    """Retried steps (reply production, dedupe store) after a retriable failure."""

    in_flight: int = 0
    """Requests being processed when the snapshot was taken."""

    paused: int = 0
    """Times fetching was paused because ``max_in_flight`` requests were running."""

    loop_failures: int = 0
    """Polls of the consume loop that failed (logged, retried with backoff)."""

    def __setattr__(self, name: str, value: int) -> None:
        seen = outcome_seen.get()
        if seen is not None and name in OUTCOMES and value > getattr(self, name, value):
            seen.append(name)  # an increment of a live counter (not a snapshot's __init__)
        object.__setattr__(self, name, value)

    def snapshot(self, in_flight: int) -> HandlerStats:
        """A copy, with the current ``in_flight``."""
        return replace(self, in_flight=in_flight)

    def as_dict(self) -> dict[str, int]:
        """The counters by name."""
        return asdict(self)

    def changes_since(self, earlier: HandlerStats | None) -> str:
        """``name=value`` pairs of the counters that differ from ``earlier``, or ``""``."""
        before = earlier.as_dict() if earlier else {}
        return " ".join(
            f"{name}={value}"
            for name, value in self.as_dict().items()
            if before.get(name, 0) != value
        )
