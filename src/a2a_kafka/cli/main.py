"""``a2a-kafka``: the command-line entry point.

Subcommands live in their own modules, named in `COMMANDS`; other packages add
theirs through entry points (`a2a_kafka.cli.plugin`; the demo adds ``demo`` and
``gui``). Only the module of the command that runs is imported (the built-in ones
for ``--help``, none for ``--version``), and command modules import their heavy
dependencies inside their handlers: see `a2a_kafka.cli.common` for the contract.

Exit codes: 0 success, 1 failure (printed as one ``error: ...`` line, with a
traceback only under ``--debug``), 2 usage error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from a2a_kafka.cli.common import COMMANDS_GROUP, Subparsers

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

COMMANDS = {
    "broker": "broker",
    "topics": "topics",
    "agents": "agents",
    "status": "status",
    "dlq": "dlq",
    "acls": "acls",
    "serve": "serve",
    "gateway": "gateway",
    "bridge": "bridge",
    "send": "talk",
    "chat": "talk",
    "audit": "audit",
    "trace": "history",
    "replay": "history",
    "tail": "history",
    "bench": "bench",
}
"""Command → the module of `a2a_kafka.cli` that registers it, in help order."""


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser, with the subcommands ``argv`` may need registered.

    Every built-in command unless ``argv`` names one, then only that one; none for a bare
    ``--version``. Commands of other packages (`COMMANDS_GROUP` entry points) are loaded
    only when ``argv`` names them; otherwise they are listed by name and package, so that
    ``--help`` imports no other package.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="a2a-kafka",
        description="The A2A (Agent2Agent) protocol over Apache Kafka.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    parser.add_argument(
        "--log-format",
        choices=["text", "json"],
        help="log lines as text or JSON objects (default: $A2A_KAFKA_LOG_FORMAT, else text)",
    )
    subparsers = parser.add_subparsers(title="commands", metavar="<command>")
    wanted = next((w for w in words if not w.startswith("-")), None)
    if wanted is None and "--version" in words:
        return parser
    from importlib.metadata import entry_points

    plugins = {ep.name: ep for ep in entry_points(group=COMMANDS_GROUP) if ep.name not in COMMANDS}
    for register in _registrations(wanted, plugins):
        register(subparsers)
    return parser


def _registrations(
    wanted: str | None, plugins: dict[str, EntryPoint]
) -> list[Callable[[Subparsers], None]]:
    """The ``register`` functions to call: ``wanted``'s, or all when it is None or unknown."""
    if wanted in COMMANDS:
        return [importlib.import_module(f"a2a_kafka.cli.{COMMANDS[wanted]}").register]
    if wanted in plugins:
        return [plugins[wanted].load()]
    modules = dict.fromkeys(COMMANDS.values())
    built_in = [importlib.import_module(f"a2a_kafka.cli.{m}").register for m in modules]
    return [*built_in, *(_listing(ep) for _, ep in sorted(plugins.items()))]


def _listing(entry_point: EntryPoint) -> Callable[[Subparsers], None]:
    """Lists another package's command in ``--help`` without importing that package."""
    package = entry_point.dist.name if entry_point.dist is not None else entry_point.module

    def register(subparsers: Subparsers) -> None:
        help_text = f"(from {package}: a2a-kafka {entry_point.name} --help)"
        subparsers.add_parser(entry_point.name, help=help_text)

    return register


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return (and, as a script, exit with) the exit code."""
    parser = build_parser(argv)
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "passes_arguments_on", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    args.argv = list(sys.argv[1:] if argv is None else argv)  # serve --workers re-runs it
    import asyncio  # after parsing: --help and --version need neither asyncio nor a2a
    import inspect

    from a2a_kafka.errors import A2AKafkaError

    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    _configure_logging(args.debug, args.log_format)
    from a2a_kafka.telemetry import tracing

    tracing.configure_from_env()  # OTEL_TRACES_EXPORTER=otlp|console; nothing by default
    try:
        result = handler(args)
        return int(asyncio.run(_await(result)) if inspect.isawaitable(result) else result)
    except A2AKafkaError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `a2a-kafka demo | head`: stop writing, quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _configure_logging(debug: bool, fmt: str | None) -> None:
    """Warnings to stderr (as text or JSON); aiokafka's own logs only with ``--debug``.

    aiokafka logs retries and connection failures that a2a-kafka handles or
    reports itself as one ``error:`` line.
    """
    import logging

    from a2a_kafka.telemetry import logs

    logs.configure(fmt, logging.DEBUG if debug else logging.WARNING)
    if not debug:
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)


async def _await(result: Awaitable[int]) -> int:
    return await result


def _version() -> str:
    from a2a_kafka import __version__

    return __version__


if __name__ == "__main__":
    sys.exit(main())
