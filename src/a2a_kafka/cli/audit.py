"""``a2a-kafka audit <agent>``: every request the agent received, read back from Kafka."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import asdict

from a2a_kafka.cli.common import Subparsers, cluster_config


def register(subparsers: Subparsers) -> None:
    """Add ``audit``."""
    parser = subparsers.add_parser(
        "audit", help="list the requests an agent received (Kafka keeps them)"
    )
    parser.add_argument("agent", help="the agent's name")
    parser.add_argument(
        "--since", type=float, metavar="MINUTES", help="only the last MINUTES minutes"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.set_defaults(handler=_audit)


async def _audit(args: argparse.Namespace) -> int:
    from a2a_kafka.audit import read_requests

    config = await cluster_config()
    since = None
    if args.since is not None:
        since = int((dt.datetime.now(dt.UTC).timestamp() - args.since * 60) * 1000)
    count = 0
    async for entry in read_requests(config, args.agent, since):
        count += 1
        if args.json:
            print(json.dumps(asdict(entry), ensure_ascii=False), flush=True)
            continue
        when = dt.datetime.fromtimestamp(entry.timestamp_ms / 1000).strftime("%Y-%m-%d %H:%M:%S")
        what = (entry.problem and f"MALFORMED: {entry.problem}") or entry.text
        print(f"{when}  p{entry.partition}@{entry.offset:<6} {entry.method:<22} {what[:80]}")
    if not args.json:
        print(f"{count} request(s)")
    return 0
