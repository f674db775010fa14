"""Where the local broker keeps its jars, data, logs and state, and which ports it uses.

The default home is ``.local/kafka/`` of the source checkout the package runs
from (git-ignored), else ``~/.cache/a2a-kafka/kafka``; ``A2A_KAFKA_HOME``
overrides both. Jars are cached per Kafka version in ``<home>/lib-<version>``.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from a2a_kafka.errors import ConfigurationError

KAFKA_VERSION = "4.3.1"
"""The Apache Kafka release the local broker is assembled from."""

DEFAULT_PORT = 9092
"""Default port of the broker's PLAINTEXT listener; the controller uses the next one."""

HOST = "127.0.0.1"
"""The local broker listens on loopback only."""


@dataclass(frozen=True, slots=True)
class BrokerLayout:
    """The files of one local broker. ``lib`` may be shared by several homes."""

    home: Path
    """State directory: data, logs, configuration and the ``broker.json`` pid file."""

    lib: Path
    """Directory of the broker's jars (the classpath)."""

    @classmethod
    def at(cls, home: Path, lib: Path | None = None) -> BrokerLayout:
        """A layout rooted at ``home``, with jars in ``home/lib-<version>`` unless given."""
        home = home.expanduser().resolve()
        return cls(home, lib or home / f"lib-{KAFKA_VERSION}")

    @classmethod
    def default(cls, env: Mapping[str, str] | None = None) -> BrokerLayout:
        """The layout of the project's broker: ``A2A_KAFKA_HOME`` or the default home."""
        e = os.environ if env is None else env
        home = e.get("A2A_KAFKA_HOME")
        return cls.at(Path(home) if home else default_home())

    def session(self, name: str) -> BrokerLayout:
        """A private layout under ``home/sessions/<name>`` sharing this one's jars."""
        return BrokerLayout(self.home / "sessions" / name, self.lib)

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / "server.log"

    @property
    def state_file(self) -> Path:
        return self.home / "broker.json"

    @property
    def properties(self) -> Path:
        return self.home / "server.properties"

    @property
    def log4j_config(self) -> Path:
        return self.home / "log4j2.yaml"

    @property
    def tls_dir(self) -> Path:
        """TLS files of secured listeners: keystore, and ``ca.pem`` for clients."""
        return self.home / "tls"

    @property
    def lock_file(self) -> Path:
        return self.home / ".lock"


def default_home() -> Path:
    """``.local/kafka`` of the source checkout, else ``~/.cache/a2a-kafka/kafka``."""
    checkout = Path(__file__).resolve().parents[3]
    if (checkout / "pyproject.toml").is_file() and (checkout / "src" / "a2a_kafka").is_dir():
        return checkout / ".local" / "kafka"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "a2a-kafka" / "kafka"


def resolve_port(explicit: int | None = None, env: Mapping[str, str] | None = None) -> int:
    """The broker port: ``explicit``, else ``A2A_KAFKA_PORT``, else `DEFAULT_PORT`."""
    e = os.environ if env is None else env
    if explicit is not None:
        return check_port(explicit, "--port")
    raw = e.get("A2A_KAFKA_PORT")
    if not raw:
        return DEFAULT_PORT
    try:
        return check_port(int(raw), "A2A_KAFKA_PORT")
    except ValueError:
        raise ConfigurationError(f"A2A_KAFKA_PORT={raw!r} is not a port number") from None


def resolve_controller_port(port: int, env: Mapping[str, str] | None = None) -> int:
    """The controller port: ``A2A_KAFKA_CONTROLLER_PORT``, else ``port + 1``."""
    e = os.environ if env is None else env
    raw = e.get("A2A_KAFKA_CONTROLLER_PORT")
    if not raw:
        return check_port(port + 1, "controller port")
    try:
        return check_port(int(raw), "A2A_KAFKA_CONTROLLER_PORT")
    except ValueError:
        raise ConfigurationError(
            f"A2A_KAFKA_CONTROLLER_PORT={raw!r} is not a port number"
        ) from None


def check_port(port: int, source: str) -> int:
    """Return ``port`` if it is a usable TCP port number, else raise `ConfigurationError`."""
    if not 1 <= port <= 65534:
        raise ConfigurationError(f"{source}: {port} is not a port number between 1 and 65534")
    return port


def port_in_use(port: int) -> bool:
    """True when something already listens on (or holds) ``HOST:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the JVM does
        try:
            sock.bind((HOST, port))
        except OSError:
            return True
    return False


def free_port() -> int:
    """A port on `HOST` that the system reports as free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports on `HOST` that the system reports as free right now."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind((HOST, 0))
        return [int(sock.getsockname()[1]) for sock in socks]
