"""The errors a2a-kafka raises: one contract.

Everything a caller of the library can see is an a2a-sdk `A2AClientError`, so
``except A2AClientError`` (and ``except A2AClientTimeoutError``) written for a2a's HTTP
transports works unchanged over Kafka. The library's own failures, on the client and on
the server side, are `A2AKafkaError`\\ s; where a2a defines the failure (a timeout) the
error is also a2a's class for it::

    A2AClientError (a2a-sdk)               everything a caller can see
    ├── A2AKafkaError                      every failure of a2a-kafka itself
    │   ├── ConfigurationError             a setting is missing or invalid (also ValueError)
    │   ├── AgentNotFoundError             no card is registered under that name (also LookupError)
    │   ├── StateError                     the shared task state (its database) cannot be used
    │   ├── UntrustedCardError             a card names a cluster or signer not trusted
    │   ├── UnauthenticatedError           the agent refused the call's credentials (code
    │   │                                  -31401; also a2a's A2AError)
    │   ├── BrokerError                    the Kafka cluster cannot be used, or refused an operation
    │   │   ├── BrokerAuthenticationError  credentials or TLS certificate rejected
    │   │   └── LocalBrokerError           the bundled local broker cannot start
    │   └── KafkaTransportError            a request could not be carried: produce failed,
    │       │                              malformed reply, client closed
    │       └── KafkaTimeoutError          no reply or next event in time (*)
    └── A2AClientTimeoutError (a2a-sdk)    (*) KafkaTimeoutError derives from it too

Errors the remote agent answers with (TaskNotFound, InvalidParams, ...) are raised as
a2a-sdk's own `A2AError` classes, exactly as its JSON-RPC transport raises them.

No third-party exception escapes a public call: aiokafka's are translated in one place,
`a2a_kafka.diagnosis.kafka_errors` (and `cluster_error`, which it uses), into `BrokerError`
and its subclasses; SQLAlchemy's into `StateError`; ``raise ... from`` keeps the original
as ``__cause__``.
"""

from __future__ import annotations

from typing import Any

from a2a.client.errors import A2AClientError, A2AClientTimeoutError
from a2a.server.jsonrpc_models import JSONRPCError
from a2a.utils.errors import A2AError


class A2AKafkaError(A2AClientError):
    """Root of every error raised by a2a-kafka itself (an a2a `A2AClientError`)."""


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


class KafkaTransportError(A2AKafkaError):
    """A request could not be carried over Kafka (produce failed, bad reply, closed client)."""


class KafkaTimeoutError(KafkaTransportError, A2AClientTimeoutError):
    """No reply, or no next stream event, arrived before the deadline."""


class StateError(A2AKafkaError):
    """The shared task state cannot be used: its database refused or failed an operation."""


class AgentNotFoundError(A2AKafkaError, LookupError):
    """No agent card is registered under the requested name."""


class UntrustedCardError(A2AKafkaError):
    """An agent card is not obeyed: it names a cluster this caller was not configured
    for (`KafkaConfig.trusted_servers`), or it is not signed by a trusted key.

    Raised before any connection is opened to what the card names.
    """


UNAUTHENTICATED_CODE = -31401
"""JSON-RPC code of a call refused for missing, invalid or expired credentials."""
_ERROR_INFO_TYPE = "type.googleapis.com/google.rpc.ErrorInfo"


class UnauthenticatedError(A2AKafkaError, A2AError):
    """The agent requires credentials and the call had none, or none that verify.

    A2A 1.0 names authentication errors (§3.3.2, "invalid or missing
    credentials") but gives them no JSON-RPC code ("JSON-RPC custom error"), and
    a2a-sdk 1.3 has no class for them. This binding uses ``-31401``, outside
    JSON-RPC's reserved ``-32768..-32000`` (so it cannot collide with a code A2A
    assigns later in ``-32001..-32099``), with ``data`` = one ``ErrorInfo``
    (``reason: "UNAUTHENTICATED"``, ``domain: "a2a-kafka"``, ``metadata.schemes``:
    the security schemes the agent accepts). The message says what is wrong,
    never the credential. The reference client raises this class for the code.
    """

    message = "Unauthenticated"

    def __init__(self, message: str | None = None, data: dict[str, Any] | None = None) -> None:
        A2AError.__init__(self, message, data)

    def as_jsonrpc(self) -> JSONRPCError:
        """The JSON-RPC error object of this refusal."""
        detail = {
            "@type": _ERROR_INFO_TYPE,
            "reason": "UNAUTHENTICATED",
            "domain": "a2a-kafka",
            "metadata": {k: str(v) for k, v in (self.data or {}).items()},
        }
        return JSONRPCError(code=UNAUTHENTICATED_CODE, message=self.message, data=[detail])
