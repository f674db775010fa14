"""``python -m bench.workers``: throughput of ``a2a-kafka serve --workers 1`` against ``2``.

Serves `bench.agent.served` as a user serves an agent (``a2a-kafka serve
bench.agent:served --app-dir <checkout> --workers N``, the default task state: a
SQLite file of a fresh state folder), on the shared broker (``--bootstrap``, else
``KAFKA_BOOTSTRAP_SERVERS``) under a fresh topic prefix, with four request partitions
(``--state URL``: that task state instead, e.g. a PostgreSQL database).
Closed-loop load of 1 KiB echo requests at ``--concurrency`` in flight comes from
``--load-processes`` `bench.loader` processes, started once and kept across rounds, so
the client is not the bottleneck. Rounds alternate 1, 2, 1, 2 workers (ABAB); each
cell is preceded by an unmeasured warm-up. Printed per cell and in sum: requests/s,
CPU seconds per 1,000 requests of the server (the supervisor and its workers), the
broker (when it runs on this machine) and the load processes, the busiest load
process's cores, how many cores the whole machine was busy, and the load average; then
the ratio of 2 workers to 1 and the machine's bound on throughput (cores over CPU
seconds per request, all roles).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Sequence
from dataclasses import dataclass
from typing import Any

import psutil
from aiokafka.admin import AIOKafkaAdminClient

from a2a_kafka import KafkaConfig
from bench.paths import ROOT
from bench.plan import KIB
from bench.procs import LoadProcess, ServerProcess, listening_process, start_server
from bench.scenarios import shares
from bench.tuning import Tuning

PARTITIONS = 4
"""Request partitions: an even share for each of 1 or 2 workers."""
WARM_UP_SECONDS = 2.0
"""Unmeasured load before each measured cell (the group has settled, caches are warm)."""


def _cpu(process: psutil.Process | None) -> float:
    """User plus system CPU seconds of ``process`` and its live children (0 if None)."""
    if process is None:
        return 0.0
    total = 0.0
    for each in (process, *process.children(recursive=True)):
        with contextlib.suppress(psutil.NoSuchProcess):
            times = each.cpu_times()
            total += times.user + times.system
    return total


def _busy_seconds() -> float:
    """CPU seconds the whole machine spent not idle so far (every process, the kernel)."""
    times = psutil.cpu_times()
    busy = ("user", "nice", "system", "irq", "softirq")
    return float(sum(getattr(times, name, 0.0) for name in busy))


@dataclass
class Served:
    """A running ``a2a-kafka serve ... --workers N`` process (supervisor or single)."""

    workers: int
    process: asyncio.subprocess.Process

    @property
    def ps(self) -> psutil.Process:
        return psutil.Process(self.process.pid)

    async def stop(self) -> int:
        self.process.terminate()
        async with asyncio.timeout(120):
            return await self.process.wait()


@contextlib.asynccontextmanager
async def serving(workers: int, agent: str, env: dict[str, str]) -> AsyncIterator[Served]:
    """``a2a-kafka serve bench.agent:served --workers N`` until it said ``serving``."""
    command = [sys.executable, "-m", "a2a_kafka.cli.main", "serve", "bench.agent:served"]
    process = await asyncio.create_subprocess_exec(
        *command, "--name", agent, "--app-dir", str(ROOT), "--workers", str(workers),
        env=env, stdout=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    async with asyncio.timeout(180):
        while not (line := await process.stdout.readline()).startswith(b"serving"):
            if not line:
                raise RuntimeError(f"serve --workers {workers} exited ({await process.wait()})")
    drain = asyncio.create_task(process.stdout.read())  # keep its pipe from filling up
    served = Served(workers, process)
    try:
        yield served
    finally:
        code = await served.stop()
        drain.cancel()
        if code != 0:
            raise RuntimeError(f"serve --workers {workers} exited with {code} on SIGTERM")


async def cell(
    loaders: list[LoadProcess], concurrency: int, seconds: float
) -> tuple[int, float, list[dict[str, Any]]]:
    """One closed-loop cell over ``loaders``: answered, wall seconds, their parts."""
    parts = await asyncio.gather(
        *(
            loader.cell(share, seconds, KIB)
            for loader, share in zip(loaders, shares(concurrency, len(loaders)), strict=False)
        )
    )
    errors = [e for part in parts for e in part["first_errors"]]
    if errors:
        raise RuntimeError(f"requests failed: {errors[:3]}")
    return sum(p["answered"] for p in parts), max(p["seconds"] for p in parts), parts


async def measure(
    served: Served,
    loaders: list[LoadProcess],
    broker: psutil.Process | None,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """A warm-up, then one measured cell against ``served``; its figures."""
    await cell(loaders, args.concurrency, WARM_UP_SECONDS)
    server, brokered, machine = _cpu(served.ps), _cpu(broker), _busy_seconds()
    answered, wall, parts = await cell(loaders, args.concurrency, args.seconds)
    busy = (_busy_seconds() - machine) / wall
    cpu = {"server": _cpu(served.ps) - server, "client": sum(p["cpu_s"] for p in parts)}
    if broker is not None:  # the broker runs on this machine
        cpu["broker"] = _cpu(broker) - brokered
    return {
        "workers": served.workers,
        "answered": answered,
        "rate": answered / wall,
        "cpu_s": cpu,
        "busiest_client_cores": max(p["cpu_s"] / p["seconds"] for p in parts),
        "machine_busy_cores": busy,
        "load_1m": os.getloadavg()[0],
    }


def _per_1000(cells: list[dict[str, Any]], role: str) -> float:
    return float(1000 * sum(c["cpu_s"][role] for c in cells) / sum(c["answered"] for c in cells))


def _line(label: str, cells: list[dict[str, Any]]) -> str:
    rate = sum(c["rate"] for c in cells) / len(cells)
    per = ", ".join(f"{role} {_per_1000(cells, role):.2f}" for role in cells[0]["cpu_s"])
    busiest = max(c["busiest_client_cores"] for c in cells)
    busy = sum(c["machine_busy_cores"] for c in cells) / len(cells)
    return (
        f"{label:<12} {rate:8.1f} req/s  CPU s/1000 req: {per};"
        f" busiest client {busiest:.2f} cores; machine busy {busy:.2f} of"
        f" {os.cpu_count()} cores; load {cells[-1]['load_1m']:.2f}"
    )


def summary(cells: list[dict[str, Any]]) -> list[str]:
    """The closing lines: each worker count over its rounds, the ratio, the machine's bound."""
    by = {n: [c for c in cells if c["workers"] == n] for n in (1, 2)}
    lines = [_line(f"{n} worker{'s' if n > 1 else ''}", by[n]) for n in (1, 2)]
    ratio = sum(c["rate"] for c in by[2]) / sum(c["rate"] for c in by[1])
    lines.append(f"ratio 2 workers / 1 worker: {ratio:.2f}")
    cores = os.cpu_count() or 1
    for n in (1, 2):
        known = list(by[n][0]["cpu_s"])
        per_request = sum(_per_1000(by[n], role) for role in known) / 1000
        lines.append(
            f"bound with {n} worker(s): {cores} cores / {per_request * 1000:.2f} ms CPU per "
            f"request ({' + '.join(known)}) = {cores / per_request:.0f} req/s"
        )
    return lines


