"""Server memory under caller churn: RSS of one server after many short-lived callers.

    python -m bench.memory [--callers 10000] [--requests 100000] [--concurrency 40]

Each caller is a fresh `Requester` with its own private reply topic (created when it
starts, deleted when it closes), sends its share of the SendMessage requests one
after the other, and closes. The server is a separate ``python -m bench.server
kafka`` process. Printed: its RSS after the first tenth of the callers and at the
end, and their ratio, which a server with bounded state keeps under 1.5 (issue 10;
the figure is in docs/reliability.md), and how many calls timed out (a loaded
machine). Uses ``KAFKA_BOOTSTRAP_SERVERS`` (default 127.0.0.1:9092); run it on a
broker of its own, it creates and deletes a topic per caller.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid

from a2a_kafka import KafkaConfig, KafkaTimeoutError, KafkaTransport, Requester
from bench.procs import start_server
from bench.systems import user_message
from bench.tuning import Tuning


async def caller(config: KafkaConfig, agent: str, requests: int) -> int:
    """Run one short-lived caller; how many of its requests got no answer."""
    requester = Requester(config)
    await requester.start()
    unanswered = 0
    try:
        transport = KafkaTransport(requester, agent)
        for _ in range(requests):
            try:
                await transport.send_message(user_message("echo x"))
            except KafkaTimeoutError:
                unanswered += 1
    finally:
        await requester.aclose()
    return unanswered


async def run(args: argparse.Namespace) -> dict[str, float]:
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    config = KafkaConfig(bootstrap_servers=bootstrap)
    agent = f"bench-memory-{uuid.uuid4().hex[:8]}"
    server = await start_server("kafka", name=agent, bootstrap=bootstrap, tuning=Tuning())
    per_caller = args.requests // args.callers
    slots = asyncio.Semaphore(args.concurrency)

    async def one() -> int:
        async with slots:
            return await caller(config, agent, per_caller)

    started = time.monotonic()
    try:
        tenth = args.callers // 10
        unanswered = sum(await asyncio.gather(*(one() for _ in range(tenth))))
        rss_tenth = server.ps.memory_info().rss
        unanswered += sum(await asyncio.gather(*(one() for _ in range(args.callers - tenth))))
        rss_end = server.ps.memory_info().rss
    finally:
        handled = await server.stop()
    return {
        "callers": args.callers,
        "requests": per_caller * args.callers,
        "handled": handled,
        "timed_out": unanswered,
        "seconds": round(time.monotonic() - started, 1),
        "rss_after_first_tenth_mb": round(rss_tenth / 2**20, 1),
        "rss_at_end_mb": round(rss_end / 2**20, 1),
        "ratio": round(rss_end / rss_tenth, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.memory")
    parser.add_argument("--callers", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=40)
    print(json.dumps(asyncio.run(run(parser.parse_args()))), flush=True)


if __name__ == "__main__":
    main()
