"""TLS files for the local broker's secured listeners, made with the JDK's ``keytool``.

A throwaway certificate authority signs one broker certificate valid for
``localhost`` and ``127.0.0.1`` (subject alternative names), so clients verify
the broker with the exported CA file and hostname checking on, as against a
real cluster. For tests only: the keys are new on every start and the
certificates expire after `VALIDITY_DAYS`.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from a2a_kafka.broker import process
from a2a_kafka.broker.errors import broker_error, tail

VALIDITY_DAYS = 7
_SAN = "SAN=dns:localhost,ip:127.0.0.1"
_KEY = ("-keyalg", "EC", "-groupname", "secp256r1", "-validity", str(VALIDITY_DAYS))
_FAST_JVM = "-J-XX:TieredStopAtLevel=1"
_CA_NAME = "CN=a2a-kafka local test CA"
_CA_EXTENSIONS = ("-ext", "bc:c=ca:true", "-ext", "ku:c=keyCertSign,cRLSign")
_BROKER_EXTENSIONS = (
    "-ext",
    _SAN,
    "-ext",
    "ku:c=digitalSignature,keyAgreement",
    "-ext",
    "eku=serverAuth",
)


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """The broker's keystore and the CA certificate clients trust."""

    keystore: Path
    """PKCS12 keystore: the broker's private key and its certificate chain."""

    password: str
    """Password of ``keystore`` and of the key in it."""

    ca_file: Path
    """PEM certificate of the CA: a client's ``ssl_cafile`` (``KAFKA_SSL_CAFILE``)."""

    def broker_settings(self) -> dict[str, str]:
        """The ``server.properties`` lines of the broker's TLS identity."""
        return {
            "ssl.keystore.type": "PKCS12",
            "ssl.keystore.location": str(self.keystore),
            "ssl.keystore.password": self.password,
            "ssl.key.password": self.password,
        }


def find_keytool(java: str) -> str:
    """``keytool`` of the JDK that ``java`` belongs to, else the one on ``PATH``."""
    sibling = Path(java).resolve().parent / "keytool"
    if sibling.is_file():
        return str(sibling)
    found = shutil.which("keytool")
    if found is None:
        raise broker_error(
            "the JDK's `keytool` is needed to make the local broker's TLS certificates "
            "and is not on PATH",
            "install a full JDK (e.g. `apt-get install openjdk-17-jdk-headless`)",
        )
    return found


async def make_tls_files(directory: Path, java: str) -> TlsFiles:
    """Replace ``directory`` with a new CA, broker keystore and CA file; return them."""
    keytool = _Keytool(find_keytool(java), secrets.token_urlsafe(18))
    _empty_directory(directory)
    files = TlsFiles(directory / "broker.p12", keytool.password, directory / "ca.pem")
    ca, csr, signed = directory / "ca.p12", directory / "broker.csr", directory / "broker.pem"
    await asyncio.gather(
        keytool(ca, "-genkeypair", "-alias", "ca", "-dname", _CA_NAME, *_KEY, *_CA_EXTENSIONS),
        keytool(files.keystore, "-genkeypair", "-alias", "broker", "-dname", "CN=localhost", *_KEY),
    )
    await keytool(files.keystore, "-certreq", "-alias", "broker", "-file", str(csr))
    await asyncio.gather(
        keytool(ca, "-gencert", "-alias", "ca", "-infile", str(csr), "-outfile", str(signed),
                "-rfc", "-validity", str(VALIDITY_DAYS), *_BROKER_EXTENSIONS),
        keytool(ca, "-exportcert", "-rfc", "-alias", "ca", "-file", str(files.ca_file)),
    )  # fmt: skip
    chain = _concatenate(directory / "chain.pem", files.ca_file, signed)
    await keytool(
        files.keystore, "-importcert", "-noprompt", "-alias", "broker", "-file", str(chain)
    )
    return files


def _empty_directory(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, mode=0o700)


def _concatenate(target: Path, *parts: Path) -> Path:
    target.write_bytes(b"".join(part.read_bytes() for part in parts))
    return target


class _Keytool:
    """Runs ``keytool`` on one PKCS12 keystore; every store shares one password."""

    def __init__(self, keytool: str, password: str) -> None:
        self._keytool = keytool
        self.password = password

    async def __call__(self, keystore: Path, *args: str) -> None:
        store = ("-keystore", str(keystore), "-storetype", "PKCS12", "-storepass", self.password)
        code, output = await process.run(self._keytool, _FAST_JVM, *args, *store)
        if code != 0:
            raise broker_error(
                f"`keytool {args[0]}` failed while making the local broker's TLS certificates",
                "see its output (below) and check the JDK",
                details=f"keytool output:\n{tail(output)}",
            )
