"""`AuthPolicy`: which callers an agent accepts, as its card declares and its server checks.

One object gives both sides of A2A-level authentication of one agent:

- `secure_card` adds the security schemes (``bearer``: HTTP bearer JWT;
  ``apiKey``: an API key header) to the agent card, each one an alternative
  security requirement, so a2a's ``AuthInterceptor`` on the caller puts the
  caller's credential into the request (``Authorization`` or the key's header,
  carried as service parameters, i.e. record headers);
- `context_builder` is the `KafkaConsumerHandler` hook that verifies them and
  sets ``ServerCallContext.user`` to an `AuthenticatedUser`. a2a's task stores
  scope every task by that user (``OwnerResolver``), so one user's tasks are
  not found for another, and the handler's dedupe is scoped by it too. A call
  without valid credentials is answered with `UnauthenticatedError` and the
  agent does not run.

The verified credential is removed from ``state["headers"]``: nothing after
the check (the agent, its logs) sees it. An agent without a policy keeps the
default, anonymous, context builder.

From the environment (`from_env`, used by ``a2a-kafka serve``):

================================= ==============================================
``A2A_KAFKA_AUTH_JWT_KEY_FILE``   PEM public key (or HMAC secret) of bearer JWTs
``A2A_KAFKA_AUTH_JWKS_FILE``      or a JWKS file of them
``A2A_KAFKA_AUTH_JWT_ISSUER``     required ``iss``
``A2A_KAFKA_AUTH_JWT_AUDIENCE``   required ``aud``
``A2A_KAFKA_AUTH_JWT_ALGORITHMS`` comma-separated (default RS256,ES256,EdDSA)
``A2A_KAFKA_AUTH_JWT_LEEWAY``     clock skew in seconds (default 30)
``A2A_KAFKA_AUTH_API_KEYS_FILE``  JSON ``{"<user>": "<key>"}``
``A2A_KAFKA_AUTH_API_KEY_HEADER`` the key's header (default ``X-API-Key``)
================================= ==============================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from a2a.server.context import ServerCallContext
from a2a.types.a2a_pb2 import (
    AgentCard,
    APIKeySecurityScheme,
    HTTPAuthSecurityScheme,
    SecurityRequirement,
    SecurityScheme,
)

from a2a_kafka.auth.verify import (
    AUTHORIZATION,
    ApiKeyVerifier,
    AuthenticatedUser,
    JwtSettings,
    JwtVerifier,
    Verifier,
    load_api_keys,
)
from a2a_kafka.errors import ConfigurationError, UnauthenticatedError
from a2a_kafka.server.router import ContextBuilder, default_context
from a2a_kafka.wire import RequestMeta

BEARER = "bearer"
"""Scheme name of HTTP bearer JWTs in the card (and for `StaticCredentials`)."""
API_KEY = "apiKey"
"""Scheme name of API keys in the card (and for `StaticCredentials`)."""


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    """The credentials an agent accepts (at least one scheme)."""

    jwt: JwtSettings | None = None
    """Bearer JWTs in ``Authorization``."""
    api_keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    """API key → user name."""
    api_key_header: str = "X-API-Key"
    """The header (service parameter) that carries an API key."""

    def __post_init__(self) -> None:
        if self.jwt is None and not self.api_keys:
            raise ConfigurationError("an AuthPolicy needs JWT settings or API keys")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AuthPolicy | None:
        """The policy the ``A2A_KAFKA_AUTH_*`` variables describe; None when none is set."""
        e = os.environ if env is None else env
        jwt = _jwt_from_env(e)
        keys_file = e.get("A2A_KAFKA_AUTH_API_KEYS_FILE")
        keys = load_api_keys(keys_file) if keys_file else {}
        if jwt is None and not keys:
            return None
        return cls(jwt, keys, e.get("A2A_KAFKA_AUTH_API_KEY_HEADER") or "X-API-Key")

    @property
    def secret_headers(self) -> frozenset[str]:
        """Lower-cased names of the headers that carry credentials."""
        return frozenset({AUTHORIZATION, self.api_key_header.lower()})

    def verifiers(self) -> list[Verifier]:
        """One verifier per scheme, bearer first."""
        found: list[Verifier] = []
        if self.jwt is not None:
            found.append(JwtVerifier(self.jwt))
        if self.api_keys:
            found.append(ApiKeyVerifier(self.api_keys, self.api_key_header))
        return found

    def security_schemes(self) -> dict[str, SecurityScheme]:
        """The card's ``securitySchemes``."""
        schemes: dict[str, SecurityScheme] = {}
        if self.jwt is not None:
            http = HTTPAuthSecurityScheme(scheme="Bearer", bearer_format="JWT")
            schemes[BEARER] = SecurityScheme(http_auth_security_scheme=http)
        if self.api_keys:
            key = APIKeySecurityScheme(location="header", name=self.api_key_header)
            schemes[API_KEY] = SecurityScheme(api_key_security_scheme=key)
        return schemes

    def secure_card(self, card: AgentCard) -> AgentCard:
        """A copy of ``card`` declaring these schemes, any one of which suffices."""
        result = AgentCard()
        result.CopyFrom(card)
        declared = [list(r.schemes) for r in result.security_requirements]
        for name, scheme in self.security_schemes().items():
            result.security_schemes[name].CopyFrom(scheme)
            if [name] not in declared:  # idempotent: a secured card stays as it is
                requirement = SecurityRequirement()
                requirement.schemes[name].SetInParent()
                result.security_requirements.append(requirement)
        return result

    def context_builder(self) -> ContextBuilder:
        """The `KafkaConsumerHandler` ``context_builder`` that enforces this policy."""
        verifiers = self.verifiers()
        schemes = ",".join(v.scheme for v in verifiers)
        secrets = self.secret_headers

        def build(meta: RequestMeta) -> ServerCallContext:
            context = default_context(meta)
            headers: dict[str, str] = context.state["headers"]
            context.user = _authenticate(verifiers, headers, schemes)
            for name in secrets:
                headers.pop(name, None)
            return context

        return build


