"""a2a-kafka: the A2A (Agent2Agent) protocol carried over Apache Kafka.

The public API is what `__all__` lists (every type used in a public signature is in it)
and these modules: `a2a_kafka.config` and `a2a_kafka.errors` (where the root's
configuration and error types live), `a2a_kafka.kafka_clients` (the one place aiokafka
clients are built: the seam tests swap, and `a2a_kafka.memory_kafka`, an in-memory one),
`a2a_kafka.serving` (what ``a2a-kafka serve`` serves),
`a2a_kafka.broker` (the local broker), `a2a_kafka.testing` and `a2a_kafka.pytest_plugin`
(tests against a real cluster), `a2a_kafka.http_server` (extra ``http``), `a2a_kafka.msk`
(extra ``msk``), `a2a_kafka.gateway` (extra ``gateway``), `a2a_kafka.auth` and
`a2a_kafka.auth.cards` (caller authentication, signed cards; extra ``auth``),
`a2a_kafka.telemetry` with `tracing`, `metrics`, `logs` and `waterfall` (extra
``telemetry``), `a2a_kafka.cli.plugin` (commands added to the ``a2a-kafka`` CLI), and the
record format of `a2a_kafka.wire` (header names) and `a2a_kafka.topics` (topic names).
Every other module is internal: its docstring (or its package's) says so, and it may change
without notice.

Names are imported on first use, so ``import a2a_kafka`` is cheap and needs no extra: the
cluster-state names (`SharedTaskState`, `KafkaTaskEventStream`, `DatabaseDedupeStore`) need
SQLAlchemy (``pip install 'a2a-kafka[sqlite]'`` or ``[postgresql]``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
"""This distribution's version (the wheel's, and ``a2a-kafka --version``'s)."""

if TYPE_CHECKING:
    from a2a_kafka.auth.policy import AuthPolicy
    from a2a_kafka.auth.verify import AuthenticatedUser, JwtSettings, Verifier
    from a2a_kafka.client.connect import KafkaClients
    from a2a_kafka.client.requester import Requester
    from a2a_kafka.client.transport import KafkaTransport
    from a2a_kafka.cluster.dedupe_store import DatabaseDedupeStore
    from a2a_kafka.cluster.event_stream import KafkaTaskEventStream
    from a2a_kafka.cluster.state import SharedTaskState
    from a2a_kafka.config import KafkaConfig, SaslMechanism, SecurityConfig
    from a2a_kafka.errors import (
        A2AKafkaError,
        AgentNotFoundError,
        BrokerAuthenticationError,
        BrokerError,
        ConfigurationError,
        KafkaTimeoutError,
        KafkaTransportError,
        LocalBrokerError,
        StateError,
        UnauthenticatedError,
        UntrustedCardError,
    )
    from a2a_kafka.kafka_clients import KafkaClientFactory
    from a2a_kafka.registry import (
        KAFKA_PROTOCOL_BINDING,
        AgentRegistry,
        kafka_interface,
        kafka_url,
        with_kafka_interface,
    )
    from a2a_kafka.server.dedupe import (
        AbandonedClaim,
        Claim,
        DedupeStore,
        MemoryDedupeStore,
        MessageKey,
        Outcome,
    )
    from a2a_kafka.server.handler import KafkaConsumerHandler
    from a2a_kafka.server.retry import RetryPolicy
    from a2a_kafka.server.router import ContextBuilder, default_context
    from a2a_kafka.server.run import Service, serve_until_signal
    from a2a_kafka.server.stats import HandlerStats
    from a2a_kafka.serving import AgentSpec, AgentState, ClientMaker, MemoryState, ServeContext
    from a2a_kafka.topics import AgentTopics
    from a2a_kafka.wire import ReplyAddress, RequestMeta

