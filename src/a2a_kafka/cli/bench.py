"""``a2a-kafka bench``: the benchmarks, from a source checkout.

The benchmark code lives in the top-level ``bench/`` package of the source
tree, not in the installed library; this module finds it next to ``src/`` (or
on ``sys.path``) and hands over to ``bench.cli``. Outside a checkout the
subcommand is still listed, and says how to get one.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from types import ModuleType

from a2a_kafka.cli.common import Subparsers
from a2a_kafka.errors import ConfigurationError

CHECKOUT = Path(__file__).resolve().parents[3]
"""The source tree this module would be in: ``<checkout>/src/a2a_kafka/cli/bench.py``."""

HELP = "benchmark A2A over Kafka against HTTP and raw Kafka (source checkout only)"


def _bench_cli() -> ModuleType | None:
    """``bench.cli`` from the checkout, or None when there is no checkout."""
    if (CHECKOUT / "bench" / "cli.py").is_file() and str(CHECKOUT) not in sys.path:
        sys.path.append(str(CHECKOUT))
    try:
        return importlib.import_module("bench.cli")
    except ModuleNotFoundError as exc:
        if exc.name not in ("bench", "bench.cli"):
            raise
        return None


def register(subparsers: Subparsers) -> None:
    """Add ``bench``."""
    cli = _bench_cli()
    parser = subparsers.add_parser("bench", help=HELP, description=cli.DESCRIPTION if cli else HELP)
    if cli is None:
        parser.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
        parser.set_defaults(handler=_no_checkout)
        return
    cli.add_arguments(parser)
    parser.set_defaults(handler=cli.run)


def _no_checkout(args: argparse.Namespace) -> int:
    raise ConfigurationError(
        "a2a-kafka bench runs from a source checkout of a2a-kafka (the bench/ package is not "
        "installed with the library): clone the repository, `pip install -e '.[dev]'` in it, "
        "and run `a2a-kafka bench` (or `python -m bench`) there"
    )
