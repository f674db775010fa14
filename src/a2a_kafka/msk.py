"""AWS MSK IAM authentication: SASL/OAUTHBEARER with tokens signed by AWS credentials.

Install the extra (``pip install 'a2a-kafka[msk]'``), then either set
``KAFKA_SECURITY_PROTOCOL=SASL_SSL``, ``KAFKA_SASL_MECHANISM=AWS_MSK_IAM`` and
``AWS_REGION`` for `KafkaConfig.from_env`, or build the settings in code::

    SecurityConfig(
        protocol="SASL_SSL",
        sasl_mechanism="OAUTHBEARER",
        oauth_token_provider=MskIamTokenProvider("eu-west-1"),
    )

Credentials come from the usual AWS chain (environment, profile, instance or
task role), through AWS's own ``aws-msk-iam-sasl-signer-python``.
"""

from __future__ import annotations

import asyncio
import time

from aiokafka.abc import AbstractTokenProvider

from a2a_kafka.errors import BrokerAuthenticationError, ConfigurationError

_REFRESH_MARGIN = 60.0


class MskIamTokenProvider(AbstractTokenProvider):  # type: ignore[misc]
    """Signs MSK IAM auth tokens for ``region``, reusing each until shortly before expiry."""

    def __init__(self, region: str) -> None:
        try:
            from aws_msk_iam_sasl_signer import MSKAuthTokenProvider
        except ImportError:
            raise ConfigurationError(
                "AWS MSK IAM needs the signer: pip install 'a2a-kafka[msk]'"
            ) from None
        if not region:
            raise ConfigurationError("AWS MSK IAM needs a region (AWS_REGION)")
        self._sign = MSKAuthTokenProvider.generate_auth_token
        self.region = region
        self._token = ""
        self._expires = 0.0

    async def token(self) -> str:
        """A valid token, signed anew when the cached one is about to expire."""
        if time.time() > self._expires - _REFRESH_MARGIN:
            try:
                token, expiry_ms = await asyncio.to_thread(self._sign, self.region)
            except Exception as exc:  # botocore raises many kinds (no credentials, no network)
                raise BrokerAuthenticationError(
                    f"AWS MSK IAM: cannot sign a token for region {self.region!r}: {exc} "
                    "(are AWS credentials available to this process?)"
                ) from exc
            self._token, self._expires = token, expiry_ms / 1000
        return self._token
