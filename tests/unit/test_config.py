"""KafkaConfig and SecurityConfig: defaults, validation, environment, aiokafka options."""

from __future__ import annotations

import ssl

import pytest
from aiokafka import AIOKafkaProducer

from a2a_kafka.config import KafkaConfig, SecurityConfig
from a2a_kafka.errors import A2AKafkaError, ConfigurationError


def test_defaults_point_at_a_local_plaintext_broker() -> None:
    config = KafkaConfig()
    assert config.bootstrap_servers == "127.0.0.1:9092"
    assert config.security == SecurityConfig()
    assert config.client_options() == {
        "bootstrap_servers": "127.0.0.1:9092",
        "client_id": "a2a-kafka",
        "security_protocol": "PLAINTEXT",
    }


def test_config_is_immutable_and_with_makes_a_changed_copy() -> None:
    config = KafkaConfig()
    changed = config.with_(client_id="other", topic_prefix="dev.")
    assert (config.client_id, changed.client_id) == ("a2a-kafka", "other")
    assert changed.topic("agent.x.requests") == "dev.agent.x.requests"
    with pytest.raises(AttributeError):
        config.client_id = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    "changes",
    [
        {"bootstrap_servers": "  "},
        {"partitions": 0},
        {"replication_factor": 0},
        {"request_timeout": 0},
        {"stream_idle_timeout": -1.0},
    ],
)
def test_invalid_values_raise_configuration_error(changes: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        KafkaConfig(**changes)  # type: ignore[arg-type]


def test_configuration_error_is_a_library_error_and_a_value_error() -> None:
    assert issubclass(ConfigurationError, A2AKafkaError)
    assert issubclass(ConfigurationError, ValueError)


def test_from_env_reads_every_documented_variable() -> None:
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": "b1:9092,b2:9092",
        "KAFKA_CLIENT_ID": "svc",
        "A2A_KAFKA_TOPIC_PREFIX": "prod.",
        "A2A_KAFKA_PARTITIONS": "6",
        "A2A_KAFKA_REPLICATION_FACTOR": "3",
        "A2A_KAFKA_REQUEST_TIMEOUT": "2.5",
        "A2A_KAFKA_STREAM_IDLE_TIMEOUT": "9",
        "KAFKA_SECURITY_PROTOCOL": "sasl_plaintext",
        "KAFKA_SASL_MECHANISM": "scram-sha-512",
        "KAFKA_SASL_USERNAME": "alice",
        "KAFKA_SASL_PASSWORD": "alice-secret",
    }
    config = KafkaConfig.from_env(env)
    assert config.bootstrap_servers == "b1:9092,b2:9092"
    assert (config.client_id, config.topic_prefix) == ("svc", "prod.")
    assert (config.partitions, config.replication_factor) == (6, 3)
    assert (config.request_timeout, config.stream_idle_timeout) == (2.5, 9.0)
    assert config.security == SecurityConfig(
        protocol="SASL_PLAINTEXT",
        sasl_mechanism="SCRAM-SHA-512",
        username="alice",
        password="alice-secret",
    )


def test_from_env_with_empty_environment_gives_defaults() -> None:
    assert KafkaConfig.from_env({}) == KafkaConfig()


def test_from_env_keyword_arguments_win_over_the_environment() -> None:
    env = {"KAFKA_BOOTSTRAP_SERVERS": "env:9092", "A2A_KAFKA_PARTITIONS": "6"}
    config = KafkaConfig.from_env(env, bootstrap_servers="kw:9092", security=SecurityConfig())
    assert (config.bootstrap_servers, config.partitions) == ("kw:9092", 6)


def test_from_env_rejects_a_malformed_number_naming_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="A2A_KAFKA_PARTITIONS='many'"):
        KafkaConfig.from_env({"A2A_KAFKA_PARTITIONS": "many"})


def test_from_env_rejects_an_unknown_security_protocol() -> None:
    with pytest.raises(ConfigurationError, match="'TLS'"):
        KafkaConfig.from_env({"KAFKA_SECURITY_PROTOCOL": "tls"})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"protocol": "SASL_SSL"}, "needs a SASL mechanism"),
        ({"protocol": "SASL_SSL", "sasl_mechanism": "PLAIN"}, "username and a password"),
        ({"protocol": "SASL_PLAINTEXT", "sasl_mechanism": "MD5"}, "needs a SASL mechanism"),
    ],
)
def test_sasl_settings_are_checked(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        SecurityConfig(**kwargs)  # type: ignore[arg-type]


def test_password_is_never_printed() -> None:
    security = SecurityConfig(
        protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", username="u", password="hunter2"
    )
    assert "hunter2" not in repr(security)
    assert "hunter2" not in repr(KafkaConfig(security=security))


def test_sasl_options_for_aiokafka() -> None:
    security = SecurityConfig(
        protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-256", username="u", password="p"
    )
    assert security.aiokafka_options() == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-256",
        "sasl_plain_username": "u",
        "sasl_plain_password": "p",
    }


def test_ssl_options_carry_an_ssl_context() -> None:
    options = SecurityConfig(protocol="SSL").aiokafka_options()
    assert options["security_protocol"] == "SSL"
    assert isinstance(options["ssl_context"], ssl.SSLContext)


def test_msk_iam_from_env_needs_a_region_or_the_signer() -> None:
    env = {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "AWS_MSK_IAM"}
    with pytest.raises(ConfigurationError, match=r"a2a-kafka\[msk\]|region"):
        KafkaConfig.from_env(env)


def test_oauthbearer_passes_the_token_provider_to_aiokafka() -> None:
    provider = object()
    security = SecurityConfig(
        protocol="SASL_SSL", sasl_mechanism="OAUTHBEARER", oauth_token_provider=provider
    )
    options = security.aiokafka_options()
    assert options["sasl_oauth_token_provider"] is provider
    assert "sasl_plain_password" not in options


async def test_raw_client_options_override_the_librarys() -> None:
    config = KafkaConfig(
        producer_options={"linger_ms": 5, "acks": 1}, consumer_options={"fetch_max_wait_ms": 10}
    )
    producer = config.producer_kwargs(linger_ms=2)
    assert (producer["linger_ms"], producer["acks"], producer["enable_idempotence"]) == (
        5,
        1,
        False,
    )
    await AIOKafkaProducer(**producer).stop()  # aiokafka accepts it (it validates on creation)
    consumer = config.consumer_kwargs(group_id="g")
    assert (consumer["fetch_max_wait_ms"], consumer["group_id"]) == (10, "g")
    assert consumer["enable_auto_commit"] is False
