"""``a2a-kafka serve TARGET...``: serve any agent until SIGTERM or Ctrl-C.

TARGET is ``MODULE:ATTR`` (a `RequestHandler`, or a factory returning one with its card;
see `a2a_kafka.serving`), the name of an agent an installed package registers (the demo's
``data``, ``cs``, ``balance``), or ``all`` of those.

``--transport kafka`` (default) serves each agent from its request topic in the consumer
group ``a2a.agent.<name>``: start the same command on several machines to scale out.
``both`` also serves the same request handler over HTTP JSON-RPC (``--port``, one port per
agent, counting up); ``http`` serves over HTTP only. On SIGTERM, in-flight requests finish
before the process leaves its group. HTTP needs the extra ``a2a-kafka[http]``.
``--max-in-flight N`` bounds the requests each agent runs at once in this process
(default 64): beyond, fetching pauses until one finishes.

``--workers N`` (like uvicorn's) runs N processes of the same command on this machine,
each a member of every served agent's consumer group, so one machine uses all its
cores: this process supervises them (`a2a_kafka.cli.workers`), relays their output
prefixed ``[worker i]``, says ``serving`` once all of them do, forwards SIGTERM / Ctrl-C
to them, and restarts a worker that dies after it served. Workers need the shared
task state (not ``--state memory``) and ``--transport kafka`` (one HTTP port cannot be
served by N processes); worker i (from 0) serves ``--metrics-port`` P on P+i (0: each
worker a free port of its own). Each worker is one instance: beyond the request topic's
partitions, workers wait idle.

Every instance of an agent shares its task state (tasks, dedupe claims), so any
instance answers every task operation and nothing runs twice: by default a SQLite
file in the agent's state folder, which every process on this machine shares;
across machines ``--state postgresql://...`` (or ``A2A_KAFKA_STATE_URL``), the same
on every instance. See `a2a_kafka.cluster.database`. This needs the extra
``a2a-kafka[sqlite]`` (or ``[postgresql]``); ``--state memory`` keeps each process's
tasks in its own memory instead (one instance per agent; no extra). ``--transport
http`` always uses memory.

With ``A2A_KAFKA_AUTH_*`` set (`a2a_kafka.auth.AuthPolicy.from_env`) callers must
authenticate (Kafka only); the agents' own calls to each other send
``A2A_KAFKA_BEARER_TOKEN`` / ``A2A_KAFKA_API_KEY`` (`a2a_kafka.auth.StaticCredentials.from_env`).
Cards are signed with ``A2A_KAFKA_CARD_SIGNING_KEY_FILE`` and checked with
``A2A_KAFKA_CARD_KEYS_FILE`` (`a2a_kafka.auth.cards`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from a2a_kafka.cli.common import Subparsers

if TYPE_CHECKING:
    from a2a.server.request_handlers.request_handler import RequestHandler
    from a2a.types.a2a_pb2 import AgentCard, AgentInterface

    from a2a_kafka.auth.cards import CardSigner
    from a2a_kafka.auth.policy import AuthPolicy
    from a2a_kafka.config import KafkaConfig
    from a2a_kafka.errors import BrokerError
    from a2a_kafka.server.run import Service
    from a2a_kafka.serving import AgentState, CardResolver, ClientMaker, Target
    from a2a_kafka.telemetry.metrics import MetricsEndpoint

STATE_URL_ENV = "A2A_KAFKA_STATE_URL"
"""`a2a_kafka.cluster.database.STATE_URL_ENV` (that module needs SQLAlchemy)."""
MEMORY = "memory"
"""``--state memory``: tasks and claims in this process's memory (`MemoryState`)."""


