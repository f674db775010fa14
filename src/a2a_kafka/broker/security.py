"""Secured listeners of the local broker, for tests of TLS and SASL/SCRAM.

Besides its PLAINTEXT listener (which stays: inter-broker traffic, the
controller and the readiness probe use it), a local broker can listen with
``SASL_PLAINTEXT``, ``SSL`` and ``SASL_SSL``, each on its own port, as an
AWS MSK cluster does (9096 is MSK's SASL_SSL/SCRAM port, 9094 its TLS port):

- SASL listeners accept SCRAM-SHA-256 and SCRAM-SHA-512 (JAAS configured per
  listener); the users are created when the storage is formatted
  (``StorageTool format --add-scram``), before the broker first starts.
- TLS listeners present a certificate for ``localhost`` and ``127.0.0.1``
  signed by a throwaway CA (`a2a_kafka.broker.tls`); clients trust its PEM
  file. Client certificates are not requested.
- With ``authorize``, Kafka's ``StandardAuthorizer`` checks ACLs. The
  PLAINTEXT, controller and SSL listeners authenticate nobody: their principal,
  ``User:ANONYMOUS``, is a super user, so only SCRAM users need ACLs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from a2a_kafka.broker.layout import HOST
from a2a_kafka.broker.tls import TlsFiles
from a2a_kafka.errors import ConfigurationError

SCRAM_MECHANISMS = ("SCRAM-SHA-256", "SCRAM-SHA-512")
"""The SASL mechanisms of the secured listeners; every user exists for both."""

_SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
_AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"


@dataclass(frozen=True, slots=True)
class BrokerSecurity:
    """Which secured listeners a local broker opens, and its SCRAM users."""

    sasl_plaintext_port: int | None = None
    """Port of the ``SASL_PLAINTEXT`` listener (SCRAM, no TLS); None: no such listener."""

    ssl_port: int | None = None
    """Port of the ``SSL`` listener (TLS, no SASL); None: no such listener."""

    sasl_ssl_port: int | None = None
    """Port of the ``SASL_SSL`` listener (SCRAM over TLS, as on MSK); None: none."""

    scram_users: Mapping[str, str] = field(default_factory=dict)
    """SCRAM user name → password, created at format time for both mechanisms."""

    authorize: bool = False
    """Check ACLs (``StandardAuthorizer``); SCRAM users may then do only what ACLs allow."""

    def __post_init__(self) -> None:
        for name, password in self.scram_users.items():
            if not name or not password or any(c in name + password for c in ",=[]"):
                raise ConfigurationError(
                    f"SCRAM user {name!r}: name and password must be non-empty "
                    "and free of ',', '=', '[' and ']'"
                )
        if self.sasl_ports and not self.scram_users:
            raise ConfigurationError("a SASL listener needs at least one SCRAM user")

    @property
    def listeners(self) -> dict[str, int]:
        """Listener name (the same as its security protocol) → port."""
        ports = {
            "SASL_PLAINTEXT": self.sasl_plaintext_port,
            "SSL": self.ssl_port,
            "SASL_SSL": self.sasl_ssl_port,
        }
        return {name: port for name, port in ports.items() if port is not None}

    @property
    def sasl_ports(self) -> list[int]:
        return [port for name, port in self.listeners.items() if name.startswith("SASL")]

    @property
    def needs_tls(self) -> bool:
        """True when a listener speaks TLS, so the broker needs a keystore."""
        return any(name.endswith("SSL") for name in self.listeners)

    def format_arguments(self) -> list[str]:
        """``StorageTool format`` arguments creating the SCRAM users."""
        return [
            argument
            for name, password in sorted(self.scram_users.items())
            for mechanism in SCRAM_MECHANISMS
            for argument in ("--add-scram", f"{mechanism}=[name={name},password={password}]")
        ]

    def broker_settings(self, tls: TlsFiles | None) -> dict[str, str]:
        """``server.properties`` lines of the secured listeners (added to the PLAINTEXT ones)."""
        settings: dict[str, str] = {}
        for name in self.listeners:
            if name.startswith("SASL"):
                prefix = f"listener.name.{name.lower()}"
                settings[f"{prefix}.sasl.enabled.mechanisms"] = ",".join(SCRAM_MECHANISMS)
                for mechanism in SCRAM_MECHANISMS:
                    settings[f"{prefix}.{mechanism.lower()}.sasl.jaas.config"] = _SCRAM_LOGIN
        if self.authorize:
            settings["authorizer.class.name"] = _AUTHORIZER
            settings["super.users"] = "User:ANONYMOUS"
        if self.needs_tls:
            if tls is None:
                raise ConfigurationError("a TLS listener needs the broker's TLS files")
            settings.update(tls.broker_settings())
        return settings

    def listener_entries(self) -> list[str]:
        """``NAME://127.0.0.1:port`` of each secured listener."""
        return [f"{name}://{HOST}:{port}" for name, port in self.listeners.items()]
