"""``python -m bench.trace``: where one Kafka round trip's time goes, segment by segment.

Library functions on the request's path are wrapped (client and server) to
stamp `time.perf_counter()`, a clock that is the same for every process of
the machine (CLOCK_MONOTONIC), keyed by correlation id. One blocking send at a
time; the median of each segment is printed. A diagnostic: it follows the
library's internal names and breaks when they change.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import functools
import json
import os
import statistics
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from a2a_kafka import KafkaConfig
from bench.paths import RESULTS
from bench.procs import start_server
from bench.systems import kafka_system
from bench.tuning import PRESETS

STAMPS: dict[str, dict[str, float]] = defaultdict(dict)
OUT = RESULTS / "profiles"


def _cid(headers: Any) -> str:
    return next((v.decode() for k, v in headers if k == "a2a-kafka-correlation-id"), "?")


def _stamp_async(
    owner: Any, name: str, cid_of: Callable[..., str], before: str, after: str
) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        cid = cid_of(*args, **kwargs)
        STAMPS[cid][before] = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            STAMPS[cid][after] = time.perf_counter()

    setattr(owner, name, wrapped)


def install_server() -> None:
    """Server-side stamps, written to ``$BENCH_TRACE`` at exit."""
    from a2a_kafka.server import handler, replies, requests, router

    spawn = handler.KafkaConsumerHandler._spawn

    def _spawn(self: Any, tp: Any, record: Any) -> None:
        STAMPS[_cid(record.headers)]["s_fetched"] = time.perf_counter()
        spawn(self, tp, record)

    handler.KafkaConsumerHandler._spawn = _spawn  # type: ignore[method-assign]
    _stamp_async(
        requests.RequestProcessor, "process", lambda self, r: _cid(r.headers), "s_start", "s_done"
    )
    _stamp_async(
        requests.RequestProcessor, "_unary", lambda self, c, r, k: r.cid, "s_unary", "s_replied"
    )
    enqueue = replies.ReplySender.enqueue

    async def _enqueue(self: Any, to: Any, cid: str, reply: Any) -> Any:
        delivery = await enqueue(self, to, cid, reply)
        STAMPS[cid][f"s_enqueued{reply.sequence}"] = time.perf_counter()
        return delivery

    replies.ReplySender.enqueue = _enqueue  # type: ignore[method-assign]
    original = router.unary

    async def unary(handler_: Any, call: Any) -> Any:
        cid = str(call.request_id)
        STAMPS[cid]["s_handler"] = time.perf_counter()
        try:
            return await original(handler_, call)
        finally:
            STAMPS[cid]["s_handled"] = time.perf_counter()

    setattr(router, "unary", unary)  # noqa: B010 (a module global, patched)
    path = os.environ["BENCH_TRACE"]
    atexit.register(lambda: Path(path).write_text(json.dumps(STAMPS)))


def install_client() -> None:
    """Client-side stamps, kept in `STAMPS`."""
    from a2a_kafka.client import replies, requester

    _stamp_async(
        requester.Requester, "_send", lambda self, t, m, p, cid, *a: cid, "c_send", "c_acked"
    )
    route = replies.ReplyRouter._route

    def _route(self: Any, headers: Any, value: Any) -> None:
        sequence = next((v.decode() for k, v in headers if k == "a2a-kafka-seq"), "0")
        STAMPS[_cid(headers)][f"c_reply{sequence}"] = time.perf_counter()
        route(self, headers, value)

    replies.ReplyRouter._route = _route  # type: ignore[method-assign]


STREAM_SEGMENTS = [
    ("client: a2a Client + encode, until produce", "c_start", "c_send"),
    ("request: produce → server fetched it", "c_send", "s_fetched"),
    ("server: fetched → first event enqueued", "s_fetched", "s_enqueued0"),
    ("first event: enqueued → client consumer has it", "s_enqueued0", "c_reply0"),
    ("server: first → last (19th) event enqueued", "s_enqueued0", "s_enqueued19"),
    ("last event: enqueued → client consumer has it", "s_enqueued19", "c_reply19"),
    ("client: last event received → stream ends", "c_reply19", "c_end"),
    ("total: start → stream ends", "c_start", "c_end"),
]

SEGMENTS = [
    ("client: a2a Client + encode, until produce", "c_start", "c_send"),
    ("request: produce → server fetched it", "c_send", "s_fetched"),
    ("server: fetched → task runs", "s_fetched", "s_start"),
    ("server: headers, parse, dedupe claim", "s_start", "s_handler"),
    ("server: a2a handler (router.unary)", "s_handler", "s_handled"),
    ("server: dedupe record, encode, enqueue", "s_handled", "s_enqueued0"),
    ("reply: enqueued → client consumer has it", "s_enqueued0", "c_reply0"),
    ("client: decode, route, a2a Client", "c_reply0", "c_end"),
    ("(client: request acked by broker)", "c_send", "c_acked"),
    ("(server: reply acked by broker)", "s_enqueued0", "s_replied"),
    ("total round trip", "c_start", "c_end"),
]


async def trace(
    bootstrap: str, count: int, tuning_name: str, experiments: list[str], stream: bool
) -> list[tuple[str, float]]:
    tuning = PRESETS[tuning_name].with_experiments([*experiments, "trace"])
    agent, path = f"bench-trace-{uuid.uuid4().hex[:6]}", OUT / "trace-server.json"
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["BENCH_TRACE"] = str(path)
    install_client()
    server = await start_server("kafka", name=agent, bootstrap=bootstrap, tuning=tuning)
    try:
        config = tuning.apply(KafkaConfig(bootstrap_servers=bootstrap, partitions=4))
        async with kafka_system(config, agent) as system:
            payload = "x" * 1024

            async def one() -> object:
                return await (system.stream(20) if stream else system.send(payload))

            for _ in range(50):
                await one()
            STAMPS.clear()
            ends: list[tuple[float, float]] = []
            for _ in range(count):
                started = time.perf_counter()
                await one()
                ends.append((started, time.perf_counter()))
    finally:
        await server.stop()
    server_stamps = json.loads(path.read_text())
    rows = []
    for (started, ended), (cid, stamps) in zip(ends, list(STAMPS.items()), strict=True):
        rows.append({**stamps, **server_stamps.get(cid, {}), "c_start": started, "c_end": ended})
    return [
        (label, statistics.median((r[b] - r[a]) * 1000 for r in rows))
        for label, a, b in (STREAM_SEGMENTS if stream else SEGMENTS)
        if all(a in r and b in r for r in rows)
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.trace", description=__doc__)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--stream", action="store_true", help="streams of 20 events")
    parser.add_argument("--tuning", choices=sorted(PRESETS), default="default")
    parser.add_argument("--experiment", action="append", default=[], help="server-side only")
    parser.add_argument(
        "--bootstrap-servers", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    )
    args = parser.parse_args(argv)
    for label, ms in asyncio.run(
        trace(args.bootstrap_servers, args.count, args.tuning, args.experiment, args.stream)
    ):
        print(f"{label:<46} {ms:7.3f} ms (median)")


if __name__ == "__main__":
    main()
