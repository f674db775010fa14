"""Correlating observed Kafka records into the wire panel's rows."""

from __future__ import annotations

import json
from dataclasses import replace

from a2a_kafka.wire import CORRELATION_ID, KIND, REPLY_PARTITION, REPLY_TOPIC, SEQUENCE
from game_balance.gui.wire import ORPHAN_WAIT_S, Correlator, Record, Topics

REPLIES = "p.a2a.replies.a2a-kafka-gui.0123456789ab"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def request(cid: str, offset: int = 7, at: int = 1_000, agent: str = "balance") -> Record:
    body = {
        "jsonrpc": "2.0",
        "id": cid,
        "method": "SendStreamingMessage",
        "params": {"message": {"parts": [{"text": "패치 밸런스 분석해줘"}]}},
    }
    headers = [
        ("A2A-Version", b"1.0"),
        (CORRELATION_ID, cid.encode()),
        (REPLY_TOPIC, REPLIES.encode()),
        (REPLY_PARTITION, b"0"),
    ]
    value = json.dumps(body).encode()
    return Record(f"p.agent.{agent}.requests", 2, offset, at, b"ctx-1", value, headers)


def reply(cid: str, seq: int, body: object, at: int, kind: str = "event") -> Record:
    headers = [(CORRELATION_ID, cid.encode()), (KIND, kind.encode()), (SEQUENCE, b"%d" % seq)]
    value = None if body is None else json.dumps(body).encode()
    return Record(REPLIES, 0, 40 + seq, at, cid.encode(), value, headers)


def working(text: str) -> dict[str, object]:
    message = {"parts": [{"text": text}]}
    update = {"status": {"state": "TASK_STATE_WORKING", "message": message}}
    return {"jsonrpc": "2.0", "result": {"statusUpdate": update}}


def test_topic_names() -> None:
    topics = Topics("p.")

    assert topics.agent("p.agent.data.requests") == "data"
    assert topics.agent("agent.data.requests") is None
    assert topics.agent("p.agent.data.responses") is None
    assert topics.caller(REPLIES) == "a2a-kafka-gui"
    assert topics.caller("fixed-replies") == "fixed-replies"


def test_a_request_and_its_replies() -> None:
    correlator = Correlator(Topics("p."), Clock())

    (sent,) = correlator.add(request("c1"))
    (event,) = correlator.add(reply("c1", 0, working("분석을 시작합니다"), at=1_042))
    (end,) = correlator.add(reply("c1", 1, None, at=1_050, kind="end"))

    assert sent == sent | {
        "id": "p.agent.balance.requests:2:7",
        "direction": "request",
        "agent": "balance",
        "method": "SendStreamingMessage",
        "key": "ctx-1",
        "caller": "a2a-kafka-gui",
        "reply_topic": REPLIES,
        "summary": "패치 밸런스 분석해줘",
    }
    assert event == event | {
        "direction": "reply",
        "method": "SendStreamingMessage",
        "agent": "balance",
        "kind": "event",
        "seq": 0,
        "latency_ms": 42,
        "summary": "working: 분석을 시작합니다",
    }
    assert end["summary"] == "end of stream"
    assert end["latency_ms"] == 50


def test_a_reply_read_before_its_request_waits_for_it() -> None:
    clock = Clock()
    correlator = Correlator(Topics("p."), clock)
    early = reply("c1", 0, {"jsonrpc": "2.0", "result": {"task": {"status": {}}}}, at=1_010)

    assert correlator.add(early) == []
    rows = correlator.add(request("c1"))

    assert [r["direction"] for r in rows] == ["request", "reply"]
    assert rows[1]["latency_ms"] == 10
    assert correlator.flush() == []


def test_a_reply_whose_request_never_shows_is_shown_after_a_while() -> None:
    clock = Clock()
    correlator = Correlator(Topics("p."), clock)
    error = {"jsonrpc": "2.0", "error": {"code": -32001, "message": "Task not found"}}

    correlator.add(reply("lost", 0, error, at=5, kind="result"))
    assert correlator.flush() == []
    clock.now += ORPHAN_WAIT_S

    (row,) = correlator.flush()
    assert row["summary"] == "error -32001: Task not found"
    assert row["method"] == ""
    assert row["latency_ms"] is None


def test_unanswered_requests() -> None:
    clock = Clock()
    correlator = Correlator(Topics("p."), clock)
    correlator.add(request("c1", offset=1))
    correlator.add(request("c2", offset=2, agent="data"))
    correlator.add(reply("c1", 0, working("x"), at=1_001))
    clock.now += 6

    (waiting,) = correlator.unanswered(older_than=5)

    assert waiting["agent"] == "data"
    assert waiting["waiting_s"] == 6.0
    assert correlator.unanswered(older_than=7) == []
    assert correlator.unanswered(older_than=5, since=clock.now - 1) == []
    assert correlator.reply_topics() == {REPLIES}


def test_reply_summaries() -> None:
    correlator = Correlator(Topics("p."), Clock())
    cancel = {"result": {"id": "t1", "status": {"state": "TASK_STATE_CANCELED"}}}
    artifact = {"result": {"artifactUpdate": {"artifact": {"name": "balance-report"}}}}
    listed = {"result": {"tasks": [], "nextPageToken": ""}}

    rows = [correlator.add(reply("c", 0, body, at=1)) for body in (cancel, artifact, listed)]

    assert rows == [[], [], []]  # no request seen: they wait
    summaries = [row["summary"] for row in correlator.flush() or _later(correlator)]
    assert summaries == ["task canceled", "artifact balance-report", "tasks, nextPageToken"]


def _later(correlator: Correlator) -> list[dict[str, object]]:
    assert isinstance(correlator.clock, Clock)
    correlator.clock.now += ORPHAN_WAIT_S
    return correlator.flush()


def test_records_that_are_not_json_still_show() -> None:
    correlator = Correlator(Topics("p."), Clock())
    broken = Record("p.agent.data.requests", 0, 1, 1, None, b"{not json", [(REPLY_TOPIC, b"r")])

    (row,) = correlator.add(broken)

    assert row["method"] == ""
    assert row["key"] is None
    assert row["correlation_id"] == ""


def test_the_wire_panel_never_shows_credentials() -> None:
    sent = request("c9")
    secret = [("Authorization", b"Bearer eyJ.secret-token.sig"), ("X-API-Key", b"secret-key")]
    correlator = Correlator(Topics("p."), Clock())
    rows = [*correlator.add(replace(sent, headers=[*sent.headers, *secret])), *correlator.flush()]
    assert rows
    assert "secret" not in json.dumps(rows, ensure_ascii=False)
