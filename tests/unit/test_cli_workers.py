"""`a2a_kafka.cli.workers`: the supervisor of ``serve --workers``, over stand-in children.

The supervisor runs as a process of its own (it handles SIGTERM and SIGINT), its workers are
small Python scripts that print ``serving`` as ``serve`` does; no broker.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys

import psutil

CHILD = """
import signal, sys
if sys.argv[1] == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
else:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(int(sys.argv[1])))
print('{"message": "starting"}', file=sys.stderr, flush=True)
print("serving; stop with SIGTERM", flush=True)
while True:
    signal.pause()
"""
"""A worker: serves until SIGTERM, then exits with ``argv[1]`` (``stubborn``: ignores it)."""


def supervisor(*behaviours: str) -> list[str]:
    commands = [[sys.executable, "-c", CHILD, behaviour] for behaviour in behaviours]
    run = "import asyncio, sys; from a2a_kafka.cli.workers import supervise; "
    return [sys.executable, "-c", f"{run}sys.exit(asyncio.run(supervise({commands!r})))"]


async def started(*behaviours: str) -> tuple[asyncio.subprocess.Process, list[str]]:
    """The supervisor of ``behaviours``, once it said ``serving``; its stdout lines so far."""
    process = await asyncio.create_subprocess_exec(
        *supervisor(*behaviours), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
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
    assert {"message": "starting", "worker": 0} in records
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
