"""A running Kafka cluster for tests and examples: `kafka_cluster()`.

With ``KAFKA_BOOTSTRAP_SERVERS`` set, that cluster is used as it is. Otherwise
the project's local broker (``a2a-kafka broker start``) is used when it is
running, and left running. Failing both, a private broker is started for the
duration of the ``async with`` block, on free ports, in
``<home>/sessions/<pid>-<n>`` (sharing the cached jars), and stopped at the end;
private brokers left behind by killed processes are stopped on the next start.

`secured_kafka_cluster()` always starts such a private broker, with SASL/SCRAM
and TLS listeners besides the PLAINTEXT one, for tests of authentication.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass

from a2a_kafka.acls import Acl, create_acls
from a2a_kafka.broker import BrokerLayout, LocalBroker, resolve_port
from a2a_kafka.broker.layout import free_port, free_ports
from a2a_kafka.broker.security import BrokerSecurity
from a2a_kafka.config import KafkaConfig, SaslMechanism, SecurityConfig

_sequence = itertools.count()


@dataclass(frozen=True, slots=True)
class ClusterInfo:
    """The cluster `kafka_cluster` provides, and where it came from."""

    config: KafkaConfig
    """Client configuration for the cluster."""

    source: str
    """``"env"`` (KAFKA_BOOTSTRAP_SERVERS), ``"local"`` (already running) or ``"started"``."""

    version: str | None
    """Kafka version of a local broker; None for an external cluster."""

    start_seconds: float = 0.0
    """How long starting the private broker took (``"started"`` only)."""

    log_file: str | None = None
    """The local broker's log file."""

    def describe(self) -> str:
        """One line for humans: what, where, which version."""
        where = self.config.bootstrap_servers
        if self.source == "env":
            return f"existing cluster at {where} (KAFKA_BOOTSTRAP_SERVERS)"
        what = f"Apache Kafka {self.version} broker (local KRaft node) at {where}"
        if self.source == "local":
            return f"{what}, already running; log: {self.log_file}"
        return f"{what}, started in {self.start_seconds:.1f} s; log: {self.log_file}"


@contextlib.asynccontextmanager
async def kafka_cluster(env: Mapping[str, str] | None = None) -> AsyncIterator[KafkaConfig]:
    """Yield a `KafkaConfig` for a running cluster (see the module docstring).

    Raises `LocalBrokerError` when no cluster is configured and the local
    broker cannot start.
    """
    async with kafka_cluster_info(env) as info:
        yield info.config


@contextlib.asynccontextmanager
async def kafka_cluster_info(env: Mapping[str, str] | None = None) -> AsyncIterator[ClusterInfo]:
    """Like `kafka_cluster`, yielding a `ClusterInfo` that says where the cluster came from."""
    e = dict(os.environ if env is None else env)
    if e.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield ClusterInfo(KafkaConfig.from_env(e), "env", None)
        return
    layout = BrokerLayout.default(e)
    shared = await LocalBroker(layout, resolve_port(None, e)).status()
    if shared.answering:
        config = KafkaConfig.from_env(e, bootstrap_servers=shared.bootstrap_servers)
        yield ClusterInfo(config, "local", shared.version, log_file=str(shared.log_file))
        return
    await stop_orphaned_sessions(layout)
    private = layout.session(f"{os.getpid()}-{next(_sequence)}")
    port = resolve_port(None, e) if e.get("A2A_KAFKA_PORT") else free_port()
    broker = LocalBroker(private, port, free_port(), detach=False)
    try:
        status = await broker.start()
        config = KafkaConfig.from_env(e, bootstrap_servers=status.bootstrap_servers)
        log = str(status.log_file)
        yield ClusterInfo(config, "started", status.version, status.elapsed, log)
    finally:
        await broker.stop()
        shutil.rmtree(private.home, ignore_errors=True)


