"""The ``a2a-kafka`` command line: parsing, exit codes, one-line errors.

No broker is needed: the broker errors tested here happen before any start
(missing Java or Maven, port in use, no cluster).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Protocol

import pytest

from a2a_kafka.broker.layout import free_ports
from a2a_kafka.cli import main as cli
from a2a_kafka.cli.common import Subparsers
from a2a_kafka.errors import ConfigurationError

Result = tuple[int, str, str]


class RunCli(Protocol):
    def __call__(self, *argv: str) -> Result: ...


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """Run ``main(argv)`` in a worker thread (it calls asyncio.run); return code, out, err."""

    def call(*argv: str) -> Result:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            try:
                code = pool.submit(cli.main, list(argv)).result()
            except SystemExit as exc:
                code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return call


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh broker home (no jars cached) and no configured cluster."""
    monkeypatch.setenv("A2A_KAFKA_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.delenv("A2A_KAFKA_PORT", raising=False)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    return tmp_path


def test_help_lists_the_subcommands(run: RunCli) -> None:
    code, out, _ = run("--help")
    assert code == 0
    for command in ("broker", "topics", "demo"):
        assert command in out


def test_no_command_prints_usage_and_exits_2(run: RunCli) -> None:
    code, _, err = run()
    assert code == 2
    assert "usage: a2a-kafka" in err


@pytest.mark.parametrize(
    "argv",
    [("nonsense",), ("broker",), ("broker", "restart"), ("topics", "create"), ("--port", "1")],
)
def test_usage_errors_exit_2(run: RunCli, argv: tuple[str, ...]) -> None:
    code, _, err = run(*argv)
    assert code == 2
    assert "error:" in err


def test_invalid_agent_name_is_a_usage_error(run: RunCli) -> None:
    code, _, err = run("topics", "create", "bad name")
    assert code == 2
    assert "invalid agent name 'bad name'" in err


def test_version(run: RunCli) -> None:
    code, out, _ = run("--version")
    assert code == 0
    assert out.startswith("a2a-kafka ")


def _failing(args: argparse.Namespace) -> int:
    raise ConfigurationError("the thing is wrong")


def _register_failing(subparsers: Subparsers) -> None:
    subparsers.add_parser("fail").set_defaults(handler=_failing)


@pytest.fixture
def failing_command(monkeypatch: pytest.MonkeyPatch) -> None:
    module = type(sys)("a2a_kafka.cli.fail")
    module.register = _register_failing  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "a2a_kafka.cli.fail", module)
    monkeypatch.setattr(cli, "COMMANDS", {**cli.COMMANDS, "fail": "fail"})


@pytest.mark.usefixtures("failing_command")
def test_library_errors_are_one_line_on_stderr_with_exit_1(run: RunCli) -> None:
    code, out, err = run("fail")
    assert (code, out, err) == (1, "", "error: the thing is wrong\n")


@pytest.mark.usefixtures("failing_command")
def test_debug_shows_the_traceback() -> None:
    with pytest.raises(ConfigurationError):
        cli.main(["--debug", "fail"])


def test_a_named_command_registers_only_its_own_module() -> None:
    parser = cli.build_parser(["send", "data", "hi"])
    args = parser.parse_args(["send", "data", "hi"])
    assert (args.agent, args.text) == ("data", "hi")
    with pytest.raises(SystemExit):  # nothing else is registered
        parser.parse_args(["broker", "status"])


def test_a_bare_version_registers_no_command() -> None:
    with pytest.raises(SystemExit):
        cli.build_parser(["--version"]).parse_args(["broker", "status"])


def test_commands_of_installed_packages_come_from_entry_points(run: RunCli) -> None:
    code, out, _ = run("--help")
    assert code == 0
    assert "gui" in out  # the game-balance distribution's entry point (a2a_kafka.commands)


def _one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "KAFKA_BOOTSTRAP_SERVERS" in lines[0]
    return lines[0]


def test_missing_java_is_one_clear_error(
    run: RunCli, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(isolated))  # no java, no mvn
    code, _, err = run("broker", "start", "--port", "1")
    assert code == 1
    assert "`java` is not on PATH" in _one_error_line(err)


@pytest.mark.skipif(not Path("/usr/bin/java").exists(), reason="needs /usr/bin/java")
def test_missing_maven_is_one_clear_error(
    run: RunCli, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = isolated / "bin"
    bin_dir.mkdir()
    (bin_dir / "java").symlink_to("/usr/bin/java")
    monkeypatch.setenv("PATH", str(bin_dir))
    port, controller = free_ports(2)  # both free: port + 1 (the default controller) may not be
    monkeypatch.setenv("A2A_KAFKA_CONTROLLER_PORT", str(controller))
    code, _, err = run("broker", "start", "--port", str(port))
    assert code == 1
    assert "Maven (`mvn`)" in _one_error_line(err)


def test_port_in_use_names_the_port_and_how_to_choose_another(run: RunCli, isolated: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run("broker", "start", "--port", str(port))
    line = _one_error_line(err)
    assert code == 1
    assert f"port {port} on 127.0.0.1" in line
    assert "--port" in line
    assert "A2A_KAFKA_PORT" in line


@pytest.mark.usefixtures("isolated")
def test_status_of_a_broker_never_started_exits_1(run: RunCli) -> None:
    code, out, _ = run("broker", "status")
    assert code == 1
    assert "not running" in out


@pytest.mark.usefixtures("isolated")
def test_stop_without_a_broker_is_a_no_op(run: RunCli) -> None:
    code, out, _ = run("broker", "stop")
    assert code == 0
    assert "nothing to stop" in out


@pytest.mark.usefixtures("isolated")
def test_topics_without_any_cluster_say_how_to_get_one(run: RunCli) -> None:
    code, _, err = run("topics", "create", "data")
    assert code == 1
    assert "a2a-kafka broker start" in err
    assert "KAFKA_BOOTSTRAP_SERVERS" in err


def test_installed_entry_point_prints_no_traceback(isolated: Path) -> None:
    env = {**os.environ, "PATH": str(isolated)}
    result = subprocess.run(
        [sys.executable, "-m", "a2a_kafka.cli.main", "broker", "start"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    _one_error_line(result.stderr)


def test_bench_runs_the_checkouts_bench_not_another_on_the_path(tmp_path: Path) -> None:
    impostor = tmp_path / "bench"
    impostor.mkdir()
    (impostor / "__init__.py").write_text("raise SystemExit('the wrong bench was imported')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "a2a_kafka.cli.main", "bench", "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "wrong bench" not in done.stdout + done.stderr
    assert "usage: a2a-kafka bench" in done.stdout
    assert "--quick" in done.stdout  # the checkout's bench.cli options


def test_bench_refuses_a_bench_imported_from_elsewhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from a2a_kafka.cli.bench import checkout_bench_cli

    monkeypatch.setitem(sys.modules, "bench", type(sys)("bench"))
    with pytest.raises(ConfigurationError, match="another `bench` package"):
        checkout_bench_cli()