async def _delete_topics(config: KafkaConfig) -> None:
    admin = AIOKafkaAdminClient(**config.client_options())
    await admin.start()
    try:
        mine = [t for t in await admin.list_topics() if t.startswith(config.topic_prefix)]
        await admin.delete_topics(mine)
    finally:
        await admin.close()


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every round's cells, in the order measured."""
    prefix, agent = f"bw{uuid.uuid4().hex[:8]}.", "bench-workers"
    config = KafkaConfig(bootstrap_servers=args.bootstrap, topic_prefix=prefix)
    state = tempfile.mkdtemp(prefix="bench-workers-state-")
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": args.bootstrap,
        "A2A_KAFKA_TOPIC_PREFIX": prefix,
        "A2A_KAFKA_PARTITIONS": str(PARTITIONS),
        "A2A_KAFKA_STATE_DIR": state,
    }
    env.pop("A2A_KAFKA_STATE_URL", None)  # the default state: a SQLite file in `state`
    if args.state:
        env["A2A_KAFKA_STATE_URL"] = args.state
    broker = listening_process(int(args.bootstrap.split(",")[0].rsplit(":", 1)[1]))
    print(f"agent {agent}, topic prefix {prefix}, state in {state}; broker here: {bool(broker)}")
    print(f"load average at start: {os.getloadavg()[0]:.2f}", flush=True)
    order = [1, 2] * args.rounds
    cells: list[dict[str, Any]] = []
    loaders: list[LoadProcess] = []
    try:
        for workers in order:
            print(f"serve --workers {workers}: starting", flush=True)
            async with serving(workers, agent, env) as served:
                if not loaders:
                    count = args.load_processes
                    started = await asyncio.gather(
                        *(_loader(agent, args.bootstrap, prefix) for _ in range(count))
                    )
                    loaders = [LoadProcess.of(child) for child in started]
                print(f"serve --workers {workers}: {args.seconds:g} s of load", flush=True)
                result = await measure(served, loaders, broker, args)
            cells.append(result)
            print(_line(f"  {workers} worker{'s' if workers > 1 else ''}", [result]), flush=True)
    finally:
        for loader in loaders:
            await loader.stop()
        await _delete_topics(config)
    return cells


async def scenario(bootstrap: str, rounds: int, seconds: float, concurrency: int) -> dict[str, Any]:
    """`a2a-kafka bench`'s figure: 1 and 2 workers in ``rounds`` ABAB rounds of ``seconds``.

    Per worker count: mean requests/s and CPU seconds per 1,000 requests by role; the
    closing lines of `summary` as printed.
    """
    args = argparse.Namespace(
        bootstrap=bootstrap,
        rounds=rounds,
        seconds=seconds,
        concurrency=concurrency,
        load_processes=2,
        state=None,
    )
    cells = await run(args)
    found: dict[str, Any] = {"concurrency": concurrency, "summary": summary(cells)}
    for n in (1, 2):
        mine = [c for c in cells if c["workers"] == n]
        found[str(n)] = {
            "requests_per_s": sum(c["rate"] for c in mine) / len(mine),
            "cpu_s_per_1000": {role: _per_1000(mine, role) for role in mine[0]["cpu_s"]},
            "machine_busy_cores": sum(c["machine_busy_cores"] for c in mine) / len(mine),
        }
    return found


def _loader(agent: str, bootstrap: str, prefix: str) -> Awaitable[ServerProcess]:
    return start_server(
        "kafka",
        name=agent,
        bootstrap=bootstrap,
        tuning=Tuning(),
        partitions=PARTITIONS,
        timeout=120.0,
        module="bench.loader",
        topic_prefix=prefix,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.workers", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="per measured cell")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of 1 then 2 workers")
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight")
    parser.add_argument("--load-processes", type=int, default=2, help="bench.loader processes")
    parser.add_argument(
        "--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    )
    parser.add_argument("--state", help="the task state (default: a fresh SQLite file)")
    args = parser.parse_args(argv)
    cells = asyncio.run(run(args))
    for line in summary(cells):
        print(line)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
