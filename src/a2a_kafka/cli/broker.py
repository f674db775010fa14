"""``a2a-kafka broker start|stop|status``: the local Apache Kafka broker."""

from __future__ import annotations

import argparse
import os

from a2a_kafka.cli.common import Subparsers, local_broker


def register(subparsers: Subparsers) -> None:
    """Add ``broker`` and its ``start``, ``stop`` and ``status`` actions."""
    parser = subparsers.add_parser(
        "broker",
        help="run a local Apache Kafka broker for development",
        description="A single-node Apache Kafka (KRaft) broker on 127.0.0.1, assembled from "
        "Maven Central jars on first start. State lives in .local/kafka (A2A_KAFKA_HOME).",
    )
    actions = parser.add_subparsers(title="actions", metavar="<action>", required=True)
    start = actions.add_parser("start", help="start the broker (no-op when it runs)")
    start.add_argument(
        "--port", type=int, help="broker port (default: A2A_KAFKA_PORT or 9092; controller N+1)"
    )
    start.set_defaults(handler=_start)
    actions.add_parser("stop", help="stop the broker started by `start`").set_defaults(
        handler=_stop
    )
    actions.add_parser(
        "status", help="is the broker running? (exit 0 if it answers, 1 if not)"
    ).set_defaults(handler=_status)


async def _start(args: argparse.Namespace) -> int:
    status = await local_broker(args.port).start()
    if status.started:
        print(f"Apache Kafka {status.version} broker started in {status.elapsed:.1f} s")
    else:
        print(f"Apache Kafka {status.version} broker already running (pid {status.pid}): no-op")
    print(f"  bootstrap servers: {status.bootstrap_servers}")
    print(f"  log: {status.log_file}")
    print("  stop it with: a2a-kafka broker stop")
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        print("  note: KAFKA_BOOTSTRAP_SERVERS is set, so a2a-kafka clients use that cluster")
    return 0


async def _stop(args: argparse.Namespace) -> int:
    broker = local_broker()
    pid = (await broker.status()).pid
    if await broker.stop():
        print(f"stopped the Kafka broker (pid {pid})")
    else:
        print("no local Kafka broker is running: nothing to stop")
    return 0


async def _status(args: argparse.Namespace) -> int:
    status = await local_broker().status()
    if not status.running:
        print("not running (start it with: a2a-kafka broker start)")
        return 1
    state = "answering" if status.answering else "NOT answering"
    print(f"Apache Kafka {status.version} broker running (pid {status.pid}), {state}")
    print(f"  bootstrap servers: {status.bootstrap_servers}")
    print(f"  log: {status.log_file}")
    return 0 if status.answering else 1
