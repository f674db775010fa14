"""Checking a request's credentials: `JwtVerifier` (bearer JWTs) and `ApiKeyVerifier`.

A verifier looks at the request's service parameters (header names
lower-cased) and returns:

- ``None`` when the credential it checks is absent (another scheme may apply);
- an `AuthenticatedUser` when it is present and valid;
- raises `UnauthenticatedError` when it is present and invalid.

Messages say what is wrong ("the token has expired") and never contain the
credential; PyJWT's own messages are not passed on.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from a2a.auth.user import User

from a2a_kafka.errors import ConfigurationError, UnauthenticatedError

AUTHORIZATION = "authorization"


class AuthenticatedUser(User):
    """A caller whose credentials verified; ``user_name`` scopes its tasks and dedupe."""

    def __init__(self, name: str, scheme: str, claims: Mapping[str, Any] | None = None) -> None:
        self._name = name
        self.scheme = scheme
        """The security scheme that authenticated it (``bearer``, ``apiKey``)."""
        self.claims: Mapping[str, Any] = dict(claims or {})
        """The JWT's claims (empty for API keys)."""

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def user_name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"AuthenticatedUser({self._name!r}, scheme={self.scheme!r})"


class Verifier(Protocol):
    """One security scheme's check (see the module docstring)."""

    scheme: str

    def verify(self, headers: Mapping[str, str]) -> AuthenticatedUser | None: ...


@dataclass(frozen=True, slots=True)
class JwtSettings:
    """How bearer JWTs are verified."""

    key: str | None = field(default=None, repr=False)
    """A PEM public key (RS*/ES*/EdDSA) or an HMAC secret (HS*); or use ``jwks_file``."""
    jwks_file: str | None = None
    """A JSON Web Key Set file; the token's ``kid`` picks the key."""
    issuer: str | None = None
    """Required ``iss``; None accepts any issuer."""
    audience: str | None = None
    """Required ``aud`` (e.g. the agent's name); None accepts tokens without one only."""
    algorithms: tuple[str, ...] = ("RS256", "ES256", "EdDSA")
    """Accepted signature algorithms (never ``none``)."""
    leeway: float = 30.0
    """Clock skew, in seconds, allowed on ``exp`` / ``nbf`` / ``iat``."""
    user_claim: str = "sub"
    """The claim that names the user."""

    def __post_init__(self) -> None:
        if (self.key is None) == (self.jwks_file is None):
            raise ConfigurationError("JWT verification needs exactly one of a key or a JWKS file")
        if not self.algorithms or "none" in (a.lower() for a in self.algorithms):
            raise ConfigurationError("JWT algorithms must be a non-empty list without 'none'")


class JwtVerifier:
    """``Authorization: Bearer <JWT>``, checked against `JwtSettings`."""

    scheme = "bearer"

    def __init__(self, settings: JwtSettings) -> None:
        import jwt  # the `auth` extra

        self._jwt = jwt
        self.settings = settings
        self._keys: dict[str | None, Any] = {}
        if settings.jwks_file is not None:
            self._keys = _load_jwks(jwt, settings.jwks_file)
        else:
            self._keys = {None: settings.key}

    def verify(self, headers: Mapping[str, str]) -> AuthenticatedUser | None:
        raw = headers.get(AUTHORIZATION)
        if raw is None:
            return None
        kind, _, token = raw.strip().partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            raise UnauthenticatedError("Authorization is not 'Bearer <token>'")
        claims = self._decode(token.strip())
        name = claims.get(self.settings.user_claim)
        if not isinstance(name, str) or not name:
            raise UnauthenticatedError(f"the token has no '{self.settings.user_claim}' claim")
        return AuthenticatedUser(name, self.scheme, claims)

    def _decode(self, token: str) -> dict[str, Any]:
        jwt, s = self._jwt, self.settings
        required = ["exp", s.user_claim] + (["aud"] if s.audience else [])
        try:
            key = self._key(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=list(s.algorithms),
                audience=s.audience,
                issuer=s.issuer,
                leeway=s.leeway,
                options={"require": required},
            )
        except jwt.PyJWTError as exc:
            raise UnauthenticatedError(_jwt_problem(jwt, exc)) from None
        return claims

    def _key(self, token: str) -> Any:
        if None in self._keys:
            return self._keys[None]
        kid = self._jwt.get_unverified_header(token).get("kid")
        if kid not in self._keys:
            raise self._jwt.InvalidKeyError("unknown kid")
        return self._keys[kid]


def _load_jwks(jwt: Any, path: str) -> dict[str | None, Any]:
    try:
        keys = jwt.PyJWKSet.from_json(Path(path).read_text()).keys
    except (OSError, ValueError, jwt.PyJWTError) as exc:
        raise ConfigurationError(f"JWKS file {path} cannot be read: {exc}") from None
    return {k.key_id: k for k in keys}


def _jwt_problem(jwt: Any, exc: Exception) -> str:
    """What is wrong with a token, in words that contain no part of it."""
    problems: Sequence[tuple[type[Exception], str]] = (
        (jwt.ExpiredSignatureError, "the token has expired"),
        (jwt.InvalidAudienceError, "the token is not for this agent (audience)"),
        (jwt.InvalidIssuerError, "the token's issuer is not trusted"),
        (jwt.ImmatureSignatureError, "the token is not valid yet"),
        (jwt.InvalidSignatureError, "the token's signature does not verify"),
        (jwt.InvalidAlgorithmError, "the token's algorithm is not accepted"),
        (jwt.InvalidKeyError, "the token's key is not trusted"),
        (jwt.DecodeError, "the token is not a well-formed JWT"),
    )
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"the token has no '{exc.claim}' claim"
    return next((text for kind, text in problems if isinstance(exc, kind)), "the token is invalid")


class ApiKeyVerifier:
    """An API key in the header ``header``, one of a configured set (key → user name)."""

    scheme = "apiKey"

    def __init__(self, keys: Mapping[str, str], header: str = "X-API-Key") -> None:
        if not keys:
            raise ConfigurationError("API-key verification needs at least one key")
        self.header = header
        self._keys = [(k.encode(), user) for k, user in keys.items()]

    def verify(self, headers: Mapping[str, str]) -> AuthenticatedUser | None:
        raw = headers.get(self.header.lower())
        if raw is None:
            return None
        given = raw.strip().encode()
        # compare with every key, in constant time: no early exit leaks which matched
        found = [user for key, user in self._keys if hmac.compare_digest(key, given)]
        if not found:
            raise UnauthenticatedError(f"the API key in {self.header} is not valid")
        return AuthenticatedUser(found[0], self.scheme)


def load_api_keys(path: str) -> dict[str, str]:
    """API keys from a JSON file ``{"<user>": "<key>", ...}``, as key → user."""
    try:
        users = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"API keys file {path} cannot be read: {exc}") from None
    if not isinstance(users, dict) or not all(
        isinstance(u, str) and isinstance(k, str) and k for u, k in users.items()
    ):
        raise ConfigurationError(f'API keys file {path} is not {{"<user>": "<key>", ...}}')
    return {key: user for user, key in users.items()}
