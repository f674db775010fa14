"""``a2a-kafka``: the command-line entry point.

Subcommands live in their own modules, named in `SUBCOMMANDS`; a module that
is not there (yet) is skipped. See `a2a_kafka.cli.common` for the contract.

Exit codes: 0 success, 1 failure (printed as one ``error: ...`` line, with a
traceback only under ``--debug``), 2 usage error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import logging
import os
import sys
from collections.abc import Awaitable, Sequence
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType

from a2a_kafka.errors import A2AKafkaError

SUBCOMMANDS = (
    "broker",
    "topics",
    "demo",
    "agents",
    "status",
    "dlq",
    "acls",
    "serve",
    "gateway",
    "bridge",
    "talk",
    "gui",
    "audit",
    "bench",
)
"""Modules of `a2a_kafka.cli` that provide subcommands, in help order."""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every available subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="a2a-kafka",
        description="The A2A (Agent2Agent) protocol over Apache Kafka.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    subparsers = parser.add_subparsers(title="commands", metavar="<command>")
    for name in SUBCOMMANDS:
        module = _optional_module(f"a2a_kafka.cli.{name}")
        if module is not None:
            module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return (and, as a script, exit with) the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    _configure_logging(args.debug)
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


def _configure_logging(debug: bool) -> None:
    """Warnings to stderr; aiokafka's own logs only with ``--debug``.

    aiokafka logs retries and connection failures that a2a-kafka handles or
    reports itself as one ``error:`` line.
    """
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not debug:
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)


async def _await(result: Awaitable[int]) -> int:
    return await result


def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:  # the module exists but something it imports is missing
            raise
        return None


def _version() -> str:
    try:
        return version("a2a-kafka")
    except PackageNotFoundError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
