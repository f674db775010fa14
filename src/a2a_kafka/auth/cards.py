"""Signed agent cards (A2A's JWS card signatures, a2a-sdk's ``a2a.utils.signing``).

Any principal allowed to write the registry topic can publish a card under any
agent's name (Kafka ACLs cannot tell record keys apart). A card signed by the
agent's key and verified by the caller against keys the caller was configured
with cannot be forged that way:

- server: ``KafkaConsumerHandler(..., card_signer=card_signer(pem, "data-2026"))``
  signs the card as published (after its Kafka interface is added);
- caller: ``KafkaClients(config, signature_verifier=card_verifier(keys))``
  refuses (`UntrustedCardError`) a card with no signature that verifies.

Keys are looked up by the signature's ``kid`` only: a ``jku`` URL in a card is
never fetched (the card would choose its own key). From the environment:
``A2A_KAFKA_CARD_SIGNING_KEY_FILE`` (PEM private key) and
``A2A_KAFKA_CARD_SIGNING_KEY_ID`` for servers, ``A2A_KAFKA_CARD_KEYS_FILE`` (a
JWKS of the public keys) for callers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from a2a.types.a2a_pb2 import AgentCard

from a2a_kafka.errors import ConfigurationError, UntrustedCardError
from a2a_kafka.registry import KAFKA_PROTOCOL_BINDING, parse_kafka_url

CardSigner = Callable[[AgentCard], AgentCard]
CardVerifier = Callable[[AgentCard], None]
"""Raises if the card is not to be trusted (a2a-sdk's ``signature_verifier`` type)."""


def card_signer(private_key_pem: str, key_id: str, algorithm: str = "ES256") -> CardSigner:
    """Signs a copy of a card with ``private_key_pem`` under ``key_id``."""
    from a2a.utils.signing import create_agent_card_signer  # needs PyJWT: the `auth` extra

    header = {"kid": key_id, "alg": algorithm, "typ": "JOSE"}  # no jku: keys are configured
    sign = create_agent_card_signer(private_key_pem, header)  # type: ignore[arg-type]

    def signed(card: AgentCard) -> AgentCard:
        copy = AgentCard()
        copy.CopyFrom(card)
        del copy.signatures[:]
        return sign(copy)

    return signed


def card_verifier(
    keys: Mapping[str, Any],
    algorithms: tuple[str, ...] = ("ES256", "RS256", "EdDSA"),
    *,
    owners: Mapping[str, str] | None = None,
) -> CardVerifier:
    """Accepts a card with at least one signature by one of ``keys`` (kid → public key).

    ``owners`` (kid → agent name) binds keys to agents: a key then verifies only cards
    whose Kafka interface names its own agent, so no agent can sign another's card.
    """
    from a2a.utils.signing import SignatureVerificationError, create_signature_verifier

    def verify(card: AgentCard) -> None:
        agents = {
            parse_kafka_url(i.url)[1]
            for i in card.supported_interfaces
            if i.protocol_binding == KAFKA_PROTOCOL_BINDING
        }

        def key_for(kid: str | None, jku: str | None) -> Any:
            key = keys.get(kid) if kid is not None else None
            if key is None or (owners is not None and {owners.get(kid or "")} != agents):
                import jwt

                raise jwt.InvalidKeyError("not a trusted key for this card")
            return key

        try:
            create_signature_verifier(key_for, list(algorithms))(card)
        except SignatureVerificationError as exc:
            raise UntrustedCardError(
                f"the card of agent {card.name!r} is not signed by a trusted key ({exc})"
            ) from None

    return verify


def signer_from_env(env: Mapping[str, str] | None = None) -> CardSigner | None:
    """`card_signer` of ``A2A_KAFKA_CARD_SIGNING_KEY_FILE`` / ``..._KEY_ID``; None if unset."""
    e = os.environ if env is None else env
    path = e.get("A2A_KAFKA_CARD_SIGNING_KEY_FILE")
    if not path:
        return None
    key_id = e.get("A2A_KAFKA_CARD_SIGNING_KEY_ID")
    if not key_id:
        raise ConfigurationError(
            "A2A_KAFKA_CARD_SIGNING_KEY_FILE needs A2A_KAFKA_CARD_SIGNING_KEY_ID"
        )
    return card_signer(_read(path, "A2A_KAFKA_CARD_SIGNING_KEY_FILE"), key_id)


def verifier_from_env(env: Mapping[str, str] | None = None) -> CardVerifier | None:
    """`card_verifier` of the JWKS in ``A2A_KAFKA_CARD_KEYS_FILE``; None if unset."""
    e = os.environ if env is None else env
    path = e.get("A2A_KAFKA_CARD_KEYS_FILE")
    if not path:
        return None
    import jwt

    try:
        found = jwt.PyJWKSet.from_json(_read(path, "A2A_KAFKA_CARD_KEYS_FILE")).keys
    except (ValueError, jwt.PyJWTError) as exc:
        raise ConfigurationError(f"A2A_KAFKA_CARD_KEYS_FILE {path}: {exc}") from None
    return card_verifier({k.key_id: k for k in found if k.key_id})


def _read(path: str, variable: str) -> str:
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise ConfigurationError(f"{variable}: {exc}") from None


def caller_options(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """`KafkaClients` keyword arguments of a CLI caller: its credentials, its card keys."""
    from a2a_kafka.auth.credentials import StaticCredentials

    return {
        "credentials": StaticCredentials.from_env(env),
        "signature_verifier": verifier_from_env(env),
    }
