"""MSK IAM tokens: signed by AWS's signer, reused until near expiry, failures made clear."""

from __future__ import annotations

import sys
import time
import types
from typing import ClassVar

import pytest

from a2a_kafka.errors import BrokerAuthenticationError, ConfigurationError
from a2a_kafka.msk import MskIamTokenProvider


class FakeSigner:
    calls: ClassVar[list[str]] = []
    fail: ClassVar[Exception | None] = None

    @classmethod
    def generate_auth_token(cls, region: str) -> tuple[str, int]:
        cls.calls.append(region)
        if cls.fail is not None:
            raise cls.fail
        return f"token-{len(cls.calls)}", int((time.time() + 900) * 1000)


@pytest.fixture(autouse=True)
def signer(monkeypatch: pytest.MonkeyPatch) -> type[FakeSigner]:
    module = types.ModuleType("aws_msk_iam_sasl_signer")
    module.MSKAuthTokenProvider = FakeSigner  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "aws_msk_iam_sasl_signer", module)
    FakeSigner.calls, FakeSigner.fail = [], None
    return FakeSigner


async def test_a_token_is_signed_once_and_reused() -> None:
    provider = MskIamTokenProvider("eu-west-1")
    assert await provider.token() == "token-1"
    assert await provider.token() == "token-1"
    assert FakeSigner.calls == ["eu-west-1"]


async def test_a_signing_failure_is_an_authentication_error() -> None:
    FakeSigner.fail = RuntimeError("Unable to locate credentials")
    with pytest.raises(BrokerAuthenticationError, match=r"eu-west-1.*credentials"):
        await MskIamTokenProvider("eu-west-1").token()


def test_a_region_is_required() -> None:
    with pytest.raises(ConfigurationError, match="region"):
        MskIamTokenProvider("")
