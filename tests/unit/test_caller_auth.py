"""Verifying credentials (`a2a_kafka.auth`), refusing untrusted cards, keeping secrets out."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import jwt
import pytest
from a2a.types.a2a_pb2 import AgentCard
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from a2a_kafka import KafkaConfig, KafkaConsumerHandler, kafka_interface
from a2a_kafka.auth import AuthPolicy, JwtSettings, StaticCredentials, UnauthenticatedError
from a2a_kafka.auth.cards import card_signer, card_verifier, signer_from_env, verifier_from_env
from a2a_kafka.auth.verify import ApiKeyVerifier, JwtVerifier
from a2a_kafka.client.transport import _error
from a2a_kafka.client.trust import check_cluster
from a2a_kafka.errors import ConfigurationError, UntrustedCardError
from a2a_kafka.server import router
from a2a_kafka.server.dead_letters import dead_letter_headers
from a2a_kafka.wire import RequestMeta

KEY = ec.generate_private_key(ec.SECP256R1())
PUBLIC = (
    KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)
SETTINGS = JwtSettings(key=PUBLIC, issuer="iss", audience="data", algorithms=("ES256",))


def token(key: Any = KEY, algorithm: str = "ES256", headers: Any = None, **claims: Any) -> str:
    now = time.time()
    base = {"sub": "alice", "aud": "data", "iss": "iss", "exp": now + 60}
    payload = {k: v for k, v in {**base, **claims}.items() if v is not None}
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


def bearer(value: str) -> dict[str, str]:
    return {"authorization": f"Bearer {value}"}


def test_a_valid_token_names_its_user() -> None:
    user = JwtVerifier(SETTINGS).verify(bearer(token()))
    assert user is not None
    assert (user.user_name, user.is_authenticated, user.scheme) == ("alice", True, "bearer")
    assert user.claims["iss"] == "iss"


def test_no_authorization_header_is_not_this_schemes_business() -> None:
    assert JwtVerifier(SETTINGS).verify({}) is None


BAD_TOKENS: dict[str, Callable[[], dict[str, str]]] = {  # made when the test runs
    "not 'Bearer <token>'": lambda: {"authorization": "Basic dXNlcjpwdw=="},
    "not a well-formed JWT": lambda: bearer("not.a.jwt"),
    "issuer is not trusted": lambda: bearer(token(iss="elsewhere")),
    "not for this agent": lambda: bearer(token(aud="cs")),
    "expired": lambda: bearer(token(exp=time.time() - 120)),
    "not valid yet": lambda: bearer(token(nbf=time.time() + 120)),
    "no 'sub' claim": lambda: bearer(token(sub=None)),
    "signature does not verify": lambda: bearer(token(key=ec.generate_private_key(ec.SECP256R1()))),
    "algorithm is not accepted": lambda: bearer(token(key=b"s" * 32, algorithm="HS256")),
    "algorithm": lambda: bearer(
        jwt.encode({"sub": "a", "aud": "data"}, cast(Any, None), algorithm="none")
    ),
}


@pytest.mark.parametrize("problem", list(BAD_TOKENS))
def test_bad_tokens_are_refused_saying_why(problem: str) -> None:
    headers = BAD_TOKENS[problem]()
    with pytest.raises(UnauthenticatedError, match=problem) as refused:
        JwtVerifier(SETTINGS).verify(headers)
    assert headers["authorization"].split()[-1] not in str(refused.value)


def test_clock_skew_within_the_leeway_is_allowed() -> None:
    verifier = JwtVerifier(SETTINGS)
    assert verifier.verify(bearer(token(exp=time.time() - 10))) is not None  # leeway 30 s
    strict = JwtVerifier(JwtSettings(key=PUBLIC, audience="data", issuer="iss", leeway=0))
    with pytest.raises(UnauthenticatedError, match="expired"):
        strict.verify(bearer(token(exp=time.time() - 10)))


def test_a_jwks_file_picks_the_key_by_kid(tmp_path: Path) -> None:
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(KEY.public_key()))
    (tmp_path / "keys.json").write_text(json.dumps({"keys": [{**jwk, "kid": "k1"}]}))
    settings = JwtSettings(jwks_file=str(tmp_path / "keys.json"), audience="data", issuer="iss")
    verifier = JwtVerifier(settings)
    user = verifier.verify(bearer(token(headers={"kid": "k1"})))
    assert user is not None
    assert user.user_name == "alice"
    with pytest.raises(UnauthenticatedError, match="key is not trusted"):
        verifier.verify(bearer(token(headers={"kid": "k2"})))


def test_an_hmac_secret_can_be_the_key() -> None:
    secret = "s" * 32
    verifier = JwtVerifier(JwtSettings(key=secret, audience="data", algorithms=("HS256",)))
    user = verifier.verify(bearer(token(key=secret, algorithm="HS256", iss=None)))
    assert user is not None


@pytest.mark.parametrize(
    "options",
    [{}, {"key": "k", "jwks_file": "f"}, {"key": "k", "algorithms": ("none",)}],
)
def test_jwt_settings_must_be_usable(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        JwtSettings(**options)


def test_api_keys_name_their_users() -> None:
    verifier = ApiKeyVerifier({"key-1": "robot"}, header="X-Key")
    user = verifier.verify({"x-key": "key-1"})
    assert user is not None
    assert user.user_name == "robot"
    assert verifier.verify({}) is None
    with pytest.raises(UnauthenticatedError, match="not valid") as refused:
        verifier.verify({"x-key": "key-2"})
    assert "key-2" not in str(refused.value)


POLICY = AuthPolicy(SETTINGS, {"key-1": "robot"})


def meta(**headers: str) -> RequestMeta:
    return RequestMeta("c-1", None, None, {"A2A-Version": "1.0", **headers})


def test_the_context_builder_sets_the_user_and_forgets_the_credential() -> None:
    context = POLICY.context_builder()(meta(Authorization=f"Bearer {token()}"))
    assert context.user.user_name == "alice"
    assert context.state["headers"] == {"a2a-version": "1.0"}
    robot = POLICY.context_builder()(meta(**{"X-API-Key": "key-1"}))
    assert robot.user.user_name == "robot"


def test_a_request_without_credentials_is_rejected_with_the_binding_error() -> None:
    value = json.dumps({"jsonrpc": "2.0", "id": "r", "method": "GetTask", "params": {"id": "t"}})
    with pytest.raises(router.RejectedError) as rejected:
        router.parse(value.encode(), meta(), POLICY.context_builder())
    assert rejected.value.unauthenticated
    error = rejected.value.response["error"]
    assert error["code"] == -31401
    assert error["message"].startswith("no credentials: this agent requires one of the schemes")
    assert error["data"][0]["reason"] == "UNAUTHENTICATED"
    assert error["data"][0]["metadata"] == {"schemes": "bearer,apiKey"}
    raised = _error(error)  # the client side: the same class, the same challenge
    assert isinstance(raised, UnauthenticatedError)
    assert raised.data == {"schemes": "bearer,apiKey"}


def test_securing_a_card_is_idempotent() -> None:
    card = POLICY.secure_card(POLICY.secure_card(AgentCard(name="data")))
    assert sorted(card.security_schemes) == ["apiKey", "bearer"]
    assert [list(r.schemes) for r in card.security_requirements] == [["bearer"], ["apiKey"]]


def test_the_policy_comes_from_the_environment(tmp_path: Path) -> None:
    assert AuthPolicy.from_env({}) is None
    (tmp_path / "pub.pem").write_text(PUBLIC)
    (tmp_path / "keys.json").write_text(json.dumps({"robot": "key-1"}))
    policy = AuthPolicy.from_env(
        {
            "A2A_KAFKA_AUTH_JWT_KEY_FILE": str(tmp_path / "pub.pem"),
            "A2A_KAFKA_AUTH_JWT_AUDIENCE": "data",
            "A2A_KAFKA_AUTH_JWT_ISSUER": "iss",
            "A2A_KAFKA_AUTH_JWT_ALGORITHMS": "ES256",
            "A2A_KAFKA_AUTH_JWT_LEEWAY": "5",
            "A2A_KAFKA_AUTH_API_KEYS_FILE": str(tmp_path / "keys.json"),
        }
    )
    assert policy is not None
    assert policy.jwt == JwtSettings(
        key=PUBLIC.strip(), issuer="iss", audience="data", algorithms=("ES256",), leeway=5.0
    )
    assert policy.api_keys == {"key-1": "robot"}
    assert "key-1" not in repr(policy)
    (tmp_path / "bad.json").write_text("[1]")
    with pytest.raises(ConfigurationError, match="API keys file"):
        AuthPolicy.from_env({"A2A_KAFKA_AUTH_API_KEYS_FILE": str(tmp_path / "bad.json")})


def test_caller_credentials_come_from_the_environment_and_are_never_printed() -> None:
    assert StaticCredentials.from_env({}) is None
    found = StaticCredentials.from_env({"A2A_KAFKA_BEARER_TOKEN": "t0k", "A2A_KAFKA_API_KEY": "k"})
    assert repr(found) == "StaticCredentials(schemes=['apiKey', 'bearer'])"


@pytest.mark.parametrize(
    ("bootstrap", "trusted"),
    [
        ("b1:9092", True),
        ("B2:9092,b1:9092", True),  # order and case do not matter
        ("b3:9092", True),  # configured as trusted
        ("b1:9092,evil:9092", False),  # one untrusted broker is enough to refuse
        ("evil:9092", False),
        (" , ", False),
    ],
)
def test_only_configured_clusters_are_trusted(bootstrap: str, trusted: bool) -> None:
    config = KafkaConfig(bootstrap_servers="b1:9092,b2:9092", trusted_servers=("b3:9092",))
    if trusted:
        check_cluster(config, bootstrap, "data")
    else:
        with pytest.raises(UntrustedCardError, match="not configured for"):
            check_cluster(config, bootstrap, "data")


def test_trusted_servers_from_the_environment() -> None:
    env = {"A2A_KAFKA_TRUSTED_SERVERS": "b3:9092, b4:9092"}
    assert KafkaConfig.from_env(env).trusted_servers == ("b3:9092", "b4:9092")


class Record:
    topic, partition, offset = "agent.x.requests", 0, 1
    headers = (("authorization", b"Bearer t0k3n"), ("X-Api-Key", b"k"), ("A2A-Version", b"1.0"))


def test_dead_letters_keep_no_credentials() -> None:
    headers = dict(dead_letter_headers(Record(), "E", "m", 1))
    assert headers["authorization"] == headers["X-Api-Key"] == b"[redacted]"
    assert headers["A2A-Version"] == b"1.0"
    chosen = frozenset({"a2a-version"})
    custom = dict(dead_letter_headers(Record(), "E", "m", 1, secret_headers=chosen))
    assert custom["A2A-Version"] == b"[redacted]"


def test_cards_signed_with_the_configured_key_verify_and_others_do_not(tmp_path: Path) -> None:
    private = KEY.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "card.pem").write_bytes(private)
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(KEY.public_key()))
    (tmp_path / "cards.json").write_text(json.dumps({"keys": [{**jwk, "kid": "c1"}]}))
    with pytest.raises(ConfigurationError, match="KEY_ID"):
        signer_from_env({"A2A_KAFKA_CARD_SIGNING_KEY_FILE": str(tmp_path / "card.pem")})
    sign = signer_from_env(
        {
            "A2A_KAFKA_CARD_SIGNING_KEY_FILE": str(tmp_path / "card.pem"),
            "A2A_KAFKA_CARD_SIGNING_KEY_ID": "c1",
        }
    )
    verify = verifier_from_env({"A2A_KAFKA_CARD_KEYS_FILE": str(tmp_path / "cards.json")})
    assert sign is not None
    assert verify is not None
    card = AgentCard(name="data", description="d", version="1")
    signed = sign(sign(card))  # re-signing replaces the signature
    assert len(signed.signatures) == 1
    verify(signed)
    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    wrong_key, unknown_kid = card_signer(other.decode(), "c1"), card_signer(other.decode(), "x")
    for forged in (card, wrong_key(card), unknown_kid(card)):
        with pytest.raises(UntrustedCardError, match="not signed by a trusted key"):
            verify(forged)


def test_a_key_bound_to_an_agent_cannot_sign_another_agents_card() -> None:
    private = KEY.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    sign = card_signer(private, "cs-key")
    verify = card_verifier({"cs-key": KEY.public_key()}, owners={"cs-key": "cs"})
    config = KafkaConfig(bootstrap_servers="b1:9092")
    verify(sign(AgentCard(name="CS", supported_interfaces=[kafka_interface(config, "cs")])))
    data = AgentCard(name="Data", supported_interfaces=[kafka_interface(config, "data")])
    with pytest.raises(UntrustedCardError, match="not signed by a trusted key"):
        verify(sign(data))


def test_a_handler_takes_a_policy_or_its_own_context_builder_not_both() -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        KafkaConsumerHandler(
            "data",
            cast(Any, None),
            KafkaConfig(),
            auth=POLICY,
            context_builder=lambda m: router.default_context(m),
        )
