"""`a2a_kafka.cli.workers`: the supervisor of ``serve --workers``, over stand-in children.

The supervisor runs as a process of its own (it handles SIGTERM and SIGINT), its workers are
small Python scripts that print ``serving`` as ``serve`` does; no broker.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import psutil
import pytest

from a2a_kafka.cli import main, workers

CHILD = """
import signal, sys
if sys.argv[1] == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
else:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(int(sys.argv[1])))
print('{"message": "starting 테란"}', file=sys.stderr, flush=True)
print("serving; stop with SIGTERM", flush=True)
while True:
    signal.pause()
"""
"""A worker: serves until SIGTERM, then exits with ``argv[1]`` (``stubborn``: ignores it)."""


NAMED_SERVING = """
import sys
print("serving_agent kafka://127.0.0.1:9092/serving_agent", flush=True)
print("error: metrics port 0.0.0.0:9464: [Errno 98] Address already in use", file=sys.stderr)
sys.exit(1)
"""
"""A worker whose agent is called ``serving_agent`` and that fails before it serves."""


LONG_LINE = """
import signal, sys
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
sys.stderr.write("x" * (3 << 20) + "\\nafter\\n")
sys.stderr.flush()
print("serving; stop with SIGTERM", flush=True)
signal.pause()
"""
"""A worker that writes a 3 MiB line to stderr, then one more line."""
CRASH_ONCE = """
import os, signal, sys
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("serving; stop with SIGTERM", flush=True)
if not os.path.exists(sys.argv[1]):
    open(sys.argv[1], "w").close()
    sys.exit(3)
signal.pause()
"""
"""A worker that dies by itself (code 3) after it served, the first time only."""
SLOW = """
import signal
signal.pause()
"""
"""A worker still starting: it never serves nor handles SIGTERM (its default ends it)."""
SCRIPTS = {"named": NAMED_SERVING, "long": LONG_LINE, "slow": SLOW}


def supervisor(*behaviours: str) -> list[str]:
    return supervisor_of(
        [sys.executable, "-c", SCRIPTS[behaviour]] if behaviour in SCRIPTS else
        [sys.executable, "-c", CHILD, behaviour]
        for behaviour in behaviours
    )  # fmt: skip


def supervisor_of(commands: Iterable[list[str]]) -> list[str]:
    """The command line of a supervisor process of ``commands``."""
    run = "import asyncio, sys; from a2a_kafka.cli.workers import supervise; "
    return [sys.executable, "-c", f"{run}sys.exit(asyncio.run(supervise({list(commands)!r})))"]


async def started(
    *behaviours: str, stderr: int = asyncio.subprocess.PIPE
) -> tuple[asyncio.subprocess.Process, list[str]]:
    """The supervisor of ``behaviours``, once it said ``serving``; its stdout lines so far."""
    process = await asyncio.create_subprocess_exec(
        *supervisor(*behaviours), stdout=asyncio.subprocess.PIPE, stderr=stderr
    )
    assert process.stdout is not None
    lines: list[str] = []
    async with asyncio.timeout(60):
        while not lines or not lines[-1].startswith("serving"):
            line = (await process.stdout.readline()).decode()
            assert line, lines
            lines.append(line.rstrip("\n"))
    return process, lines


async def test_sigterm_stops_every_worker_and_reports_the_first_failure() -> None:
    process, lines = await started("0", "3")
    children = psutil.Process(process.pid).children()
    assert [line for line in lines if line.startswith("serving")] == [
        "serving with 2 workers; stop with Ctrl-C or SIGTERM (in-flight requests finish first)"
    ]
    assert "[worker 1] serving; stop with SIGTERM" in lines
    process.terminate()
    async with asyncio.timeout(60):
        _, err = await process.communicate()
    assert process.returncode == 3
    # a JSON log line stays JSON, with the worker's number
    records = [json.loads(line) for line in err.splitlines() if line.startswith(b"{")]
    assert {"message": "starting 테란", "worker": 0} in records
    assert '"message": "starting 테란"'.encode() in err  # as the worker wrote it, not escaped
    assert not [child for child in children if child.is_running()]


async def test_a_second_signal_kills_workers_that_do_not_stop() -> None:
    process, _ = await started("stubborn", "0")
    children = psutil.Process(process.pid).children()
    assert process.stderr is not None
    try:
        async with asyncio.timeout(60):
            process.send_signal(signal.SIGINT)
            while b"again to kill them" not in await process.stderr.readline():
                pass
            process.send_signal(signal.SIGINT)
            await process.communicate()
    finally:
        for child in children:
            if child.is_running():
                child.kill()
    assert process.returncode == 128 + signal.SIGKILL
    assert not [child for child in children if child.is_running()]


async def test_a_hang_up_stops_every_worker_as_sigterm_does() -> None:
    process, _ = await started("0", "0")
    children = psutil.Process(process.pid).children()
    process.send_signal(signal.SIGHUP)  # the terminal or SSH session closed
    async with asyncio.timeout(60):
        await process.communicate()
    assert process.returncode == 0
    assert not [child for child in children if child.is_running()]


async def test_sigterm_stops_the_workers_when_stderr_is_gone() -> None:
    """A closed pipe (the log reader went away) must not make the supervisor deaf."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        process, _ = await started("0", stderr=writer)
    finally:
        os.close(writer)
    children = psutil.Process(process.pid).children()
    process.terminate()
    async with asyncio.timeout(60):
        await process.communicate()
    assert process.returncode == 0
    assert not [child for child in children if child.is_running()]


