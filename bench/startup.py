"""``python -m bench.startup``: wall time of starting the ``a2a-kafka`` command, printed.

Runs each command a few times as a fresh process (the console script next to this
Python, so the same environment) and prints the fastest and the median wall time, and
the median CPU time (user + system: what the command costs whatever else the machine
runs):
``a2a-kafka --help`` (the target: at most 0.5 s on the project's 2-core machine),
``a2a-kafka --version`` and ``python -c "import a2a_kafka"``. A figure, not a test.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

A2A_KAFKA = Path(sys.executable).with_name("a2a-kafka")

COMMANDS: dict[str, list[str]] = {
    "a2a-kafka --help": [str(A2A_KAFKA), "--help"],
    "a2a-kafka --version": [str(A2A_KAFKA), "--version"],
    "import a2a_kafka": [sys.executable, "-c", "import a2a_kafka"],
}
TARGET_S = 0.5
"""``a2a-kafka --help`` should take at most this long."""


def timings(argv: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each of ``runs`` fresh processes of ``argv``, start to exit."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True, timeout=60)
        walls.append(time.perf_counter() - began)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="processes per command (7)")
    runs = parser.parse_args(argv).runs
    load = os.getloadavg()[0]
    print(f"{runs} runs each; load average {load:.1f} on {os.cpu_count()} cores")
    print(f"{'command':<22} {'wall: fastest':>14} {'median':>8} {'CPU: median':>12}")
    help_wall = 0.0
    for name, command in COMMANDS.items():
        walls, cpus = timings(command, runs)
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        print(f"{name:<22} {min(walls):>13.3f}s {wall:>7.3f}s {cpu:>11.3f}s")
        help_wall = wall if name == "a2a-kafka --help" else help_wall
    verdict = "meets" if help_wall <= TARGET_S else "MISSES"
    print(f"a2a-kafka --help: median wall {help_wall:.3f} s {verdict} the {TARGET_S} s target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
