"""``a2a-kafka bench``: the benchmarks, from a source checkout.

The benchmark code lives in the top-level ``bench/`` folder of the source tree, not in
the installed library. This command runs the ``bench`` of the checkout this module is in
(``<checkout>/src/a2a_kafka/cli/bench.py``), and only that one: another top-level
``bench`` package on ``sys.path`` is never imported. Outside a checkout the command is
still listed, and says how to get one. Its options are the benchmark's own
(``a2a-kafka bench --help``), parsed when it runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from types import ModuleType

from a2a_kafka.cli.common import Subparsers

CHECKOUT = Path(__file__).resolve().parents[3]
"""The source tree this module would be in: ``<checkout>/src/a2a_kafka/cli/bench.py``."""

HELP = "benchmark A2A over Kafka against HTTP and raw Kafka (source checkout only)"


def register(subparsers: Subparsers) -> None:
    """Add ``bench``; its arguments go to the checkout's ``bench.cli``."""
    parser = subparsers.add_parser("bench", help=HELP, description=HELP, add_help=False)
    parser.set_defaults(handler=_run, passes_arguments_on=True)  # as ``args.extra``


def _run(args: argparse.Namespace) -> int:
    cli = checkout_bench_cli()
    parser = argparse.ArgumentParser(prog="a2a-kafka bench", description=cli.DESCRIPTION)
    cli.add_arguments(parser)
    result: int = cli.run(parser.parse_args(args.extra))
    return result


def checkout_bench_cli(checkout: Path = CHECKOUT) -> ModuleType:
    """``bench.cli`` of ``checkout``; `ConfigurationError` when there is none.

    Refuses (rather than runs) a ``bench`` already imported from elsewhere.
    """
    from a2a_kafka.errors import ConfigurationError

    folder = checkout / "bench"
    if not (folder / "cli.py").is_file():
        raise ConfigurationError(
            "a2a-kafka bench runs from a source checkout of a2a-kafka (the bench/ folder is "
            "not installed with the library): clone the repository, `pip install -e '.[dev]'` "
            "in it, and run `a2a-kafka bench` (or `python -m bench`) there"
        )
    loaded = sys.modules.get("bench")
    if loaded is not None and Path(getattr(loaded, "__file__", "") or "").parent != folder:
        raise ConfigurationError(
            f"another `bench` package is already imported ({loaded!r}); "
            f"run `python -m bench` in {checkout} instead"
        )
    sys.path.insert(0, str(checkout))
    try:
        cli = importlib.import_module("bench.cli")
    finally:
        sys.path.remove(str(checkout))
    return cli