_EXPORTS = {
    "A2AKafkaError": "a2a_kafka.errors",
    "AbandonedClaim": "a2a_kafka.server.dedupe",
    "AgentNotFoundError": "a2a_kafka.errors",
    "AgentRegistry": "a2a_kafka.registry",
    "AgentSpec": "a2a_kafka.serving",
    "AgentState": "a2a_kafka.serving",
    "AgentTopics": "a2a_kafka.topics",
    "AuthPolicy": "a2a_kafka.auth.policy",
    "AuthenticatedUser": "a2a_kafka.auth.verify",
    "BrokerAuthenticationError": "a2a_kafka.errors",
    "BrokerError": "a2a_kafka.errors",
    "Claim": "a2a_kafka.server.dedupe",
    "ClientMaker": "a2a_kafka.serving",
    "ConfigurationError": "a2a_kafka.errors",
    "ContextBuilder": "a2a_kafka.server.router",
    "DatabaseDedupeStore": "a2a_kafka.cluster.dedupe_store",
    "DedupeStore": "a2a_kafka.server.dedupe",
    "HandlerStats": "a2a_kafka.server.stats",
    "JwtSettings": "a2a_kafka.auth.verify",
    "KAFKA_PROTOCOL_BINDING": "a2a_kafka.registry",
    "KafkaClientFactory": "a2a_kafka.kafka_clients",
    "KafkaClients": "a2a_kafka.client.connect",
    "KafkaConfig": "a2a_kafka.config",
    "KafkaConsumerHandler": "a2a_kafka.server.handler",
    "KafkaTaskEventStream": "a2a_kafka.cluster.event_stream",
    "KafkaTimeoutError": "a2a_kafka.errors",
    "KafkaTransport": "a2a_kafka.client.transport",
    "KafkaTransportError": "a2a_kafka.errors",
    "LocalBrokerError": "a2a_kafka.errors",
    "MemoryDedupeStore": "a2a_kafka.server.dedupe",
    "MemoryState": "a2a_kafka.serving",
    "MessageKey": "a2a_kafka.server.dedupe",
    "Outcome": "a2a_kafka.server.dedupe",
    "ReplyAddress": "a2a_kafka.wire",
    "RequestMeta": "a2a_kafka.wire",
    "Requester": "a2a_kafka.client.requester",
    "RetryPolicy": "a2a_kafka.server.retry",
    "SaslMechanism": "a2a_kafka.config",
    "SecurityConfig": "a2a_kafka.config",
    "ServeContext": "a2a_kafka.serving",
    "Service": "a2a_kafka.server.run",
    "SharedTaskState": "a2a_kafka.cluster.state",
    "StateError": "a2a_kafka.errors",
    "UnauthenticatedError": "a2a_kafka.errors",
    "UntrustedCardError": "a2a_kafka.errors",
    "Verifier": "a2a_kafka.auth.verify",
    "default_context": "a2a_kafka.server.router",
    "serve_until_signal": "a2a_kafka.server.run",
    "kafka_interface": "a2a_kafka.registry",
    "kafka_url": "a2a_kafka.registry",
    "with_kafka_interface": "a2a_kafka.registry",
}
"""Public name → the module that defines it (imported by `__getattr__` on first use)."""

__all__ = [
    "KAFKA_PROTOCOL_BINDING",
    "A2AKafkaError",
    "AbandonedClaim",
    "AgentNotFoundError",
    "AgentRegistry",
    "AgentSpec",
    "AgentState",
    "AgentTopics",
    "AuthPolicy",
    "AuthenticatedUser",
    "BrokerAuthenticationError",
    "BrokerError",
    "Claim",
    "ClientMaker",
    "ConfigurationError",
    "ContextBuilder",
    "DatabaseDedupeStore",
    "DedupeStore",
    "HandlerStats",
    "JwtSettings",
    "KafkaClientFactory",
    "KafkaClients",
    "KafkaConfig",
    "KafkaConsumerHandler",
    "KafkaTaskEventStream",
    "KafkaTimeoutError",
    "KafkaTransport",
    "KafkaTransportError",
    "LocalBrokerError",
    "MemoryDedupeStore",
    "MemoryState",
    "MessageKey",
    "Outcome",
    "ReplyAddress",
    "RequestMeta",
    "Requester",
    "RetryPolicy",
    "SaslMechanism",
    "SecurityConfig",
    "ServeContext",
    "Service",
    "SharedTaskState",
    "StateError",
    "UnauthenticatedError",
    "UntrustedCardError",
    "Verifier",
    "default_context",
    "kafka_interface",
    "kafka_url",
    "serve_until_signal",
    "with_kafka_interface",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'a2a_kafka' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
