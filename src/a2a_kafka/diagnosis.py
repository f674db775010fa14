"""Why the cluster cannot be used: aiokafka's errors as one clear `BrokerError`.

This is the one place aiokafka's exceptions become the library's (`a2a_kafka.errors`):
`kafka_errors` wraps a block of aiokafka calls, `cluster_error` maps one exception.

aiokafka reports every failed bootstrap as ``KafkaConnectionError("Unable to
bootstrap from [...]")``, whether the broker was down, rejected the password or
presented an untrusted certificate (the cause is only logged). `cluster_error`
finds the cause with one more connection attempt, bounded by `PROBE_SECONDS`,
and names it::

    SASL credentials rejected            BrokerAuthenticationError
    SASL mechanism not enabled           BrokerAuthenticationError
    TLS certificate not trusted          BrokerAuthenticationError
    other TLS failure, SASL on a non-SASL listener,
    connection closed at once             BrokerError (check protocol and port)
    nothing answers                      BrokerError ("cannot reach Kafka at ...")

Failures after the connection was made (a request denied by an ACL, a broker
that went away) keep aiokafka's own description. Authentication failures are
final: callers raise them at once, never retry.

Internal module: not part of the public API; use what `a2a_kafka` exports.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator

from aiokafka.conn import collect_hosts, create_conn
from aiokafka.errors import (
    AuthenticationFailedError,
    ClusterAuthorizationFailedError,
    GroupAuthorizationFailedError,
    IllegalSaslStateError,
    KafkaConnectionError,
    KafkaError,
    SaslAuthenticationFailed,
    TopicAuthorizationFailedError,
    UnsupportedSaslMechanismError,
)

from a2a_kafka.config import KafkaConfig, SecurityConfig
from a2a_kafka.errors import BrokerAuthenticationError, BrokerError

PROBE_SECONDS = 10.0
"""Longest wait for the diagnosing connection attempt."""

_BOOTSTRAP_FAILED = "Unable to bootstrap"
_DENIED = (
    TopicAuthorizationFailedError,
    GroupAuthorizationFailedError,
    ClusterAuthorizationFailedError,
)


@contextlib.asynccontextmanager
async def kafka_errors(config: KafkaConfig, doing: str = "") -> AsyncIterator[None]:
    """Run the block; an aiokafka error leaves it as the `BrokerError` `cluster_error` names.

    ``doing`` (e.g. ``"reading agent.data.requests.dlq"``) prefixes the message.
    """
    try:
        yield
    except KafkaError as exc:
        error = await cluster_error(config, exc)
        if doing and not isinstance(error, BrokerAuthenticationError):
            error = BrokerError(f"{doing}: {error}")
        raise error from exc


async def cluster_error(config: KafkaConfig, exc: KafkaError) -> BrokerError:
    """The error to raise for ``exc``, aiokafka's failure to use the cluster of ``config``."""
    where = f"Kafka at {config.bootstrap_servers}"
    if isinstance(exc, KafkaConnectionError) and _BOOTSTRAP_FAILED in str(exc):
        return explain(config, await connection_failure(config) or exc)
    if isinstance(exc, _DENIED):
        return BrokerError(f"{where} denied a request: {exc}; check the principal's ACLs")
    return BrokerError(f"{where} failed a request: {exc}")


async def connection_failure(config: KafkaConfig) -> BaseException | None:
    """Connect to the first bootstrap server as the clients do; the error, or None if fine."""
    host, port, _ = collect_hosts(config.bootstrap_servers, randomize=False)[0]
    timeout_ms = int(PROBE_SECONDS * 1000)
    try:
        async with asyncio.timeout(PROBE_SECONDS):
            options = config.security.aiokafka_options()
            conn = await create_conn(
                host, port, client_id=config.client_id, request_timeout_ms=timeout_ms, **options
            )
    except (OSError, KafkaError, TimeoutError) as exc:
        return exc
    with contextlib.suppress(Exception):
        conn.close()
    return None


def explain(config: KafkaConfig, cause: BaseException) -> BrokerError:
    """What ``cause``, the failure to connect to the cluster, means, as a `BrokerError`."""
    where = f"Kafka at {config.bootstrap_servers}"
    security = config.security
    if isinstance(cause, SaslAuthenticationFailed | AuthenticationFailedError):
        return BrokerAuthenticationError(
            f"authentication to {where} failed: {_identity(security)} was rejected "
            f"({_broker_message(cause)}); check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
        )
    if isinstance(cause, UnsupportedSaslMechanismError):
        return BrokerAuthenticationError(
            f"authentication to {where} failed: this listener does not enable SASL "
            f"{security.sasl_mechanism}; check KAFKA_SASL_MECHANISM and the port"
        )
    if isinstance(cause, ssl.SSLCertVerificationError):
        return BrokerAuthenticationError(
            f"TLS to {where} failed: the broker's certificate is not trusted "
            f"({cause.verify_message}); set KAFKA_SSL_CAFILE to the PEM file of the cluster's CA"
        )
    if isinstance(cause, ssl.SSLError) or (
        security.protocol.endswith("SSL") and isinstance(cause, ConnectionResetError)
    ):
        return _wrong_protocol(where, security, "the TLS handshake failed")
    if isinstance(cause, IllegalSaslStateError):
        return _wrong_protocol(where, security, "this listener does not speak SASL")
    if isinstance(cause, KafkaConnectionError) and _BOOTSTRAP_FAILED not in str(cause):
        return _wrong_protocol(where, security, "the broker closed the connection at once")
    return BrokerError(
        f"cannot reach {where} ({type(cause).__name__}): "
        "start the local broker with `a2a-kafka broker start`, "
        "or set KAFKA_BOOTSTRAP_SERVERS to a running cluster"
    )


def _wrong_protocol(where: str, security: SecurityConfig, what: str) -> BrokerError:
    return BrokerError(
        f"cannot connect to {where} with security protocol {security.protocol}: {what}; "
        "check that KAFKA_SECURITY_PROTOCOL matches the listener of that port"
    )


def _identity(security: SecurityConfig) -> str:
    if security.sasl_mechanism == "OAUTHBEARER":
        return "the SASL OAUTHBEARER token"
    return f"SASL {security.sasl_mechanism} user {security.username!r}"


def _broker_message(exc: BaseException) -> str:
    message = str(exc.args[0]) if exc.args else ""
    return message or type(exc).__name__