def _authenticate(
    verifiers: list[Verifier], headers: Mapping[str, str], schemes: str
) -> AuthenticatedUser:
    for verifier in verifiers:
        try:
            user = verifier.verify(headers)
        except UnauthenticatedError as exc:
            raise UnauthenticatedError(exc.message, {"schemes": schemes}) from None
        if user is not None:
            return user
    raise UnauthenticatedError(
        f"no credentials: this agent requires one of the schemes {schemes}", {"schemes": schemes}
    )


def _jwt_from_env(e: Mapping[str, str]) -> JwtSettings | None:
    key_file, jwks = e.get("A2A_KAFKA_AUTH_JWT_KEY_FILE"), e.get("A2A_KAFKA_AUTH_JWKS_FILE")
    if not key_file and not jwks:
        return None
    key = None
    if key_file:
        try:
            key = Path(key_file).read_text().strip()
        except OSError as exc:
            raise ConfigurationError(f"A2A_KAFKA_AUTH_JWT_KEY_FILE: {exc}") from None
    algorithms = e.get("A2A_KAFKA_AUTH_JWT_ALGORITHMS") or "RS256,ES256,EdDSA"
    try:
        leeway = float(e.get("A2A_KAFKA_AUTH_JWT_LEEWAY") or 30.0)
    except ValueError:
        raise ConfigurationError("A2A_KAFKA_AUTH_JWT_LEEWAY is not a number of seconds") from None
    return JwtSettings(
        key=key,
        jwks_file=jwks or None,
        issuer=e.get("A2A_KAFKA_AUTH_JWT_ISSUER") or None,
        audience=e.get("A2A_KAFKA_AUTH_JWT_AUDIENCE") or None,
        leeway=leeway,
        algorithms=tuple(a.strip() for a in algorithms.split(",") if a.strip()),
    )
