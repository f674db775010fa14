"""``a2a-kafka serve --workers N``: one supervisor, N worker processes in the agent's group.

Run as a user runs it: ``a2a-kafka serve quickstart:shouter --app-dir examples --workers 2``
as a process, called from this one, stopped with SIGTERM or broken with ``kill -9``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import psutil
import pytest
from test_serve_any_agent import EXAMPLES, shout

from a2a_kafka import KafkaClients, KafkaConfig
from a2a_kafka.broker.layout import free_ports

CLI = [sys.executable, "-m", "a2a_kafka.cli.main"]
SERVE = [*CLI, "serve", "quickstart:shouter", "--app-dir", str(EXAMPLES)]
STARTED = re.compile(r"^\[worker (\d+)\] pid (\d+)$")


@pytest.fixture
def env(kafka_config: KafkaConfig) -> dict[str, str]:
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_config.bootstrap_servers,
        "A2A_KAFKA_TOPIC_PREFIX": f"wrk{uuid.uuid4().hex[:8]}.",
        "PYTHONUNBUFFERED": "1",
    }


class Supervisor:
    """The ``serve --workers`` process; its output lines, each stream read as it comes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: dict[str, list[str]] = {"stdout": [], "stderr": []}
        self.pids: dict[int, list[int]] = {}
        """Every process each worker ran, in order (``[worker i] pid P`` lines)."""
        self.ended: set[str] = set()
        """The streams read to their end."""
        self._changed = asyncio.Condition()
        assert process.stdout is not None
        assert process.stderr is not None
        self._readers = [
            asyncio.create_task(self._read("stdout", process.stdout)),
            asyncio.create_task(self._read("stderr", process.stderr)),
        ]

    async def _read(self, name: str, stream: asyncio.StreamReader) -> None:
        while raw := await stream.readline():
            line = raw.decode(errors="replace").rstrip("\n")
            if started := STARTED.match(line):
                self.pids.setdefault(int(started[1]), []).append(int(started[2]))
            async with self._changed:
                self.lines[name].append(line)
                self._changed.notify_all()
        async with self._changed:  # the process ended: `until` fails now, with its output
            self.ended.add(name)
            self._changed.notify_all()

    async def until(
        self, name: str, seen: Callable[[str], bool], since: int = 0, timeout: float = 120
    ) -> str:
        """The first line of stream ``name`` from line ``since`` on for which ``seen`` holds."""
        async with asyncio.timeout(timeout), self._changed:
            while True:
                found = next((line for line in self.lines[name][since:] if seen(line)), None)
                if found is not None:
                    return found
                assert name not in self.ended, self.lines
                await self._changed.wait()

    async def stopped(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Send ``sig``; the exit code once the process and its output have ended."""
        self.process.send_signal(sig)
        async with asyncio.timeout(90):
            await asyncio.gather(*self._readers)
            return await self.process.wait()


@contextlib.asynccontextmanager
async def supervisor(env: dict[str, str], *options: str) -> AsyncIterator[Supervisor]:
    """``serve ... --workers 2 OPTIONS`` until its ``serving`` line; killed if left running."""
    process = await asyncio.create_subprocess_exec(
        *SERVE, "--workers", "2", *options,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    served = Supervisor(process)
    try:
        await served.until("stdout", lambda line: line.startswith("serving"))
        yield served
    finally:
        with contextlib.suppress(ProcessLookupError, psutil.NoSuchProcess):
            for child in psutil.Process(process.pid).children():
                child.kill()
            process.kill()
        await process.wait()


async def handled_by_each(ports: list[int]) -> list[float]:
    """``a2a_kafka_handler_received_total`` of each worker's ``/metrics``."""
    async with httpx.AsyncClient() as http:
        pages = [(await http.get(f"http://127.0.0.1:{port}/metrics")).text for port in ports]
    pattern = re.compile(r'^a2a_kafka_handler_received_total\{agent="shouter"\} (\S+)$', re.M)
    return [sum(float(x) for x in pattern.findall(page)) for page in pages]


def metrics_ports() -> int:
    """A port P with P + 1 free too, for two workers' ``--metrics-port``."""
    while True:
        port = free_ports(1)[0]
        with contextlib.suppress(OSError), socket.socket() as sock:
            sock.bind(("127.0.0.1", port + 1))
            return port


async def test_two_workers_serve_as_one_agent_and_stop_on_sigterm(
    env: dict[str, str], kafka_config: KafkaConfig
) -> None:
    port = metrics_ports()
    async with supervisor(env, "--metrics-port", str(port)) as served:
        out = served.lines["stdout"]
        assert [line for line in out if line.startswith("serving")] == [
            "serving with 2 workers; stop with Ctrl-C or SIGTERM (in-flight requests finish first)"
        ]
        assert sorted(served.pids) == [0, 1]
        workers = [pids[0] for _, pids in sorted(served.pids.items())]
        assert {c.pid for c in psutil.Process(served.process.pid).children()} == set(workers)
        for i in (0, 1):
            assert f"[worker {i}] metrics  http://0.0.0.0:{port + i}/metrics" in out

        status = await asyncio.create_subprocess_exec(
            *CLI, "status", "shouter", "--json", env=env, stdout=asyncio.subprocess.PIPE
        )
        report, _ = await status.communicate()
        assert json.loads(report)["members"] == 2

        # requests without a context land on random partitions: each worker gets some
        config = kafka_config.with_(topic_prefix=env["A2A_KAFKA_TOPIC_PREFIX"])
        async with KafkaClients(config) as clients, asyncio.timeout(120):
            answered = 0
            while answered < 4 or 0 in await handled_by_each([port, port + 1]):
                text = f"request {answered}"
                assert await shout(await clients.connect("shouter"), text) == [text.upper()]
                answered += 1

        assert await served.stopped() == 0
    assert not [pid for pid in workers if psutil.pid_exists(pid)]


async def test_a_killed_worker_is_restarted_and_the_others_keep_serving(
    env: dict[str, str], kafka_config: KafkaConfig
) -> None:
    config = kafka_config.with_(topic_prefix=env["A2A_KAFKA_TOPIC_PREFIX"])
    async with supervisor(env) as served, KafkaClients(config) as clients:
        killed, before = served.pids[1][0], len(served.lines["stdout"])
        os.kill(killed, signal.SIGKILL)
        said = await served.until("stderr", lambda line: line.startswith("[worker 1] pid"))
        assert said == (
            f"[worker 1] pid {killed} exited with code 137 (killed by SIGKILL); restarting in 1 s"
        )
        assert await shout(await clients.connect("shouter"), "meanwhile") == ["MEANWHILE"]

        await served.until("stdout", lambda line: line.startswith("[worker 1] serving"), before)
        assert len(served.pids[1]) == 2
        restarted = served.pids[1][1]
        assert restarted != killed
        assert psutil.Process(restarted).ppid() == served.process.pid
        assert await shout(await clients.connect("shouter"), "after") == ["AFTER"]

        workers = [served.pids[0][0], restarted]
        assert await served.stopped(signal.SIGINT) == 0  # Ctrl-C
    assert not [pid for pid in workers if psutil.pid_exists(pid)]


async def test_workers_stop_when_their_supervisor_is_killed(env: dict[str, str]) -> None:
    async with supervisor(env) as served:
        workers = [psutil.Process(pids[0]) for _, pids in sorted(served.pids.items())]
        served.process.kill()  # SIGKILL: no chance to stop them itself
        _, alive = await asyncio.to_thread(psutil.wait_procs, workers, 90)
    assert not alive, f"workers still running without their supervisor: {alive}"
    status = await asyncio.create_subprocess_exec(
        *CLI, "status", "shouter", "--json", env=env, stdout=asyncio.subprocess.PIPE
    )
    report, _ = await status.communicate()
    assert json.loads(report)["members"] == 0  # they left the group (as on SIGTERM), not died


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--workers", "2", "--state", "memory"], "--state memory each worker would keep"),
        (["--workers", "2", "--transport", "http"], "use --transport kafka with --workers"),
        (["--workers", "2", "--transport", "both"], "use --transport kafka with --workers"),
        (["--workers", "0"], "argument --workers: must be a whole number of at least 1"),
    ],
)
async def test_workers_refuse_what_n_processes_cannot_serve(
    env: dict[str, str], options: list[str], said: str
) -> None:
    process = await asyncio.create_subprocess_exec(
        *SERVE, *options, env=env, stderr=asyncio.subprocess.PIPE
    )
    _, err = await process.communicate()
    assert process.returncode == 2
    assert said in err.decode()


