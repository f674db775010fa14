"""`StaticCredentials`: a caller's credentials for a2a's ``AuthInterceptor``.

a2a's ``AuthInterceptor`` asks a ``CredentialService`` for a credential per
security scheme name the agent's card lists, and puts it into the call's
service parameters (``Authorization: Bearer <token>``, or the header the card's
API-key scheme names); the Kafka transport sends them as record headers.
`KafkaClients(credentials=...)` adds the interceptor to every client it makes.

Scheme names are those of the card: a2a-kafka's `AuthPolicy` uses ``bearer``
and ``apiKey``. From the environment (`from_env`, used by ``a2a-kafka send``,
``chat`` and the agents' own calls): ``A2A_KAFKA_BEARER_TOKEN`` (or a file,
``A2A_KAFKA_BEARER_TOKEN_FILE``) and ``A2A_KAFKA_API_KEY``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from a2a.client.auth import CredentialService
from a2a.client.client import ClientCallContext

from a2a_kafka.auth.policy import API_KEY, BEARER
from a2a_kafka.errors import ConfigurationError


class StaticCredentials(CredentialService):
    """The same credential for every call, by security scheme name."""

    def __init__(self, by_scheme: Mapping[str, str]) -> None:
        self._by_scheme = dict(by_scheme)

    def __repr__(self) -> str:  # never the credentials themselves
        return f"StaticCredentials(schemes={sorted(self._by_scheme)})"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StaticCredentials | None:
        """Credentials from ``A2A_KAFKA_BEARER_TOKEN[_FILE]`` / ``A2A_KAFKA_API_KEY``; or None."""
        e = os.environ if env is None else env
        found: dict[str, str] = {}
        token = e.get("A2A_KAFKA_BEARER_TOKEN")
        if not token and (path := e.get("A2A_KAFKA_BEARER_TOKEN_FILE")):
            try:
                token = Path(path).read_text().strip()
            except OSError as exc:
                raise ConfigurationError(f"A2A_KAFKA_BEARER_TOKEN_FILE: {exc}") from None
        if token:
            found[BEARER] = token
        if key := e.get("A2A_KAFKA_API_KEY"):
            found[API_KEY] = key
        return cls(found) if found else None

    async def get_credentials(
        self, security_scheme_name: str, context: ClientCallContext | None
    ) -> str | None:
        return self._by_scheme.get(security_scheme_name)
