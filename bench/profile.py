"""``python -m bench.profile``: where the CPU of A2A over Kafka goes, client and server.

Starts a Kafka server process of the benchmark agent, runs one workload from
this process (blocking sends, or streams) and samples both processes with
py-spy meanwhile. Prints, per process, the functions that hold the most
samples inclusively (time in them and in what they call) and by self time,
and writes the raw collapsed stacks to ``bench/results/profiles/``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import shutil
import sys
import uuid
from collections.abc import Awaitable, Sequence
from pathlib import Path

from a2a_kafka import KafkaConfig
from bench.load import closed_loop
from bench.paths import RESULTS
from bench.procs import start_server
from bench.systems import kafka_system
from bench.tuning import PRESETS, Tuning

OUT = RESULTS / "profiles"


def _frame(entry: str) -> str:
    """``function (path/to/module.py:line)`` → ``module.py:function``."""
    name, _, where = entry.partition(" (")
    return f"{Path(where.split(':')[0]).name}:{name}"


def _package(entry: str) -> str:
    """``function (a2a/server/x.py:line)`` → ``a2a``; the standard library by module."""
    where = entry.partition(" (")[2].split(":")[0]
    return where.split("/")[0] if "/" in where else where.removesuffix(".py")


AREAS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "a2a: request validation",
        ("unary (a2a_kafka/server/router.py",),
        ("validate_proto_required",),
    ),
    (
        "a2a: ActiveTask and event queues set up",
        ("unary (a2a_kafka/server/router.py",),
        ("_setup_active_task",),
    ),
    (
        "a2a: awaiting the reply (ActiveTask.subscribe)",
        ("unary (a2a_kafka/server/router.py",),
        ("ActiveTask.subscribe",),
    ),
    (
        "binding: MessageToDict of the result",
        ("unary (a2a_kafka/server/router.py",),
        ("MessageToDict",),
    ),
    (
        "a2a: the rest of on_message_send, telemetry wrappers",
        ("unary (a2a_kafka/server/router.py",),
        (),
    ),
    (
        "a2a: ActiveTask producer/consumer, event queue dispatch, the agent",
        ("ActiveTask._run_producer", "ActiveTask._run_consumer", "EventQueueSource", "execute ("),
        (),
    ),
    ("binding: parse (headers, JSON, ParseDict, context)", ("RequestProcessor._parse",), ()),
    (
        "binding: reply (JSON encode, records, hand to the producer)",
        ("RequestProcessor._reply",),
        (),
    ),
    ("binding: the rest of RequestProcessor (dedupe claim, record)", ("RequestProcessor",), ()),
    ("aiokafka: producer", ("aiokafka/producer",), ()),
    ("aiokafka: offset commits, heartbeats", ("aiokafka/consumer/group_coordinator",), ()),
    ("aiokafka: fetch, connection reads", ("aiokafka",), ()),
    ("binding: consume loop, other", ("a2a_kafka",), ()),
    ("OpenTelemetry no-op spans outside the above", ("trace/__init__", "opentelemetry"), ()),
    ("a2a: event-queue wake-ups (culsans, aiologic)", ("culsans", "aiologic"), ()),
)
"""Areas of a Kafka server's samples: (label, any of these in the stack, and any of those).

A sample goes to the first area it matches; the rest is the event loop and other.
"""


def _area(stack: str) -> str:
    for label, anywhere, also in AREAS:
        if any(a in stack for a in anywhere) and (not also or any(a in stack for a in also)):
            return label
    return "event loop, other"


def summarise(path: Path, top: int) -> str:
    """The ``top`` functions by inclusive and by self samples of a py-spy raw file.

    Also self samples by package (``a2a``, ``aiokafka``, ``protobuf``, ``asyncio``...):
    where the CPU goes, whoever called it; and samples by `AREAS`.
    """
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    packages: collections.Counter[str] = collections.Counter()
    areas: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        entries = stack.split(";")[1:]  # drop the thread frame
        frames = [_frame(f) for f in entries]
        n = int(count)
        total += n
        areas[_area(stack)] += n
        for frame in set(frames):
            inclusive[frame] += n
        if frames:
            own[frames[-1]] += n
            packages[_package(entries[-1])] += n
    lines = [f"{path.name}: {total} samples"]
    tops = (("inclusive", inclusive), ("self", own), ("self by package", packages))
    for title, counter in (*tops, ("by area (a Kafka server's)", areas)):
        lines.append(f"  top {title}:")
        lines += [f"    {100 * n / total:5.1f}%  {f}" for f, n in counter.most_common(top)]
    return "\n".join(lines)


async def _spy(pid: int, seconds: float, out: Path) -> asyncio.subprocess.Process:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return await asyncio.create_subprocess_exec(
        *(spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "250"),
        *("--format", "raw", "--output", str(out), "--nonblocking"),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def profile(
    bootstrap: str, workload: str, concurrency: int, seconds: float, tuning: Tuning
) -> list[Path]:
    config = tuning.apply(KafkaConfig(bootstrap_servers=bootstrap, partitions=4))
    agent = f"bench-{uuid.uuid4().hex[:8]}"
    server = await start_server("kafka", name=agent, bootstrap=bootstrap, tuning=tuning)
    OUT.mkdir(parents=True, exist_ok=True)
    paths = [OUT / f"{workload}-c{concurrency}-{who}.txt" for who in ("client", "server")]
    try:
        async with kafka_system(config, agent) as system:
            payload = "x" * 1024
            await closed_loop(lambda: system.send(payload), 1, 1.0)  # warm up

            def one() -> Awaitable[object]:
                return system.stream(20) if workload == "stream" else system.send(payload)

            spies = [
                await _spy(pid, seconds, p)
                for pid, p in zip((os.getpid(), server.ps.pid), paths, strict=True)
            ]
            await closed_loop(one, concurrency, seconds + 1)
            for spy in spies:
                await spy.wait()
    finally:
        await server.stop()
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument(
        "--bootstrap-servers", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    )
    parser.add_argument("--workload", choices=("send", "stream"), default="send")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--tuning", choices=sorted(PRESETS), default="default")
    args = parser.parse_args(argv)
    paths = asyncio.run(
        profile(
            args.bootstrap_servers,
            args.workload,
            args.concurrency,
            args.seconds,
            PRESETS[args.tuning],
        )
    )
    for path in paths:
        print(summarise(path, args.top))


if __name__ == "__main__":
    main()
