"""Typed, immutable configuration, read from code or from the environment.

`KafkaConfig` says where the cluster is and how to talk to it; it is shared by
the client transport, the server handler, the admin helpers and the CLI.
Seconds are floats. Raw aiokafka options that have no field here go in the
``producer_options`` / ``consumer_options`` escape hatches.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from a2a_kafka.errors import ConfigurationError
from a2a_kafka.kafka_clients import AIOKAFKA, KafkaClientFactory

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"]

_PROTOCOLS: tuple[SecurityProtocol, ...] = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
_MECHANISMS: tuple[SaslMechanism, ...] = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER")


@dataclass(frozen=True, slots=True)
class SecurityConfig:
    """How clients authenticate to and encrypt traffic with the cluster."""

    protocol: SecurityProtocol = "PLAINTEXT"
    """Kafka ``security.protocol``; AWS MSK uses ``SASL_SSL`` (SCRAM, IAM) or ``SSL``."""

    sasl_mechanism: SaslMechanism | None = None
    """SASL mechanism when ``protocol`` is ``SASL_*``."""

    username: str | None = None
    """SASL user name (PLAIN / SCRAM)."""

    password: str | None = field(default=None, repr=False)
    """SASL password (PLAIN / SCRAM). Never printed."""

    ssl_cafile: str | None = None
    """PEM file of CAs to trust; the system store is used when unset."""

    ssl_certfile: str | None = None
    """Client certificate (PEM) for mutual TLS."""

    ssl_keyfile: str | None = None
    """Private key (PEM) of ``ssl_certfile``."""

    oauth_token_provider: Any = field(default=None, repr=False)
    """aiokafka ``AbstractTokenProvider`` for OAUTHBEARER (`a2a_kafka.msk.MskIamTokenProvider`)."""

    def __post_init__(self) -> None:
        if self.protocol not in _PROTOCOLS:
            raise ConfigurationError(
                f"security protocol {self.protocol!r} is not one of {', '.join(_PROTOCOLS)}"
            )
        if self.protocol.startswith("SASL"):
            if self.sasl_mechanism not in _MECHANISMS:
                raise ConfigurationError(
                    f"{self.protocol} needs a SASL mechanism, one of {', '.join(_MECHANISMS)}"
                )
            if self.sasl_mechanism == "OAUTHBEARER":
                if self.oauth_token_provider is None:
                    raise ConfigurationError("SASL OAUTHBEARER needs an oauth_token_provider")
            elif not (self.username and self.password):
                raise ConfigurationError(
                    f"SASL {self.sasl_mechanism} needs a username and a password"
                )

    def aiokafka_options(self) -> dict[str, Any]:
        """The aiokafka keyword arguments for these settings."""
        options: dict[str, Any] = {"security_protocol": self.protocol}
        if self.protocol in ("SSL", "SASL_SSL"):
            from aiokafka.helpers import create_ssl_context

            options["ssl_context"] = create_ssl_context(
                cafile=self.ssl_cafile, certfile=self.ssl_certfile, keyfile=self.ssl_keyfile
            )
        if self.protocol.startswith("SASL"):
            options["sasl_mechanism"] = self.sasl_mechanism
            if self.sasl_mechanism == "OAUTHBEARER":
                options["sasl_oauth_token_provider"] = self.oauth_token_provider
            else:
                options["sasl_plain_username"] = self.username
                options["sasl_plain_password"] = self.password
        return options


@dataclass(frozen=True, slots=True)
class KafkaConfig:
    """Where the Kafka cluster is and how a2a-kafka uses it."""

    bootstrap_servers: str = "127.0.0.1:9092"
    """Comma-separated ``host:port`` list of brokers."""

    client_id: str = "a2a-kafka"
    """Kafka client id, shown in broker logs and quotas."""

    topic_prefix: str = ""
    """Prepended to every topic name, e.g. ``"prod."`` for ``prod.agent.data.requests``."""

    security: SecurityConfig = field(default_factory=SecurityConfig)
    """TLS and SASL settings."""

    partitions: int = 3
    """Partitions of topics that a2a-kafka creates on demand."""

    replication_factor: int = 1
    """Replication factor of topics that a2a-kafka creates (3 on a production cluster)."""

    request_timeout: float = 30.0
    """Default deadline of a unary call, in seconds, when the call sets none."""

    stream_idle_timeout: float = 60.0
    """Longest wait, in seconds, for the next event of a stream before it times out."""

    caller_id: str | None = None
    """This caller's identity in request headers (``a2a-kafka-caller-id``), which scopes
    message-id dedupe on the server. Default: the caller's private reply topic, unique
    per process; set a stable one to have a restarted caller's retries deduplicated."""

    producer_options: Mapping[str, Any] = field(default_factory=dict)
    """Extra ``AIOKafkaProducer`` keyword arguments; they override the library's."""

    consumer_options: Mapping[str, Any] = field(default_factory=dict)
    """Extra ``AIOKafkaConsumer`` keyword arguments; they override the library's."""

    client_factory: KafkaClientFactory | None = field(default=None, repr=False, compare=False)
    """Builds every aiokafka client of this config (`a2a_kafka.kafka_clients`); None:
    aiokafka's own. Tests and benchmarks give another instead of patching modules."""

    trusted_servers: tuple[str, ...] = ()
    """Brokers, besides ``bootstrap_servers``, that an agent card's ``kafka://`` URL may
    name; a caller refuses cards naming any other (`UntrustedCardError`)."""

    def __post_init__(self) -> None:
        if not self.bootstrap_servers.strip():
            raise ConfigurationError("bootstrap_servers is empty")
        if self.partitions < 1 or self.replication_factor < 1:
            raise ConfigurationError("partitions and replication_factor must be at least 1")
        if self.request_timeout <= 0 or self.stream_idle_timeout <= 0:
            raise ConfigurationError("timeouts must be positive")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> KafkaConfig:
        """Build a config from environment variables; keyword arguments win.

        ``KAFKA_BOOTSTRAP_SERVERS``, ``KAFKA_CLIENT_ID``, ``A2A_KAFKA_TOPIC_PREFIX``,
        ``A2A_KAFKA_PARTITIONS``, ``A2A_KAFKA_REPLICATION_FACTOR``,
        ``A2A_KAFKA_REQUEST_TIMEOUT``, ``A2A_KAFKA_STREAM_IDLE_TIMEOUT``, ``A2A_KAFKA_CALLER_ID``,
        ``KAFKA_SECURITY_PROTOCOL``, ``KAFKA_SASL_MECHANISM`` (``AWS_MSK_IAM`` with
        ``AWS_REGION`` for MSK IAM), ``KAFKA_SASL_USERNAME``,
        ``KAFKA_SASL_PASSWORD``, ``KAFKA_SSL_CAFILE``, ``KAFKA_SSL_CERTFILE``,
        ``KAFKA_SSL_KEYFILE``, ``A2A_KAFKA_TRUSTED_SERVERS`` (comma-separated).
        """
        e = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, var, kind in _ENV_FIELDS:
            if raw := e.get(var):
                values[name] = _convert(var, raw, kind)
        if "security" not in overrides:
            mechanism = e.get("KAFKA_SASL_MECHANISM", "").upper() or None
            provider = None
            if mechanism == "AWS_MSK_IAM":
                from a2a_kafka.msk import MskIamTokenProvider

                mechanism = "OAUTHBEARER"
                provider = MskIamTokenProvider(e.get("AWS_REGION", ""))
            values["security"] = SecurityConfig(
                protocol=e.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT").upper(),  # type: ignore[arg-type]
                sasl_mechanism=mechanism,  # type: ignore[arg-type]
                oauth_token_provider=provider,
                username=e.get("KAFKA_SASL_USERNAME") or None,
                password=e.get("KAFKA_SASL_PASSWORD") or None,
                ssl_cafile=e.get("KAFKA_SSL_CAFILE") or None,
                ssl_certfile=e.get("KAFKA_SSL_CERTFILE") or None,
                ssl_keyfile=e.get("KAFKA_SSL_KEYFILE") or None,
            )
        if trusted := e.get("A2A_KAFKA_TRUSTED_SERVERS"):
            values["trusted_servers"] = tuple(s.strip() for s in trusted.split(",") if s.strip())
        values.update(overrides)
        return cls(**values)

    @property
    def kafka(self) -> KafkaClientFactory:
        """The factory of this config's aiokafka clients (``client_factory``, else aiokafka's)."""
        return self.client_factory or AIOKAFKA

    def with_(self, **changes: Any) -> KafkaConfig:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def topic(self, name: str) -> str:
        """``name`` with the configured prefix."""
        return f"{self.topic_prefix}{name}"

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments common to every aiokafka client."""
        return {
            "bootstrap_servers": self.bootstrap_servers,
            "client_id": self.client_id,
            **self.security.aiokafka_options(),
        }

    def producer_kwargs(self, **defaults: Any) -> dict[str, Any]:
        """``AIOKafkaProducer`` arguments: durable (idempotent, ``acks=all``), no linger.

        Precedence: `producer_options` over ``defaults`` over the library's.
        """
        durable = {"acks": "all", "enable_idempotence": True, "linger_ms": 0}
        merged = {**self.client_options(), **durable, **defaults, **self.producer_options}
        if merged["acks"] not in ("all", -1) and "enable_idempotence" not in self.producer_options:
            merged["enable_idempotence"] = False  # idempotence requires acks=all
        return merged

    def consumer_kwargs(self, **defaults: Any) -> dict[str, Any]:
        """``AIOKafkaConsumer`` arguments: manual commits, 100 ms longest fetch wait.

        Precedence: `consumer_options` over ``defaults`` over the library's.
        """
        manual = {"enable_auto_commit": False, "fetch_max_wait_ms": 100}
        return {**self.client_options(), **manual, **defaults, **self.consumer_options}


_ENV_FIELDS: tuple[tuple[str, str, type], ...] = (
    ("bootstrap_servers", "KAFKA_BOOTSTRAP_SERVERS", str),
    ("client_id", "KAFKA_CLIENT_ID", str),
    ("topic_prefix", "A2A_KAFKA_TOPIC_PREFIX", str),
    ("partitions", "A2A_KAFKA_PARTITIONS", int),
    ("replication_factor", "A2A_KAFKA_REPLICATION_FACTOR", int),
    ("request_timeout", "A2A_KAFKA_REQUEST_TIMEOUT", float),
    ("stream_idle_timeout", "A2A_KAFKA_STREAM_IDLE_TIMEOUT", float),
    ("caller_id", "A2A_KAFKA_CALLER_ID", str),
)


def _convert(var: str, raw: str, kind: type) -> Any:
    try:
        return kind(raw)
    except ValueError:
        raise ConfigurationError(f"{var}={raw!r} is not a valid {kind.__name__}") from None
