"""Child processes of a run: servers (one per system) and load generators; CPU times; the broker.

Both kinds are ``python -m bench.<module>`` children that print one JSON line
``{"ready": ...}`` once they serve and exit when their standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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


LINE_LIMIT = 1 << 26
"""Longest JSON line a child may print (a load cell's latencies of a fast system)."""


async def _spawn(
    module: str, args: list[str], what: str, timeout: float
) -> asyncio.subprocess.Process:
    """Start ``python -m module args`` and return once it printed its ready line."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", module, *args),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env=env,
        limit=LINE_LIMIT,
    )
    assert process.stdout is not None
    try:
        async with asyncio.timeout(timeout):
            line = await process.stdout.readline()
    except TimeoutError:
        process.kill()
        raise BenchError(f"the {what} did not start within {timeout:g} s") from None
    if not line.startswith(b"{"):
        await process.wait()
        raise BenchError(f"the {what} exited with code {process.returncode}")
    return process


async def start_server(
    kind: str,
    *,
    name: str,
    bootstrap: str,
    tuning: Tuning,
    port: int = 0,
    partitions: int = 4,
    timeout: float = 60.0,
    module: str = "bench.server",
    topic_prefix: str = "",
) -> ServerProcess:
    """Start a server process (or, with ``module="bench.loader"``, a load process of ``kind``).

    Returns once it says it serves (a load process: once it is connected and warm).
    """
    args = [
        *(kind, "--name", name, "--bootstrap", bootstrap, "--partitions", str(partitions)),
        *("--port", str(port), "--tuning", tuning.to_json(), "--topic-prefix", topic_prefix),
    ]
    process = await _spawn(module, args, f"{kind} {module}", timeout)
    return ServerProcess(kind, process, psutil.Process(process.pid))


def child_arguments(parser: argparse.ArgumentParser, kinds: Sequence[str]) -> None:
    """The command line `start_server` gives a ``bench.server`` or ``bench.loader`` child."""
    parser.add_argument("kind", choices=kinds)
    parser.add_argument("--name", required=True, help="the run's agent name")
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--port", type=int, default=0, help="the HTTP server's port")
    parser.add_argument("--tuning", default=Tuning().to_json())
    parser.add_argument("--topic-prefix", default="", help="`KafkaConfig.topic_prefix`")


@dataclass
class LoadProcess:
    """A running ``python -m bench.loader`` child: closed-loop load on one system, cell by cell."""

    system: str
    process: asyncio.subprocess.Process

    @classmethod
    def of(cls, child: ServerProcess) -> LoadProcess:
        """The load process `start_server` started with ``module="bench.loader"``."""
        return cls(child.kind, child.process)

    async def cell(self, concurrency: int, seconds: float, size: int) -> dict[str, Any]:
        """One closed-loop cell (`bench.loader.run_cell`'s result)."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        order = {"concurrency": concurrency, "seconds": seconds, "size": size}
        self.process.stdin.write(json.dumps(order).encode() + b"\n")
        await self.process.stdin.drain()
        line = await self.process.stdout.readline()
        if not line.startswith(b"{"):
            raise BenchError(f"the {self.system} load process exited ({self.process.returncode})")
        result: dict[str, Any] = json.loads(line)
        return result

    async def stop(self, timeout: float = 60.0) -> None:
        """Close its standard input and wait for it to exit."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        async with asyncio.timeout(timeout):
            await self.process.wait()


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
