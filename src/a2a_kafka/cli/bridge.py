"""``a2a-kafka bridge <name> <url>``: an HTTP-only A2A agent on Kafka, until SIGTERM.

Kafka callers reach the agent at ``<url>`` as agent ``<name>`` (its card is published to
the registry with a Kafka interface). Run several for more throughput or availability:
they share the name's requests through the consumer group. See `a2a_kafka.gateway.bridge`.
"""

from __future__ import annotations

import argparse

from a2a_kafka.cli.common import Subparsers, cluster_config
from a2a_kafka.server.run import serve_until_signal


def register(subparsers: Subparsers) -> None:
    """Add ``bridge``."""
    parser = subparsers.add_parser(
        "bridge", help="serve an HTTP-only A2A agent on Kafka under a name"
    )
    parser.add_argument("name", help="the agent's name on the cluster")
    parser.add_argument("url", help="the agent's base URL (where its agent card is)")
    parser.set_defaults(handler=_bridge)


async def _bridge(args: argparse.Namespace) -> int:
    from a2a_kafka.gateway.bridge import Bridge  # httpx and a2a's HTTP clients: only here

    config = await cluster_config()
    bridge = Bridge(args.name, args.url, config)

    def started() -> None:
        print(f"bridge {args.name} -> {args.url} on {config.bootstrap_servers}")
        print("serving; stop with Ctrl-C or SIGTERM (in-flight requests finish first)", flush=True)

    await serve_until_signal([bridge], on_started=started)
    return 0
