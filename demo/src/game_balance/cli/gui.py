"""``a2a-kafka gui``: the web GUI, with the three game-balance agents, until Ctrl-C.

Uses ``KAFKA_BOOTSTRAP_SERVERS`` when set, else starts (or reuses) the local broker; serves
the Balance, Data and CS agents over Kafka in this process (``--no-agents``: use agents
already running on the cluster, e.g. ``a2a-kafka serve all``), then the page, and prints its
URL. See docs/gui.md.
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from a2a_kafka.cli.plugin import Subparsers

DEFAULT_PORT = 8765


def register(subparsers: Subparsers) -> None:
    """Add ``gui``."""
    parser = subparsers.add_parser(
        "gui", help="web GUI: chat with the agents, see their thinking and the Kafka wire"
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any)"
    )
    parser.add_argument(
        "--no-agents",
        action="store_true",
        help="do not start the agents here: talk to those already running on the cluster",
    )
    parser.add_argument("--data-dir", type=Path, help="folder of the agents' data set")
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="request deadline: seconds to wait for an agent's next event (default 30)",
    )
    parser.set_defaults(handler=_gui)


async def _gui(args: argparse.Namespace) -> int:
    import asyncio

    from a2a_kafka import A2AKafkaError, serve_until_signal
    from game_balance.cli.demo import demo_cluster
    from game_balance.data import GameData
    from game_balance.gui import ChatSettings, run_gui
    from game_balance.serve_kafka import run_kafka_agents

    config = await demo_cluster()
    async with contextlib.AsyncExitStack() as stack:
        if not args.no_agents:
            data = await asyncio.to_thread(GameData.open, args.data_dir)
            servers = await stack.enter_async_context(run_kafka_agents(config, data))
            print(f"agents {', '.join(servers)} serving on {config.bootstrap_servers}", flush=True)
        settings = ChatSettings(idle_timeout=args.timeout)
        try:
            gui = await stack.enter_async_context(
                run_gui(config, host=args.host, port=args.port, settings=settings)
            )
        except OSError as exc:
            raise A2AKafkaError(
                f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}; "
                "choose another port with --port (0 picks a free one)"
            ) from exc
        print(f"GUI: {gui.url}  (stop with Ctrl-C)", flush=True)
        await serve_until_signal([])
    return 0
