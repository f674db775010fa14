"""``a2a-kafka serve`` with A2A_KAFKA_AUTH_* and ``a2a-kafka send`` with a token, as processes.

The agents require bearer JWTs; the Balance agent's own calls to Data and CS carry the
service token the serve process was given. Refusals are one line, with no credential in it.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from test_cli_agents import run, served

from a2a_kafka import KafkaConfig

__all__ = ["served"]  # the `serve all` process of test_cli_agents, with this module's env

SLOW = ("--timeout", "240")  # a busy machine: seconds for each next event (and 300 in all)
KEY = ec.generate_private_key(ec.SECP256R1())
AUDIENCE = "game-balance"


def token(user: str, expires_in: float = 600) -> str:
    now = time.time()
    claims = {"sub": user, "aud": AUDIENCE, "iat": now, "exp": now + expires_in}
    return jwt.encode(claims, KEY, algorithm="ES256")


@pytest.fixture
def env(
    kafka_config: KafkaConfig, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    public = tmp_path / "jwt-public.pem"
    public.write_bytes(
        KEY.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("A2A_KAFKA_")}
    return {
        **base,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_config.bootstrap_servers,
        "A2A_KAFKA_TOPIC_PREFIX": f"auth{uuid.uuid4().hex[:8]}.",
        "GAME_BALANCE_DATA_DIR": str(tmp_path_factory.getbasetemp() / "game-data"),
        "PYTHONUNBUFFERED": "1",
        "A2A_KAFKA_AUTH_JWT_KEY_FILE": str(public),
        "A2A_KAFKA_AUTH_JWT_AUDIENCE": AUDIENCE,
        "A2A_KAFKA_AUTH_JWT_ALGORITHMS": "ES256",
        "A2A_KAFKA_BEARER_TOKEN": token("balance-agent", 3600),  # the agents' own calls
    }


@pytest.mark.timeout(900)
async def test_serve_requires_a_token_and_send_sends_it(
    env: dict[str, str], served: asyncio.subprocess.Process
) -> None:
    anonymous = {k: v for k, v in env.items() if k != "A2A_KAFKA_BEARER_TOKEN"}
    code, out, err = await run(anonymous, "send", "data", "테란 승률?", *SLOW, timeout=300)
    assert code == 1
    assert "error: no credentials" in err
    assert "Traceback" not in out + err

    expired = token("alice", -3600)
    code, out, err = await run(
        {**env, "A2A_KAFKA_BEARER_TOKEN": expired}, "send", "data", "hi", *SLOW, timeout=300
    )
    assert code == 1
    assert "expired" in err
    assert expired.split(".")[2] not in out + err

    good = {**env, "A2A_KAFKA_BEARER_TOKEN": token("alice")}
    code, out, err = await run(good, "send", "data", "테란 승률?", *SLOW, timeout=300)
    assert code == 0, err
    assert "%" in out

    # Balance calls Data and CS with the serve process's own token
    code, out, err = await run(good, "send", "balance", "7.3 패치 밸런스 분석", *SLOW, timeout=300)
    assert code == 0, err
    assert "56.1%" in out


async def test_serve_refuses_auth_over_http_it_would_not_enforce(env: dict[str, str]) -> None:
    code, out, _ = await run(env, "serve", "data", "--transport", "both")
    assert code == 2
    assert "enforced on Kafka only" in out