def register(subparsers: Subparsers) -> None:
    """Add ``serve``."""
    parser = subparsers.add_parser(
        "serve",
        help="serve agents (MODULE:ATTR, or an installed agent's name) until stopped",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "agents",
        nargs="+",
        metavar="TARGET",
        help="MODULE:ATTR, a registered agent's name, or all (every registered agent)",
    )
    parser.add_argument(
        "--name", help="serve under this agent name (default: the entry point's, or ATTR)"
    )
    parser.add_argument(
        "--app-dir", type=Path, help="where MODULE is (default: the current directory)"
    )
    parser.add_argument(
        "--transport", choices=["kafka", "http", "both"], default="kafka", help="how to serve"
    )
    parser.add_argument("--port", type=int, default=8000, help="first HTTP port (http, both)")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP interface (http, both)")
    parser.add_argument(
        "--metrics-port",
        type=int,
        metavar="PORT",
        help="serve Prometheus metrics on PORT (/metrics; needs the telemetry extra); with "
        "--workers N, worker i (from 0) serves PORT+i (0: any free port)",
    )
    parser.add_argument("--metrics-host", default="0.0.0.0", help="interface of --metrics-port")
    parser.add_argument(
        "--max-in-flight",
        type=int,
        default=64,
        metavar="N",
        help="requests each agent runs at once in this process; beyond, fetching pauses "
        "(default: 64)",
    )
    parser.add_argument(
        "--state",
        metavar="URL",
        help=f"the task state every instance shares: postgresql://user:pw@host/db across "
        f"machines, or a SQLite file path (default: ${STATE_URL_ENV}, else the agent's file "
        f"in the state folder, shared by the processes of this machine); {MEMORY}: this "
        "process's memory (one instance per agent; needs no extra)",
    )
    parser.add_argument(
        "--workers",
        type=_at_least_one,
        default=1,
        metavar="N",
        help="run N worker processes of this command on this machine, all in the agents' "
        "consumer groups (default: 1, this process; needs --transport kafka and the shared "
        "state)",
    )
    parser.set_defaults(handler=_serve)