async def test_workers_that_cannot_start_stop_the_supervisor(
    env: dict[str, str], tmp_path: Path
) -> None:
    process = await asyncio.create_subprocess_exec(
        *CLI, "serve", "no_such_module:agent", "--app-dir", str(tmp_path), "--workers", "2",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(120):
        out, err = await process.communicate()
    assert process.returncode == 1
    said = err.decode().splitlines()
    assert [line for line in said if "error: cannot import 'no_such_module'" in line], said
    assert not [line for line in said if "restarting" in line], said
    assert not [line for line in out.decode().splitlines() if line.startswith("serving")]


async def test_workers_import_what_the_supervisor_imports(
    env: dict[str, str], tmp_path: Path
) -> None:
    """The current directory does not shadow a module for the workers only."""
    (tmp_path / "selectors.py").write_text("raise ImportError('shadowed by the cwd')\n")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-P", "-m", "a2a_kafka.cli.main",  # as `a2a-kafka` runs
        "serve", "quickstart:shouter", "--app-dir", str(EXAMPLES), "--workers", "2",
        env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    async with asyncio.timeout(120):
        while not (line := await process.stdout.readline()).startswith(b"serving with 2"):
            assert line, (await process.communicate())[1].decode()
        process.terminate()
        await process.communicate()
    assert process.returncode == 0
