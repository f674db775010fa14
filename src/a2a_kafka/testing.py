"""A running Kafka cluster for tests and examples: `kafka_cluster()`.

With ``KAFKA_BOOTSTRAP_SERVERS`` set, that cluster is used as it is. Otherwise
the project's local broker (``a2a-kafka broker start``) is used when it is
running, and left running. Failing both, a private broker is started for the
duration of the ``async with`` block, on free ports, in
``<home>/sessions/<pid>-<n>`` (sharing the cached jars), and stopped at the end;
private brokers left behind by killed processes are stopped on the next start.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

from a2a_kafka.broker import BrokerLayout, LocalBroker, resolve_port
from a2a_kafka.broker.layout import free_port
from a2a_kafka.config import KafkaConfig

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
