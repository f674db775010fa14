"""The errors a2a-kafka raises.

Every error the library raises on its own account derives from `A2AKafkaError`.
Where the A2A protocol defines the failure, the error *also* derives from
a2a-sdk's class for it, so `except A2AClientError` / `except
A2AClientTimeoutError` written for the HTTP transports keeps working::

    A2AKafkaError                      root of this library's errors
    ├── ConfigurationError             a setting is missing or invalid
    ├── BrokerError                    the Kafka cluster cannot be used
    │   ├── BrokerAuthenticationError  credentials or TLS certificate rejected
    │   └── LocalBrokerError           the bundled local broker cannot start
    ├── KafkaTransportError            (also a2a's A2AClientError)
    │   └── KafkaTimeoutError          (also a2a's A2AClientTimeoutError)
    └── AgentNotFoundError             no card is registered under that name

Errors returned by the remote agent (TaskNotFound, InvalidParams, ...) are
raised as a2a-sdk's own classes, exactly as the JSON-RPC transport raises them.
"""

from __future__ import annotations

from a2a.client.errors import A2AClientError, A2AClientTimeoutError


class A2AKafkaError(Exception):
    """Root of every error raised by a2a-kafka itself."""


class ConfigurationError(A2AKafkaError, ValueError):
    """A setting is missing or has an invalid value."""


class BrokerError(A2AKafkaError):
    """The Kafka cluster cannot be reached or refused an operation."""


class BrokerAuthenticationError(BrokerError):
    """The cluster rejected the SASL credentials, or its TLS certificate was not trusted.

    Not retried: the message names the cluster, the identity used and the
    setting to fix (``KAFKA_SASL_USERNAME``/``PASSWORD``, ``KAFKA_SSL_CAFILE``).
    """


class LocalBrokerError(BrokerError):
    """The bundled single-node broker cannot be assembled, started or stopped.

    The message says what is missing and how to use an existing cluster instead
    (``KAFKA_BOOTSTRAP_SERVERS``).
    """


class KafkaTransportError(A2AKafkaError, A2AClientError):
    """A request could not be carried over Kafka (produce failed, bad reply)."""


class KafkaTimeoutError(KafkaTransportError, A2AClientTimeoutError):
    """No reply, or no next stream event, arrived before the deadline."""


class AgentNotFoundError(A2AKafkaError, LookupError):
    """No agent card is registered under the requested name."""
