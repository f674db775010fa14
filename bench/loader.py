"""A load process of the benchmark: ``python -m bench.loader SYSTEM ...``.

Throughput cells are driven from several of these, so that no client event
loop is the bottleneck of the system it measures. ``SYSTEM`` is ``kafka``,
``http``, ``floor`` or one of HTTP's reference clients, ``http-plain`` (a2a's
`ClientFactory` with its default httpx client, what a plain user gets) and
``http-one-pool`` (the benchmark's earlier client); the process opens that
system's client side (`bench.systems.open_system`), warms it up, prints
``{"ready": ...}``, then reads one JSON order per line from its standard input,
``{"concurrency": c, "seconds": s, "size": n}``, and answers each with one JSON
line (`run_cell`). It exits when its standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import string
import sys
from collections.abc import Sequence
from typing import Any

from a2a_kafka import KafkaConfig
from bench.load import closed_loop, sequential
from bench.procs import child_arguments, cpu_seconds_self
from bench.systems import System, open_system
from bench.tuning import Tuning

WARM_UP = 20
"""Sequential 1 KiB requests before the process says it is ready."""


def payload(size: int) -> str:
    """ASCII text of ``size`` bytes, the same in every load process."""
    return "".join(random.Random(size).choices(string.ascii_letters, k=size))


async def run_cell(system: System, concurrency: int, seconds: float, size: int) -> dict[str, Any]:
    """One closed-loop cell: counts, wall and CPU seconds of this process, latencies in ms."""
    text = payload(size)
    cpu = cpu_seconds_self()
    outcome = await closed_loop(lambda: system.send(text), concurrency, seconds)
    return {
        **outcome.counts(),
        "seconds": outcome.seconds,
        "cpu_s": cpu_seconds_self() - cpu,
        "latencies_ms": [round(s * 1000, 3) for s in outcome.latencies],
    }


async def _orders() -> Any:
    line = await asyncio.to_thread(sys.stdin.buffer.readline)
    return json.loads(line) if line.strip() else None


async def _main(args: argparse.Namespace) -> None:
    tuning = Tuning.from_json(args.tuning)
    tuning.install()
    config = tuning.apply(
        KafkaConfig(
            bootstrap_servers=args.bootstrap,
            partitions=args.partitions,
            topic_prefix=args.topic_prefix,
        )
    )
    async with open_system(args.kind, config, args.name, args.port, tuning) as system:
        text = payload(1024)
        await sequential(lambda: system.send(text), WARM_UP)
        print(json.dumps({"ready": True, "pid": os.getpid()}), flush=True)
        while (order := await _orders()) is not None:
            result = await run_cell(system, order["concurrency"], order["seconds"], order["size"])
            print(json.dumps(result), flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.loader")
    child_arguments(parser, ("kafka", "http", "http-plain", "http-one-pool", "floor"))
    asyncio.run(_main(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
