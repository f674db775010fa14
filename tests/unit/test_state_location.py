"""Where an agent's shared state is, and how a group tells that its state is not shared."""

from __future__ import annotations

from pathlib import Path

import pytest

from a2a_kafka import KafkaConfig
from a2a_kafka.cluster.database import database_url
from a2a_kafka.errors import ConfigurationError
from a2a_kafka.monitoring import fingerprint_in
from a2a_kafka.server.state_check import client_id_with, conflict_of

CONFIG = KafkaConfig(bootstrap_servers="broker:9092")


def test_the_default_is_one_sqlite_file_per_agent_and_cluster_in_the_state_folder(
    tmp_path: Path,
) -> None:
    env = {"A2A_KAFKA_STATE_DIR": str(tmp_path)}
    data = database_url(env=env, config=CONFIG, agent="data")
    again = database_url(env=env, config=CONFIG, agent="data")
    assert data == again  # every process of the agent on this machine: one file
    assert data.startswith(f"sqlite+aiosqlite:///{tmp_path}/")
    assert data.endswith("/data.sqlite")
    assert database_url(env=env, config=CONFIG, agent="cs") != data
    other = CONFIG.with_(topic_prefix="prod.")
    assert database_url(env=env, config=other, agent="data") != data


def test_an_explicit_state_wins_over_the_environment_and_urls_get_their_driver() -> None:
    env = {"A2A_KAFKA_STATE_URL": "postgresql://u:p@db/a2a"}
    assert database_url(env=env) == "postgresql+asyncpg://u:p@db/a2a"
    assert database_url("postgres://db/x", env=env) == "postgresql+asyncpg://db/x"
    assert database_url("sqlite:///s.db", env={}) == "sqlite+aiosqlite:///s.db"
    assert database_url("/var/lib/a2a/state.sqlite", env={}) == (
        "sqlite+aiosqlite:////var/lib/a2a/state.sqlite"
    )
    assert database_url(env={"A2A_KAFKA_DATABASE_URL": "sqlite:///old.db"}).endswith("old.db")


def test_an_unknown_kind_of_url_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="postgresql://"):
        database_url("mysql://db/x", env={})


def test_members_with_different_fingerprints_are_a_conflict_that_names_them() -> None:
    ids = [client_id_with("a2a-kafka", "f00d"), client_id_with("a2a-kafka", "beef")]
    found = [fingerprint_in(i) for i in ids]
    assert found == ["f00d", "beef"]
    why = conflict_of("data", found)
    assert why is not None
    assert "beef, f00d" in why
    assert "--state" in why
    assert conflict_of("data", ["f00d", "f00d"]) is None
    assert fingerprint_in("some-other-client") == "unknown"
