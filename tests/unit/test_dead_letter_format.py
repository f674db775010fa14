"""The dead-letter record format, and what a replay sends."""

from __future__ import annotations

from dataclasses import dataclass, field

from a2a_kafka.server import dead_letters
from a2a_kafka.server.dead_letters import dead_letter_headers, from_record


@dataclass
class Record:
    topic: str = "agent.x.requests"
    partition: int = 2
    offset: int = 41
    key: bytes | None = b"ctx"
    value: bytes | None = b"{}"
    headers: list[tuple[str, bytes]] = field(default_factory=lambda: [("A2A-Version", b"1.0")])


def test_a_dead_letter_keeps_the_request_and_says_why() -> None:
    why = "no\nreply  address"
    headers = dead_letter_headers(Record(), "MalformedRecordError", why, 3, now=1.5)
    letter = from_record(Record(partition=0, offset=7, headers=headers))
    assert letter.error_type == "MalformedRecordError"
    assert letter.error_message == "no reply address"
    assert letter.origin == "agent.x.requests/2@41"
    assert letter.attempts == 3
    assert letter.annotation(dead_letters.TIME) == "1500"
    assert ("A2A-Version", b"1.0") in letter.headers


def test_a_replay_sends_the_original_headers_and_counts_replays() -> None:
    headers = dead_letter_headers(Record(), "KafkaTimeoutError", "reply not produced", 4)
    replayed = from_record(Record(headers=headers)).request_headers()
    assert replayed == [("A2A-Version", b"1.0"), (dead_letters.REPLAYS, b"1")]
    again = dead_letter_headers(Record(headers=replayed), "KafkaTimeoutError", "again", 4)
    assert from_record(Record(headers=again)).replays == 1
    assert from_record(Record(headers=again)).request_headers()[-1] == (dead_letters.REPLAYS, b"2")
