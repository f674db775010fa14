"""Commit positions never pass an unfinished request."""

from __future__ import annotations

from aiokafka import TopicPartition

from a2a_kafka.server.offsets import OffsetTracker

TP = TopicPartition("agent.x.requests", 0)
OTHER = TopicPartition("agent.x.requests", 1)


def test_commit_stops_at_the_oldest_unfinished_request() -> None:
    tracker = OffsetTracker()
    for offset in (10, 11, 12):
        tracker.started(TP, offset)
    tracker.finished(TP, 11)
    tracker.finished(TP, 12)
    assert tracker.committable() == {TP: 10}
    tracker.finished(TP, 10)
    assert tracker.committable() == {TP: 13}


def test_only_moved_positions_are_reported() -> None:
    tracker = OffsetTracker()
    tracker.started(TP, 0)
    tracker.finished(TP, 0)
    tracker.mark_committed(tracker.committable())
    assert tracker.committable() == {}
    tracker.started(OTHER, 5)
    assert tracker.committable() == {OTHER: 5}


def test_partitions_filter_and_forget() -> None:
    tracker = OffsetTracker()
    tracker.started(TP, 1)
    tracker.started(OTHER, 2)
    assert tracker.committable({OTHER}) == {OTHER: 2}
    assert tracker.in_flight(TP) == 1
    tracker.forget({TP})
    assert tracker.in_flight(TP) == 0
    assert TP not in tracker.committable()