async def test_a_worker_killed_by_a_signal_without_a_name_is_restarted() -> None:
    process, _ = await started("0")
    assert process.stderr is not None
    rtsig = signal.SIGRTMIN + 6  # Signals has no member for it
    try:
        psutil.Process(process.pid).children()[0].send_signal(rtsig)
        async with asyncio.timeout(60):
            while "exited" not in (said := (await process.stderr.readline()).decode()):
                assert said
        assert said.endswith(f"exited with code {128 + rtsig} (killed by signal {rtsig}); "
                             "restarting in 1 s\n"), said  # fmt: skip
    finally:
        process.terminate()
        async with asyncio.timeout(60):
            await process.communicate()


async def test_a_line_too_long_to_relay_is_dropped_whole(tmp_path: Path) -> None:
    with (tmp_path / "stderr").open("w+b") as err:
        process, _ = await started("long", stderr=err.fileno())
        process.terminate()
        async with asyncio.timeout(60):
            await process.communicate()
        err.seek(0)
        said = err.read()
    assert said.decode().splitlines()[:2] == [
        "[worker 0] (a line longer than 1048576 bytes was dropped)",
        "[worker 0] after",
    ]
    assert len(said) < 1000


async def test_a_line_naming_an_agent_serving_is_not_the_serving_line() -> None:
    process = await asyncio.create_subprocess_exec(
        *supervisor("named", "0"), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode == 1  # failed before it served: stopped, not restarted
    assert b"restarting" not in err
    assert not [line for line in out.splitlines() if line.startswith(b"serving")]


@pytest.mark.parametrize(
    ("words", "ports"),
    [
        (["--metrics-port", "9000"], [9000, 9001]),
        (["--metrics-port=9000"], [9000, 9001]),
        (["--metrics-port", "0"], [0, 0]),  # each its own free port, not port 1
    ],
)
def test_each_worker_gets_its_metrics_port(
    monkeypatch: pytest.MonkeyPatch, words: list[str], ports: list[int]
) -> None:
    commands: list[Sequence[str]] = []

    async def supervise(given: Sequence[Sequence[str]]) -> int:
        commands.extend(given)
        return 0

    monkeypatch.setattr(workers, "supervise", supervise)
    assert main.main(["serve", "app:agent", "--workers=2", *words]) == 0
    for command, port in zip(commands, ports, strict=True):
        argv = list(command[command.index("a2a_kafka.cli.main") + 1 :])
        given = main.build_parser(argv).parse_args(argv)
        assert (given.workers, given.metrics_port, given.agents) == (1, port, ["app:agent"])


async def test_a_stop_while_a_dead_worker_waits_for_its_restart_exits_0(tmp_path: Path) -> None:
    """Nothing was running in that slot when the stop came: the stop is clean."""
    command = [sys.executable, "-c", CRASH_ONCE, str(tmp_path / "crashed")]
    process = await asyncio.create_subprocess_exec(
        *supervisor_of([command]), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    async with asyncio.timeout(60):
        while b"restarting in" not in (line := await process.stderr.readline()):
            assert line, "the supervisor ended before it restarted its worker"
        process.terminate()
        await process.communicate()
    assert process.returncode == 0


async def test_a_stop_while_a_worker_is_still_starting_exits_0() -> None:
    process = await asyncio.create_subprocess_exec(
        *supervisor("0", "slow"), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    async with asyncio.timeout(60):
        while b"[worker 1] pid" not in (line := await process.stdout.readline()):
            assert line, "the supervisor ended before it started worker 1"
        process.terminate()
        await process.communicate()
    assert process.returncode == 0
