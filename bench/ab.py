"""``python -m bench.ab``: A/B of two Kafka settings in one run, interleaved.

The machine this project runs on is shared and its load drifts; two separate
runs differ by more than most changes do. Here two Kafka server processes, one
per setting (a `Tuning` preset plus experiments), serve two agents, and one
client process alternates between them: round trips and streams in blocks of
50, throughput cells A, B, A, B, ... Client-side producer overrides and
experiments are not applied (the client is the library's default); client
consumer options are.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import uuid
from collections.abc import Sequence
from typing import Any

from a2a_kafka import KafkaConfig
from bench import scenarios
from bench.cli import say
from bench.experiments import EXPERIMENTS
from bench.plan import FOCUS, KIB
from bench.procs import listening_process, start_server
from bench.systems import kafka_system
from bench.tables import table
from bench.tuning import PRESETS, Tuning


async def ab(bootstrap: str, tunings: dict[str, Tuning], rounds: int) -> dict[str, Any]:
    """Round trip, stream and throughput figures of each tuning, measured interleaved."""
    base = KafkaConfig(bootstrap_servers=bootstrap, partitions=4)
    run_id = uuid.uuid4().hex[:6]
    agents = {name: f"bench-ab{i}-{run_id}" for i, name in enumerate(tunings)}
    servers = {
        name: [await start_server("kafka", name=agents[name], bootstrap=bootstrap, tuning=t)]
        for name, t in tunings.items()
    }
    broker = listening_process(int(bootstrap.rsplit(":", 1)[1]))
    try:
        async with contextlib.AsyncExitStack() as stack:
            systems: dict[str, Any] = {
                name: await stack.enter_async_context(
                    kafka_system(t.apply(base), agents[name], name)
                )
                for name, t in tunings.items()
            }
            run = scenarios.Run(FOCUS, systems, servers, broker, say)
            await scenarios.warm_up(run)
            before = {name: procs[0].cpu_seconds() for name, procs in servers.items()}
            results = {"round_trip": await scenarios.round_trip(run)}
            results["sequential_cpu_ms"] = {
                name: (procs[0].cpu_seconds() - before[name]) * 1000 / FOCUS.latency_samples
                for name, procs in servers.items()
            }
            results["streaming"] = await scenarios.streaming(run)
            cells: dict[str, list[dict[str, Any]]] = {name: [] for name in tunings}
            for _ in range(rounds):
                for name in tunings:
                    cells[name].append(await scenarios.throughput_cell(run, name, KIB, 64))
            results["throughput"] = cells
            return results
    finally:
        for procs in servers.values():
            for proc in procs:
                await proc.stop()


def summary(results: dict[str, Any]) -> str:
    """A markdown table of the A/B figures."""
    names = list(results["throughput"])

    def rate(name: str) -> float:
        return float(statistics.median(c["requests_per_s"] for c in results["throughput"][name]))

    def cpu(name: str) -> float:
        cells = results["throughput"][name]
        return float(statistics.median(c["cpu_s_per_1000"]["server"] for c in cells))

    figures = {
        "round trip p50 ms": lambda n: results["round_trip"][n]["1024"]["latency_ms"]["p50"],
        "round trip p99 ms": lambda n: results["round_trip"][n]["1024"]["latency_ms"]["p99"],
        "server CPU ms per request, one at a time": lambda n: results["sequential_cpu_ms"][n],
        "first event p50 ms": lambda n: results["streaming"][n]["first_event_ms"]["p50"],
        "last event p50 ms": lambda n: results["streaming"][n]["last_event_ms"]["p50"],
        "req/s at 64 in flight (median of rounds)": rate,
        "server CPU s / 1,000 at 64 in flight": cpu,
    }
    rows = [[label, *(f"{f(n):.2f}" for n in names)] for label, f in figures.items()]
    return table(["figure", *names], rows)


def _tuning(spec: str) -> Tuning:
    """``preset[+experiment...]``."""
    preset, *names = spec.split("+")
    return PRESETS[preset].with_experiments(names)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__)
    parser.add_argument(
        "settings",
        nargs="+",
        help="preset[+experiment...], e.g. default default+commit-100ms linger-1; "
        f"presets: {', '.join(PRESETS)}; experiments: {', '.join(EXPERIMENTS)}",
    )
    parser.add_argument("--rounds", type=int, default=3, help="throughput cells per setting")
    parser.add_argument(
        "--bootstrap-servers",
        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
    )
    args = parser.parse_args(argv)
    tunings = {f"{i}:{spec}": _tuning(spec) for i, spec in enumerate(args.settings)}
    results = asyncio.run(ab(args.bootstrap_servers, tunings, args.rounds))
    print(summary(results))


if __name__ == "__main__":
    main()
