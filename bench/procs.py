"""Server processes: start one per system, stop it, read its CPU time; find the broker's."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass

import psutil

from bench.paths import ROOT
from bench.tuning import Tuning


class BenchError(RuntimeError):
    """The benchmark cannot run (a server did not start, a request was not answered)."""


@dataclass
class ServerProcess:
    """A running ``python -m bench.server`` child."""

    kind: str
    process: asyncio.subprocess.Process
    ps: psutil.Process

    def cpu_seconds(self) -> float:
        """User plus system CPU time so far."""
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    async def stop(self, timeout: float = 60.0) -> int:
        """Close its standard input, wait for it to exit; the requests it handled."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.close()
        async with asyncio.timeout(timeout):
            out = await self.process.stdout.read()
            await self.process.wait()
        lines = [json.loads(line) for line in out.splitlines() if line.startswith(b"{")]
        return int(lines[-1]["handled"]) if lines else -1


async def start_server(
    kind: str,
    *,
    name: str,
    bootstrap: str,
    tuning: Tuning,
    port: int = 0,
    partitions: int = 4,
    timeout: float = 60.0,
) -> ServerProcess:
    """Start a server process and return once it says it serves."""
    args = [
        *("-m", "bench.server", kind, "--name", name, "--bootstrap", bootstrap),
        *("--partitions", str(partitions), "--port", str(port), "--tuning", tuning.to_json()),
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    assert process.stdout is not None
    try:
        async with asyncio.timeout(timeout):
            line = await process.stdout.readline()
    except TimeoutError:
        process.kill()
        raise BenchError(f"the {kind} server did not start within {timeout:g} s") from None
    if not line.startswith(b"{"):
        await process.wait()
        raise BenchError(f"the {kind} server exited with code {process.returncode}")
    return ServerProcess(kind, process, psutil.Process(process.pid))


def cpu_seconds_self() -> float:
    """User plus system CPU time of this (the client) process so far."""
    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


def listening_process(port: int) -> psutil.Process | None:
    """The local process listening on TCP ``port`` (the broker, if it runs here)."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:
        return None
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            return psutil.Process(conn.pid) if conn.pid else None
    return None
