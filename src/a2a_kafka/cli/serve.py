"""``a2a-kafka serve <agent>``: run game-balance agents until SIGTERM or Ctrl-C.

``--transport kafka`` (default) serves each agent from its request topic in
the consumer group ``a2a.agent.<name>``: start the same command on several
machines to scale out. ``both`` also serves the same request handler over HTTP
JSON-RPC (``--port``); ``http`` serves all three agents over HTTP only. On
SIGTERM, in-flight requests finish before the process leaves its group.

With ``A2A_KAFKA_AUTH_*`` set (`a2a_kafka.auth.AuthPolicy.from_env`) callers must
authenticate; the agents' own calls to each other send ``A2A_KAFKA_BEARER_TOKEN`` /
``A2A_KAFKA_API_KEY`` (`a2a_kafka.auth.StaticCredentials.from_env`). Cards are signed
with ``A2A_KAFKA_CARD_SIGNING_KEY_FILE`` and checked with ``A2A_KAFKA_CARD_KEYS_FILE``
(`a2a_kafka.auth.cards`).

Every instance of an agent shares its task state (tasks, dedupe claims), so any
instance answers every task operation and nothing runs twice: by default a SQLite
file in the agent's state folder, which every process on this machine shares;
across machines ``--state postgresql://...`` (or ``A2A_KAFKA_STATE_URL``), the same
on every instance. See `a2a_kafka.cluster.database`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import Sequence

from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from starlette.applications import Starlette

from a2a_kafka.auth import AuthPolicy
from a2a_kafka.auth.cards import caller_options, signer_from_env
from a2a_kafka.cli.common import Subparsers, cluster_config
from a2a_kafka.client.connect import KafkaClients
from a2a_kafka.cluster import SharedTaskState
from a2a_kafka.cluster.database import STATE_URL_ENV
from a2a_kafka.config import KafkaConfig
from a2a_kafka.server.run import serve_until_signal
from a2a_kafka.telemetry.metrics import MetricsEndpoint
from game_balance.agents import build_executor
from game_balance.data import GameData
from game_balance.serve_http import AppServer, jsonrpc_interface, run_http_agents
from game_balance.serve_kafka import KafkaAgentServer, kafka_connector

AGENTS = ("data", "cs", "balance")


def register(subparsers: Subparsers) -> None:
    """Add ``serve``."""
    parser = subparsers.add_parser("serve", help="run game-balance agents until stopped")
    parser.add_argument("agent", choices=[*AGENTS, "all"], help="which agent (or all three)")
    parser.add_argument(
        "--transport", choices=["kafka", "http", "both"], default="kafka", help="how to serve"
    )
    parser.add_argument("--port", type=int, default=8000, help="first HTTP port (http, both)")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP interface (http, both)")
    parser.add_argument(
        "--metrics-port",
        type=int,
        metavar="PORT",
        help="serve Prometheus metrics on PORT (/metrics; needs the telemetry extra)",
    )
    parser.add_argument("--metrics-host", default="0.0.0.0", help="interface of --metrics-port")
    parser.add_argument(
        "--state",
        metavar="URL",
        help=f"the task state every instance shares: postgresql://user:pw@host/db across "
        f"machines, or a SQLite file path (default: ${STATE_URL_ENV}, else the agent's file "
        "in the state folder, shared by the processes of this machine)",
    )
    parser.set_defaults(handler=_serve)


async def _serve(args: argparse.Namespace) -> int:
    names = AGENTS if args.agent == "all" else (args.agent,)
    auth = AuthPolicy.from_env()  # A2A_KAFKA_AUTH_*: callers must authenticate
    if auth is not None and args.transport != "kafka":
        print("error: A2A_KAFKA_AUTH_* is enforced on Kafka only; use --transport kafka")
        return 2
    data = await asyncio.to_thread(GameData.open)
    if args.transport == "http":
        return await _serve_http(args, names, data)
    config = await cluster_config()

    async with contextlib.AsyncExitStack() as stack:
        clients = KafkaClients(config, **caller_options())
        connector = kafka_connector(await stack.enter_async_context(clients))
        services: list[KafkaAgentServer | AppServer | MetricsEndpoint] = []
        for offset, name in enumerate(names):
            url = f"http://{args.host}:{args.port + offset}/"
            http = [jsonrpc_interface(url)] if args.transport == "both" else []
            state = await stack.enter_async_context(SharedTaskState.open(config, name, args.state))
            server = KafkaAgentServer(
                name,
                build_executor(name, data, connector),
                state,
                also_at=http,
                auth=auth,
                card_signer=signer_from_env(),
            )
            services.append(server)
            if http:
                services.append(_http(server, args.host, args.port + offset))
            for interface in server.card.supported_interfaces:
                print(f"{name:8} {interface.url}", flush=True)
            print(f"{name:8} state {_shown(state.url)} ({state.fingerprint})", flush=True)
        if args.metrics_port is not None:
            services.append(_metrics(args, config, services))
        await serve_until_signal(services, on_started=_say_serving)
    return 0


async def _serve_http(args: argparse.Namespace, names: tuple[str, ...], data: GameData) -> int:
    if names != AGENTS:
        print("error: --transport http serves all three agents together (use `serve all`)")
        return 2
    async with run_http_agents(data, args.host) as urls:
        for name, url in urls.items():
            print(f"{name:8} {url}", flush=True)
        await serve_until_signal([], on_started=_say_serving)
    return 0


def _say_serving() -> None:
    print("serving; stop with Ctrl-C or SIGTERM (in-flight requests finish first)", flush=True)


def _metrics(
    args: argparse.Namespace, config: KafkaConfig, services: Sequence[object]
) -> MetricsEndpoint:
    handlers = [s.handler for s in services if isinstance(s, KafkaAgentServer)]
    endpoint = MetricsEndpoint(config, args.metrics_port, args.metrics_host, handlers)
    print(f"metrics  http://{args.metrics_host}:{args.metrics_port}/metrics", flush=True)
    return endpoint


def _http(server: KafkaAgentServer, host: str, port: int) -> AppServer:
    """The Kafka server's own request handler, also served over HTTP JSON-RPC."""
    routes = [
        *create_agent_card_routes(server.card),
        *create_jsonrpc_routes(server.request_handler, "/"),
    ]
    return AppServer(Starlette(routes=routes), host, port)


def _shown(url: str) -> str:
    """``url`` without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
