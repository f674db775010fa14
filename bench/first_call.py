"""``python -m bench.first_call``: what a new caller's first call costs over its next ones.

Starts one bench agent server process (``bench.server kafka``) on the broker of
``KAFKA_BOOTSTRAP_SERVERS`` (or ``--bootstrap``), then, per repetition, makes a new
caller as a user does (``KafkaClients`` then ``connect(agent)``: the registry read,
and with it the reply route's set-up) and times its first blocking ``SendMessage``
and the median of its next five. Prints p50 and max over the repetitions of
``connect``, the first call, a warm call and first minus warm (the target: at most
20 ms), with the load average. A figure, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from a2a.client import ClientConfig

from a2a_kafka import KafkaClients, KafkaConfig
from bench.procs import start_server
from bench.systems import user_message
from bench.tuning import DEFAULT

TARGET_MS = 20.0
"""A new caller's first call should cost at most this much over a warm call."""
WARM_CALLS = 5


async def one_caller(config: KafkaConfig, agent: str) -> tuple[float, float, float]:
    """Milliseconds of a new caller's connect, its first call and its median warm call."""
    began = time.perf_counter()
    async with KafkaClients(config, ClientConfig(streaming=False)) as clients:
        client = await clients.connect(agent)
        connected = time.perf_counter()
        times = []
        for _ in range(1 + WARM_CALLS):
            started = time.perf_counter()
            async for _event in client.send_message(user_message("x" * 1024)):
                pass
            times.append((time.perf_counter() - started) * 1000)
    return (connected - began) * 1000, times[0], statistics.median(times[1:])


async def first_calls(
    config: KafkaConfig, agent: str, callers: int, say: Callable[[str], None]
) -> dict[str, Any]:
    """``callers`` new callers of the running ``agent`` in turn (a line each to ``say``);
    p50 and max of their connect, first call, warm call and first minus warm (ms)."""
    rows: dict[str, list[float]] = {"connect": [], "first": [], "warm": [], "extra": []}
    for n in range(callers):
        connect, first, warm = await one_caller(config, agent)
        for key, value in zip(rows, (connect, first, warm, first - warm), strict=True):
            rows[key].append(value)
        say(
            f"  caller {n + 1}/{callers}: connect {connect:.1f} ms, first {first:.1f} ms, "
            f"warm {warm:.1f} ms"
        )
    stats = {
        f"{key}_ms": {"p50": statistics.median(values), "max": max(values)}
        for key, values in rows.items()
    }
    extra = stats.pop("extra_ms")
    say(
        f"first call of a new caller      kafka     {callers} callers  first minus warm "
        f"p50 {extra['p50']:.1f} ms  max {extra['max']:.1f} ms"
    )
    return {"callers": callers, **stats, "first_minus_warm_ms": extra}


async def run(bootstrap: str, reps: int) -> int:
    config = KafkaConfig(bootstrap_servers=bootstrap, partitions=4)
    agent = f"bench-first-{uuid.uuid4().hex[:6]}"
    server = await start_server("kafka", name=agent, bootstrap=bootstrap, tuning=DEFAULT)
    try:
        found = await first_calls(config, agent, reps, lambda line: print(line, flush=True))
    finally:
        await server.stop()
    print(f"{reps} new callers; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    names = {"connect_ms": "connect", "first_ms": "first call", "warm_ms": "warm call"}
    for key, name in {**names, "first_minus_warm_ms": "first minus warm"}.items():
        print(f"{name:<24} p50 {found[key]['p50']:7.1f} ms  max {found[key]['max']:7.1f} ms")
    extra = found["first_minus_warm_ms"]["p50"]
    verdict = "meets" if extra <= TARGET_MS else "MISSES"
    print(f"first call minus warm: p50 {extra:.1f} ms {verdict} the {TARGET_MS:.0f} ms target")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.first_call", description=__doc__)
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    parser.add_argument("--reps", type=int, default=10, help="new callers (10)")
    args = parser.parse_args(argv)
    if not args.bootstrap:
        parser.error("set KAFKA_BOOTSTRAP_SERVERS or pass --bootstrap")
    return asyncio.run(run(args.bootstrap, args.reps))


if __name__ == "__main__":
    raise SystemExit(main())
