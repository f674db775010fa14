"""``a2a-kafka acls``: kafka-acls commands for an agent's or a caller's principal."""

from __future__ import annotations

import pytest

from a2a_kafka.cli.main import main


def test_an_agents_acls_are_printed_as_kafka_acls_commands(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "b-1.msk.example:9096")
    monkeypatch.setenv("A2A_KAFKA_TOPIC_PREFIX", "prod.")
    assert main(["acls", "agent", "data", "--principal", "User:data"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 22
    assert lines[0] == (
        "kafka-acls.sh --bootstrap-server b-1.msk.example:9096 --command-config admin.properties "
        "--add --allow-principal User:data --operation Read --topic prod.agent.data.requests"
    )
    assert any(line.endswith("--group prod.a2a.agent.data") for line in lines)


def test_a_callers_reply_topics_follow_its_client_id(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "b-1.msk.example:9096")
    assert main(["acls", "caller", "data", "--principal", "User:web", "--client-id", "web"]) == 0
    out = capsys.readouterr().out
    assert "--operation Delete --topic a2a.replies.web. --resource-pattern-type prefixed" in out
    assert "--operation Write --topic agent.data.requests\n" in out
