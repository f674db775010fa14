"""The local broker: idempotent start, clean stop, clear port errors, kafka_cluster().

Each test runs its brokers in a temporary A2A_KAFKA_HOME on free ports (the
jars are shared with the project's cache), so the session's broker is untouched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from a2a_kafka.broker import BrokerLayout, BrokerStatus, LocalBroker
from a2a_kafka.broker.jars import ensure_jars
from a2a_kafka.broker.layout import free_port
from a2a_kafka.errors import LocalBrokerError
from a2a_kafka.pytest_plugin import unavailable
from a2a_kafka.testing import kafka_cluster, kafka_cluster_info

pytestmark = pytest.mark.kafka


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def cached_jars() -> Path:
    """The project's jar cache, filled if needed."""
    failure = None
    try:
        jars = await ensure_jars(BrokerLayout.default().lib)
    except LocalBrokerError as exc:
        failure = f"cannot assemble the local broker: {exc}"
    if failure is not None:  # outside `except`: one message, no exception chain
        unavailable(failure)
    return jars


def _home(base: Path, jars: Path) -> Path:
    """A broker home under ``base`` whose jar directory is the shared cache."""
    home = BrokerLayout.at(base)
    home.home.mkdir(parents=True, exist_ok=True)
    home.lib.symlink_to(jars, target_is_directory=True)
    return home.home


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def running(
    tmp_path_factory: pytest.TempPathFactory, cached_jars: Path
) -> AsyncIterator[tuple[LocalBroker, BrokerStatus]]:
    """A broker of this module, in its own home, started once."""
    home = _home(tmp_path_factory.mktemp("broker") / "home", cached_jars)
    broker = LocalBroker(BrokerLayout.at(home), free_port(), free_port())
    status = await broker.start()
    yield broker, status
    await broker.stop()
    assert _java_processes(home) == []


def _java_processes(home: Path) -> list[int]:
    """Pids of ``kafka.Kafka`` processes whose command line mentions ``home``."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"kafka.Kafka" in args and any(os.fsencode(home) in a for a in args):
            pids.append(int(proc.name))
    return pids


def _cli(
    home: Path, *argv: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``a2a-kafka argv`` with its own home and controller port; no A2A_KAFKA_PORT."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "A2A_KAFKA_PORT"},
        "A2A_KAFKA_HOME": str(home),
        "A2A_KAFKA_CONTROLLER_PORT": str(free_port()),
        **(env or {}),
    }
    command = [sys.executable, "-m", "a2a_kafka.cli.main", *argv]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


async def test_start_reports_a_real_kafka_4_broker(
    running: tuple[LocalBroker, BrokerStatus],
) -> None:
    _, status = running
    assert status.started
    assert status.answering
    assert status.version.startswith("4.")
    assert f"Kafka version: {status.version}" in status.log_file.read_text()


async def test_second_start_is_a_no_op(running: tuple[LocalBroker, BrokerStatus]) -> None:
    broker, first = running
    again = await broker.start()
    assert not again.started
    assert (again.pid, again.bootstrap_servers) == (first.pid, first.bootstrap_servers)


async def test_port_in_use_by_a_broker_names_the_port(
    running: tuple[LocalBroker, BrokerStatus], tmp_path: Path, cached_jars: Path
) -> None:
    _, status = running
    port = status.bootstrap_servers.rsplit(":", 1)[1]
    result = _cli(_home(tmp_path / "other", cached_jars), "broker", "start", "--port", port)
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: port {port} on 127.0.0.1")
    assert "--port N" in result.stderr
    assert "A2A_KAFKA_PORT" in result.stderr
    assert "Traceback" not in result.stderr


async def test_kafka_cluster_uses_a_running_local_broker_and_leaves_it_running(
    running: tuple[LocalBroker, BrokerStatus],
) -> None:
    broker, status = running
    env = {"A2A_KAFKA_HOME": str(broker.layout.home), "A2A_KAFKA_PORT": str(broker.port)}
    async with kafka_cluster_info(env) as info:
        assert (info.source, info.config.bootstrap_servers) == ("local", status.bootstrap_servers)
    assert (await broker.status()).answering


async def test_kafka_cluster_prefers_kafka_bootstrap_servers(tmp_path: Path) -> None:
    env = {"KAFKA_BOOTSTRAP_SERVERS": "kafka.example:9092", "A2A_KAFKA_HOME": str(tmp_path)}
    async with kafka_cluster(env) as config:
        assert config.bootstrap_servers == "kafka.example:9092"
    assert os.listdir(tmp_path) == []


async def test_cli_start_twice_status_stop_leaves_no_java(
    tmp_path: Path, cached_jars: Path
) -> None:
    home = _home(tmp_path / "home", cached_jars)
    port = str(free_port())
    first = _cli(home, "broker", "start", "--port", port)
    assert first.returncode == 0, first.stderr
    assert f"bootstrap servers: 127.0.0.1:{port}" in first.stdout
    assert "started in" in first.stdout
    try:
        second = _cli(home, "broker", "start", "--port", port)
        assert (second.returncode, second.stderr) == (0, "")
        assert "already running" in second.stdout
        assert "no-op" in second.stdout
        assert _cli(home, "broker", "status").returncode == 0
    finally:
        stopped = _cli(home, "broker", "stop")
    assert stopped.returncode == 0
    assert "stopped the Kafka broker" in stopped.stdout
    assert _java_processes(home) == []
    assert _cli(home, "broker", "status").returncode == 1


async def test_private_broker_is_stopped_after_use_and_orphans_are_swept(
    tmp_path: Path, cached_jars: Path
) -> None:
    home = _home(tmp_path / "home", cached_jars)
    layout = BrokerLayout.at(home)
    orphan = LocalBroker(layout.session("999999999-0"), free_port(), free_port())
    await orphan.start()  # as if left behind by a killed test run (that pid cannot exist)
    env = {"A2A_KAFKA_HOME": str(home)}
    async with kafka_cluster_info(env) as info:
        assert info.source == "started"
        assert not (await orphan.status()).running
        assert len(_java_processes(home)) == 1
    assert _java_processes(home) == []
    assert os.listdir(home / "sessions") == []


def test_maven_central_unreachable_is_one_clear_error(tmp_path: Path) -> None:
    if shutil.which("mvn") is None or shutil.which("java") is None:
        unavailable("needs mvn and java")
    maven_home = tmp_path / "user"  # an empty local repository and a dead mirror
    (maven_home / ".m2").mkdir(parents=True)
    (maven_home / ".m2" / "settings.xml").write_text(_DEAD_MIRROR)
    env = {"MAVEN_OPTS": f"-Duser.home={maven_home}", "A2A_KAFKA_PORT": str(free_port())}
    result = _cli(tmp_path / "home", "broker", "start", env=env)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: cannot download Apache Kafka")
    assert "Maven Central" in lines[0]
    assert "KAFKA_BOOTSTRAP_SERVERS" in lines[0]


_DEAD_MIRROR = """<settings><mirrors><mirror>
  <id>dead</id><mirrorOf>*</mirrorOf><url>https://127.0.0.1:1/maven2</url>
</mirror></mirrors></settings>
"""
