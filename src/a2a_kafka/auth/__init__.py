"""A2A-level authentication of callers (see `a2a_kafka.auth.policy`); needs the ``auth`` extra.

Server: ``KafkaConsumerHandler(..., agent_card=policy.secure_card(card),
context_builder=policy.context_builder())``. Caller:
``KafkaClients(config, credentials=StaticCredentials({"bearer": token}))``.

Public: this package's names and `a2a_kafka.auth.cards` (signed cards). Internal modules:
`policy`, `verify`, `credentials` (use the names this package exports).
"""

from a2a_kafka.auth.credentials import StaticCredentials
from a2a_kafka.auth.policy import API_KEY, BEARER, AuthPolicy
from a2a_kafka.auth.verify import ApiKeyVerifier, AuthenticatedUser, JwtSettings, JwtVerifier
from a2a_kafka.errors import UNAUTHENTICATED_CODE, UnauthenticatedError

__all__ = [
    "API_KEY",
    "BEARER",
    "UNAUTHENTICATED_CODE",
    "ApiKeyVerifier",
    "AuthPolicy",
    "AuthenticatedUser",
    "JwtSettings",
    "JwtVerifier",
    "StaticCredentials",
    "UnauthenticatedError",
]