def _at_least_one(text: str) -> int:
    """An argparse ``type``: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


async def _serve(args: argparse.Namespace) -> int:
    if args.workers > 1:
        return await _supervise(args)
    from a2a_kafka.cli.workers import stop_with_supervisor

    stop_with_supervisor()  # a worker of --workers stops when its supervisor is gone
    from a2a_kafka.auth import AuthPolicy
    from a2a_kafka.auth.cards import signer_from_env
    from a2a_kafka.errors import ConfigurationError
    from a2a_kafka.server.run import serve_until_signal
    from a2a_kafka.serving import registered_agents, resolve

    auth = AuthPolicy.from_env()  # A2A_KAFKA_AUTH_*: callers must authenticate
    if auth is not None and args.transport != "kafka":
        print("error: A2A_KAFKA_AUTH_* is enforced on Kafka only; use --transport kafka")
        return 2
    texts = sorted(registered_agents()) if args.agents == ["all"] else args.agents
    if not texts:
        raise ConfigurationError("no agents are registered (install one, or give MODULE:ATTR)")
    if args.name and len(texts) > 1:
        raise ConfigurationError("--name names one agent: give one TARGET with it")
    targets = [resolve(text, args.name, args.app_dir) for text in texts]
    security = _Security(auth, signer_from_env())
    async with contextlib.AsyncExitStack() as stack:
        config, factory, resolve_card = await stack.enter_async_context(_clients(args.transport))
        services: list[Service] = []
        for offset, target in enumerate(targets):
            state = await stack.enter_async_context(_agent_state(args, config, target.name))
            http = (
                [_http_interface(args.host, args.port + offset)]
                if args.transport != "kafka"
                else []
            )
            services.extend(
                await _agent(
                    args, target, state, config, http, factory, resolve_card, offset, security
                )
            )
        if args.metrics_port is not None:
            services.append(_metrics(args, config, services))
        await serve_until_signal(services, on_started=_say_serving)
    return 0


async def _supervise(args: argparse.Namespace) -> int:
    """``--workers N``: N processes of this command line with ``--workers 1``."""
    from a2a_kafka.cli.workers import supervise

    if (conflict := _workers_conflict(args)) is not None:
        print(f"error: --workers {args.workers}: {conflict}", file=sys.stderr)
        return 2
    words = list(args.argv)
    end = words.index("--") if "--" in words else len(words)  # options go before a "--"

    def command(worker: int) -> list[str]:
        options = ["--workers", "1"]  # the last occurrence of an option wins
        if args.metrics_port:  # 0, any free port, stays 0
            options += ["--metrics-port", str(args.metrics_port + worker)]
        # -P: the current directory is not put first on sys.path (as in `a2a-kafka`)
        main = [sys.executable, "-P", "-m", "a2a_kafka.cli.main"]
        return [*main, *words[:end], *options, *words[end:]]

    return await supervise([command(worker) for worker in range(args.workers)])


def _workers_conflict(args: argparse.Namespace) -> str | None:
    """Why N worker processes cannot serve ``args``, and what to use instead (or None)."""
    if args.transport != "kafka":
        return (
            f"--transport {args.transport} serves HTTP on one port, which N processes cannot "
            "share; use --transport kafka with --workers, or one `serve --transport "
            f"{args.transport}` process per port behind a load balancer"
        )
    if (args.state or os.environ.get(STATE_URL_ENV)) == MEMORY:
        return (
            f"with --state {MEMORY} each worker would keep its own tasks, and task operations "
            "(get, cancel, resubscribe) would fail on the other workers; use the default "
            "state (a SQLite file every process of this machine shares) or --state "
            "postgresql://..., or serve with --workers 1"
        )
    return None


@contextlib.asynccontextmanager
async def _agent_state(
    args: argparse.Namespace, config: KafkaConfig, agent: str
) -> AsyncIterator[AgentState]:
    """Where ``agent``'s tasks and dedupe claims live (see the module docstring).

    By default an opened `a2a_kafka.SharedTaskState` (``--state``, ``A2A_KAFKA_STATE_URL``,
    else the agent's SQLite file); `a2a_kafka.serving.MemoryState` for ``--state memory``
    and ``--transport http`` (no Kafka to carry task events). Both have the same two
    methods (`a2a_kafka.serving.AgentState`).
    """
    from a2a_kafka.serving import MemoryState

    chosen = args.state or os.environ.get(STATE_URL_ENV)
    if chosen == MEMORY or args.transport == "http":
        yield MemoryState(config, agent)
        return
    try:
        from a2a_kafka.cluster import SharedTaskState
    except ModuleNotFoundError as exc:  # SQLAlchemy: the sqlite / postgresql extras
        from a2a_kafka.errors import ConfigurationError

        raise ConfigurationError(
            f"the shared task state needs {exc.name}: pip install 'a2a-kafka[sqlite]' "
            "(one machine) or 'a2a-kafka[postgresql]'; or serve with --state memory "
            "(tasks in this process only, one instance per agent)"
        ) from exc
    async with SharedTaskState.open(config, agent, args.state) as state:
        yield state


_served_cards: dict[str, AgentCard] = {}
"""Cards of the agents this process serves over HTTP only, for their peers to find."""


@contextlib.asynccontextmanager
async def _clients(
    transport: str,
) -> AsyncIterator[tuple[KafkaConfig, ClientMaker, CardResolver]]:
    """The cluster, and how the served agents reach other agents."""
    from a2a.client.client import ClientConfig
    from a2a.client.client_factory import ClientFactory
    from a2a.utils.constants import TransportProtocol

    from a2a_kafka.auth.cards import caller_options
    from a2a_kafka.cli.common import cluster_config
    from a2a_kafka.client.connect import KafkaClients
    from a2a_kafka.config import KafkaConfig
    from a2a_kafka.errors import AgentNotFoundError

    if transport != "http":  # the agents' own calls send A2A_KAFKA_BEARER_TOKEN / _API_KEY
        async with KafkaClients(await cluster_config(), **caller_options()) as clients:
            yield clients.config, clients, clients.registry.get
        return

    async def served_card(agent: str) -> AgentCard:
        if agent not in _served_cards:
            raise AgentNotFoundError(f"no agent {agent!r} is served here over HTTP")
        return _served_cards[agent]

    bindings: list[str] = [TransportProtocol.JSONRPC]
    factory = ClientFactory(ClientConfig(streaming=True, supported_protocol_bindings=bindings))
    yield KafkaConfig.from_env(), factory, served_card


async def _agent(
    args: argparse.Namespace,
    target: Target,
    state: AgentState,
    config: KafkaConfig,
    http: list[AgentInterface],
    factory: ClientMaker,
    resolve_card: CardResolver,
    offset: int,
    security: _Security,
) -> list[Service]:
    """The services of one target: its Kafka consumer and/or its HTTP server."""
    from a2a_kafka.registry import kafka_interface, with_kafka_interface
    from a2a_kafka.serving import ServeContext

    kafka = [kafka_interface(config, target.name)] if args.transport != "http" else []
    interfaces = (*kafka, *http)
    context = ServeContext(
        target.name, config, interfaces, factory, resolve_card, state, security.auth
    )
    handler, card = await target.build(context)
    services: list[Service] = []
    if args.transport != "http":
        card = context.secured(with_kafka_interface(card, config, target.name))
        services.append(_Consumer(state, handler, card, security, args.max_in_flight))
    else:
        _served_cards[target.name] = card
    if http:
        only_http = args.transport == "http"
        services.append(_http_server(handler, card, args.host, args.port + offset, only_http))
    for interface in card.supported_interfaces:
        print(f"{target.name:8} {interface.url}", flush=True)
    if url := getattr(state, "url", ""):  # a SharedTaskState: where, and its fingerprint
        fingerprint = getattr(state, "fingerprint", "")
        print(f"{target.name:8} state {_shown(url)} ({fingerprint})", flush=True)
    return services


class _Security(NamedTuple):
    """Whom the served agents accept (``A2A_KAFKA_AUTH_*``), how their cards are signed."""

    auth: AuthPolicy | None
    card_signer: CardSigner | None


class _Consumer:
    """The agent's `KafkaConsumerHandler`; closing it also closes the request handler.

    ``max_in_flight``: ``--max-in-flight``, the handler's bound on running requests.
    """

    def __init__(
        self,
        state: AgentState,
        handler: RequestHandler,
        card: AgentCard,
        security: _Security,
        max_in_flight: int,
    ) -> None:
        self.request_handler = handler
        self.consumer = state.consumer_handler(
            handler,
            agent_card=card,
            auth=security.auth,
            card_signer=security.card_signer,
            max_in_flight=max_in_flight,
        )

    async def start(self) -> None:
        await self.consumer.start()

    async def wait_failed(self) -> BrokerError:
        """Returns when the consumer gives up (`serve_until_signal` then exits non-zero)."""
        return await self.consumer.wait_failed()

    async def aclose(self) -> None:
        await self.consumer.aclose()
        aclose = getattr(self.request_handler, "aclose", None)
        if aclose is not None:
            await aclose()


def _http_interface(host: str, port: int) -> AgentInterface:
    from a2a_kafka.http_server import jsonrpc_interface

    shown = f"[{host}]" if ":" in host else host
    return jsonrpc_interface(f"http://{shown}:{port}/")


def _http_server(
    handler: RequestHandler, card: AgentCard, host: str, port: int, owns_handler: bool
) -> Service:
    """The request handler served over HTTP JSON-RPC (closing it when nothing else does)."""
    from a2a_kafka.http_server import AppServer, jsonrpc_app

    return AppServer(jsonrpc_app(handler, card, close_handler=owns_handler), host, port)


def _say_serving() -> None:
    print("serving; stop with Ctrl-C or SIGTERM (in-flight requests finish first)", flush=True)


def _metrics(
    args: argparse.Namespace, config: KafkaConfig, services: list[Service]
) -> MetricsEndpoint:
    """``/metrics`` of the agents this process serves over Kafka (the telemetry extra)."""
    from a2a_kafka.telemetry.metrics import MetricsEndpoint

    handlers = [s.consumer for s in services if isinstance(s, _Consumer)]
    endpoint = MetricsEndpoint(config, args.metrics_port, args.metrics_host, handlers)
    print(f"metrics  http://{args.metrics_host}:{args.metrics_port}/metrics", flush=True)
    return endpoint


def _shown(url: str) -> str:
    """``url`` without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
