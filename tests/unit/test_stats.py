"""Handler statistics: snapshots and the periodic log line."""

from __future__ import annotations

from a2a_kafka.server.stats import HandlerStats


def test_a_snapshot_is_a_copy_with_the_in_flight_gauge() -> None:
    stats = HandlerStats(received=3, expired=1)
    snapshot = stats.snapshot(in_flight=2)
    stats.received += 1
    assert (snapshot.received, snapshot.in_flight) == (3, 2)


def test_the_log_line_names_only_what_changed() -> None:
    before = HandlerStats(received=3, expired=1)
    after = HandlerStats(received=5, expired=1, dead_lettered=1)
    assert after.changes_since(before) == "received=5 dead_lettered=1"
    assert after.changes_since(after) == ""
    assert HandlerStats(expired=2).changes_since(None) == "expired=2"
