"""What each connection failure is reported as (`a2a_kafka.diagnosis.explain`)."""

from __future__ import annotations

import ssl

import pytest
from aiokafka.errors import (
    IllegalSaslStateError,
    KafkaConnectionError,
    SaslAuthenticationFailed,
    TopicAuthorizationFailedError,
    UnsupportedSaslMechanismError,
)

from a2a_kafka import BrokerAuthenticationError, BrokerError, KafkaConfig, SecurityConfig
from a2a_kafka.diagnosis import cluster_error, explain

SCRAM = KafkaConfig(
    bootstrap_servers="b-1.example:9096",
    security=SecurityConfig(
        protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512", username="svc", password="pw"
    ),
)
TLS = KafkaConfig(bootstrap_servers="b-1.example:9094", security=SecurityConfig(protocol="SSL"))


def untrusted() -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, "certificate verify failed")
    error.verify_message = "self-signed certificate in certificate chain"
    return error


@pytest.mark.parametrize(
    ("config", "cause", "kind", "message"),
    [
        (
            SCRAM,
            SaslAuthenticationFailed("invalid credentials with SASL mechanism SCRAM-SHA-512"),
            BrokerAuthenticationError,
            "authentication to Kafka at b-1.example:9096 failed: SASL SCRAM-SHA-512 user 'svc' "
            "was rejected (invalid credentials with SASL mechanism SCRAM-SHA-512); "
            "check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD",
        ),
        (
            SCRAM,
            UnsupportedSaslMechanismError(),
            BrokerAuthenticationError,
            "does not enable SASL SCRAM-SHA-512; check KAFKA_SASL_MECHANISM",
        ),
        (
            TLS,
            untrusted(),
            BrokerAuthenticationError,
            "TLS to Kafka at b-1.example:9094 failed: the broker's certificate is not trusted "
            "(self-signed certificate in certificate chain); set KAFKA_SSL_CAFILE",
        ),
        (TLS, ConnectionResetError(), BrokerError, "with security protocol SSL: the TLS handshake"),
        (SCRAM, IllegalSaslStateError(), BrokerError, "this listener does not speak SASL"),
        (
            KafkaConfig(bootstrap_servers="b-1.example:9096"),
            KafkaConnectionError("Connection at b-1.example:9096 closed"),
            BrokerError,
            "with security protocol PLAINTEXT: the broker closed the connection at once",
        ),
        (TLS, ConnectionRefusedError(), BrokerError, "cannot reach Kafka at b-1.example:9094"),
    ],
)
def test_each_failure_is_named(
    config: KafkaConfig, cause: BaseException, kind: type[BrokerError], message: str
) -> None:
    error = explain(config, cause)
    assert type(error) is kind
    assert message in str(error)
    assert "pw" not in str(error).replace("KAFKA_SASL_PASSWORD", "")


async def test_a_failed_bootstrap_is_diagnosed_with_one_more_connection() -> None:
    config = KafkaConfig(bootstrap_servers="127.0.0.1:1")
    error = await cluster_error(config, KafkaConnectionError("Unable to bootstrap from [...]"))
    assert str(error).startswith("cannot reach Kafka at 127.0.0.1:1 (")


async def test_a_failure_after_connecting_keeps_aiokafkas_description() -> None:
    config = KafkaConfig(bootstrap_servers="b-1.example:9096")
    denied = await cluster_error(config, TopicAuthorizationFailedError("agent.data.requests"))
    assert str(denied).startswith("Kafka at b-1.example:9096 denied a request: [Error 29]")
    assert str(denied).endswith("check the principal's ACLs")
    closed = await cluster_error(config, KafkaConnectionError("Connection at b-1 closed"))
    assert str(closed) == (
        "Kafka at b-1.example:9096 failed a request: KafkaConnectionError: Connection at b-1 closed"
    )
