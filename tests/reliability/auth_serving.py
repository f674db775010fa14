"""The fault agent behind an `AuthPolicy`, for the hostile-records tests of an agent that
requires credentials: `POLICY` accepts ES256 JWTs of `KEY` for audience `AUDIENCE`, and
`API_KEY`; `credentials(token)` is a call context that carries a token.

To run a hostile-records test against this agent too (issue 10's
``test_any_bytes_property.py``), parametrize its agent fixture over ``served`` and
``auth_served`` (``request.getfixturevalue``), send its normal traffic with
``context=credentials(token())``, and assert that the fault agent's ``executions``
grow only by those normal requests: `test_any_bytes_auth.py` does exactly that for
request records with every kind of bad credential."""

from __future__ import annotations

import time
from typing import Any

import jwt
from a2a.client import ClientCallContext
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from a2a_kafka.auth import AuthPolicy, JwtSettings

AUDIENCE = "fault-agent"
KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_KEY = ec.generate_private_key(ec.SECP256R1())
API_KEY = "fault-api-key-0123456789"
POLICY = AuthPolicy(
    JwtSettings(
        key=KEY.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
        audience=AUDIENCE,
        algorithms=("ES256",),
    ),
    api_keys={API_KEY: "robot"},
)


def token(
    user: str = "alice", *, key: Any = KEY, audience: str = AUDIENCE, ttl: float = 600
) -> str:
    now = time.time()
    claims = {"sub": user, "aud": audience, "iat": now, "exp": now + ttl}
    return jwt.encode(claims, key, algorithm="ES256")


def credentials(bearer: str) -> ClientCallContext:
    """A call context that sends ``Authorization: Bearer <bearer>``."""
    return ClientCallContext(service_parameters={"Authorization": f"Bearer {bearer}"})