@dataclass(frozen=True, slots=True)
class SecuredCluster:
    """A private broker with secured listeners, from `secured_kafka_cluster`."""

    plaintext: KafkaConfig
    """Its PLAINTEXT listener, which needs no credentials (set-up, inspection)."""

    security: BrokerSecurity
    """Its secured listeners' ports and its SCRAM users."""

    ca_file: str
    """PEM file of the CA that signed the broker's certificate (``KAFKA_SSL_CAFILE``)."""

    async def grant(self, acls: Iterable[Acl]) -> None:
        """Create ``acls`` (through the PLAINTEXT listener, whose principal is a super user)."""
        await create_acls(self.plaintext, acls)

    def scram(
        self,
        user: str,
        password: str | None = None,
        *,
        mechanism: SaslMechanism = "SCRAM-SHA-512",
        tls: bool = False,
    ) -> KafkaConfig:
        """Log in as ``user`` (with its own password unless given) on the ``SASL_PLAINTEXT``
        listener, or on ``SASL_SSL`` with ``tls``."""
        port = self.security.sasl_ssl_port if tls else self.security.sasl_plaintext_port
        security = SecurityConfig(
            protocol="SASL_SSL" if tls else "SASL_PLAINTEXT",
            sasl_mechanism=mechanism,
            username=user,
            password=self.security.scram_users.get(user, "") if password is None else password,
            ssl_cafile=self.ca_file if tls else None,
        )
        return self.plaintext.with_(bootstrap_servers=f"127.0.0.1:{port}", security=security)

    def tls(self, *, trust_broker_ca: bool = True) -> KafkaConfig:
        """The ``SSL`` listener, trusting the broker's CA (else only the system's CAs)."""
        cafile = self.ca_file if trust_broker_ca else None
        security = SecurityConfig(protocol="SSL", ssl_cafile=cafile)
        servers = f"127.0.0.1:{self.security.ssl_port}"
        return self.plaintext.with_(bootstrap_servers=servers, security=security)


@contextlib.asynccontextmanager
async def secured_kafka_cluster(
    users: Mapping[str, str], *, authorize: bool = False, env: Mapping[str, str] | None = None
) -> AsyncIterator[SecuredCluster]:
    """Start a private broker with ``SASL_PLAINTEXT``, ``SSL`` and ``SASL_SSL`` listeners.

    ``users`` (name → password) can log in with SCRAM-SHA-256 and SCRAM-SHA-512;
    with ``authorize`` they may do only what ACLs allow (`SecuredCluster.grant`),
    while the PLAINTEXT and SSL listeners' anonymous principal is a super user.
    The broker runs in ``<home>/sessions/<pid>-<n>`` on free ports, with a new
    CA and certificate, and is stopped and removed at the end. Raises
    `LocalBrokerError` when it cannot start (no Java, no jars).
    """
    layout = BrokerLayout.default(dict(os.environ if env is None else env))
    await stop_orphaned_sessions(layout)
    private = layout.session(f"{os.getpid()}-{next(_sequence)}")
    port, controller, sasl, ssl, sasl_ssl = free_ports(5)
    security = BrokerSecurity(sasl, ssl, sasl_ssl, dict(users), authorize=authorize)
    broker = LocalBroker(private, port, controller, detach=False, security=security)
    try:
        status = await broker.start()
        plaintext = KafkaConfig(bootstrap_servers=status.bootstrap_servers)
        yield SecuredCluster(plaintext, security, str(private.tls_dir / "ca.pem"))
    finally:
        await broker.stop()
        shutil.rmtree(private.home, ignore_errors=True)


async def stop_orphaned_sessions(layout: BrokerLayout) -> None:
    """Stop and remove private brokers whose starting process no longer exists."""
    sessions = layout.home / "sessions"
    for home in sorted(sessions.iterdir()) if sessions.is_dir() else []:
        owner = home.name.split("-", 1)[0]
        if owner.isdigit() and not _alive(int(owner)):
            await LocalBroker(layout.session(home.name), 0).stop(grace=10.0)
            shutil.rmtree(home, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
