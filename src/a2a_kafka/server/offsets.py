"""Which offsets are safe to commit when requests finish out of order.

Requests of one partition run concurrently and finish in any order. The
committed offset of a partition never passes its oldest unfinished request, so
a crash redelivers every request that was not finished, and nothing else is
lost.
"""

from __future__ import annotations

from aiokafka import TopicPartition


class OffsetTracker:
    """Tracks in-flight offsets per partition and yields commit positions."""

    def __init__(self) -> None:
        self._in_flight: dict[TopicPartition, set[int]] = {}
        self._next: dict[TopicPartition, int] = {}
        self._committed: dict[TopicPartition, int] = {}

    def started(self, tp: TopicPartition, offset: int) -> None:
        """A request at ``offset`` was taken from ``tp``."""
        self._in_flight.setdefault(tp, set()).add(offset)
        self._next[tp] = max(self._next.get(tp, 0), offset + 1)

    def finished(self, tp: TopicPartition, offset: int) -> None:
        """The request at ``offset`` is done: replied to, dead-lettered or skipped."""
        self._in_flight.get(tp, set()).discard(offset)

    def in_flight(self, tp: TopicPartition) -> int:
        """How many requests of ``tp`` are unfinished."""
        return len(self._in_flight.get(tp, ()))

    def committable(
        self, partitions: set[TopicPartition] | None = None
    ) -> dict[TopicPartition, int]:
        """Commit positions that moved since the last `mark_committed`."""
        positions = {}
        for tp, next_offset in self._next.items():
            if partitions is not None and tp not in partitions:
                continue
            pending = self._in_flight.get(tp)
            position = min(pending) if pending else next_offset
            if position != self._committed.get(tp):
                positions[tp] = position
        return positions

    def mark_committed(self, positions: dict[TopicPartition, int]) -> None:
        """Record that ``positions`` were committed."""
        self._committed.update(positions)

    def forget(self, partitions: set[TopicPartition]) -> None:
        """Drop revoked partitions; their new owner resumes from the commit."""
        for tp in partitions:
            self._in_flight.pop(tp, None)
            self._next.pop(tp, None)
            self._committed.pop(tp, None)
