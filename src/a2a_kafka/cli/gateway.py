"""``a2a-kafka gateway``: A2A over HTTP for every agent on the cluster, until SIGTERM.

Agent ``<name>`` is served at ``http://<host>:<port>/agents/<name>`` (its card at
``.../.well-known/agent-card.json``, JSON-RPC at ``.../``, HTTP+JSON at ``.../rest``).
Gateways keep no state: run several side by side. See `a2a_kafka.gateway.http_gateway`.
"""

from __future__ import annotations

import argparse

from a2a_kafka.cli.common import Subparsers, cluster_config
from a2a_kafka.server.run import serve_until_signal


def register(subparsers: Subparsers) -> None:
    """Add ``gateway``."""
    parser = subparsers.add_parser(
        "gateway", help="serve the cluster's agents over A2A HTTP (JSON-RPC, HTTP+JSON)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind")
    parser.add_argument("--port", type=int, default=8080, help="port to bind (0: any free one)")
    parser.add_argument(
        "--public-url", help="base URL the agent cards advertise (default: http://host:port)"
    )
    parser.add_argument(
        "--card-ttl", type=float, default=30.0, help="seconds a registry card is cached"
    )
    parser.set_defaults(handler=_gateway)


async def _gateway(args: argparse.Namespace) -> int:
    from a2a_kafka.gateway.http_gateway import GatewayServer  # starlette, uvicorn: only here

    config = await cluster_config()
    server = GatewayServer(
        config, args.host, args.port, public_url=args.public_url, card_ttl=args.card_ttl
    )

    def started() -> None:
        print(f"gateway {server.gateway.public_url}/agents/<name> -> {config.bootstrap_servers}")
        print("serving; stop with Ctrl-C or SIGTERM", flush=True)

    await serve_until_signal([server], on_started=started)
    return 0
