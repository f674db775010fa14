"""``a2a-kafka bench`` / ``python -m bench``: run the benchmark, write the results and the doc.

Imports of this module are light (the ``a2a-kafka`` CLI imports it to build
its parser); the benchmark's machinery is imported when it runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.experiments import EXPERIMENTS
from bench.paths import DOC, RESULTS, ROOT
from bench.plan import PLANS
from bench.tuning import PRESETS

DESCRIPTION = (
    "Measure A2A over Kafka, A2A over HTTP JSON-RPC and raw aiokafka request/reply "
    "against the same agent in one run; write bench/results/latest.json and "
    "docs/benchmarks.md. Kafka: --bootstrap-servers, else KAFKA_BOOTSTRAP_SERVERS, "
    "else the running local broker, else one started for the run."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The benchmark's options (shared by ``python -m bench`` and ``a2a-kafka bench``)."""
    parser.add_argument(
        "--quick", action="store_true", help="a run of well under a minute (the smoke test's)"
    )
    parser.add_argument(
        "--plan",
        choices=("full", "quick", "focus"),
        help="full (default), quick (= --quick) or focus: the targets' figures only",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="results JSON (default bench/results/latest.json; quick.json with --quick)",
    )
    parser.add_argument(
        "--doc", type=Path, help=f"write the report here (a full run's default: {DOC.name})"
    )
    parser.add_argument("--no-doc", action="store_true", help="write no report nor plots")
    parser.add_argument(
        "--tuning", choices=sorted(PRESETS), default="default", help="Kafka client settings"
    )
    parser.add_argument(
        "--experiment",
        action="append",
        default=[],
        choices=sorted(EXPERIMENTS),
        help="patch a candidate library change in (repeatable; see bench/experiments.py)",
    )
    parser.add_argument("--bootstrap-servers", help="the Kafka cluster to use")
    parser.add_argument(
        "--tracing",
        action="store_true",
        help="only print the round trip with OpenTelemetry tracing off and on (bench/traced.py)",
    )
    parser.add_argument(
        "--report-from",
        type=Path,
        metavar="RESULTS",
        help="run nothing: write the report (default docs/benchmarks.md) from a results file",
    )


def say(line: str) -> None:
    """A progress line on standard error."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Run the benchmark as ``args`` say; 0 when every request was answered."""
    import asyncio
    import json

    from bench import checks, runner

    if args.report_from is not None:
        from bench.report import write

        write(json.loads(args.report_from.read_text()), args.doc or DOC, args.report_from)
        say(f"report: {args.doc or DOC}")
        return 0
    if args.tracing:
        from bench.traced import report

        print(report(asyncio.run(_tracing(args.bootstrap_servers, 2 if args.quick else 6))))
        return 0
    plan = PLANS[args.plan or ("quick" if args.quick else "full")]
    tuning = PRESETS[args.tuning].with_experiments(args.experiment)
    results = asyncio.run(runner.run_on_cluster(plan, args.bootstrap_servers, tuning, say))
    full = plan.name == "full" and tuning.name == PRESETS["default"].name
    output = args.output or RESULTS / ("latest.json" if full else f"{plan.name}.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=1) + "\n")
    say(f"results: {output}")
    doc = args.doc or (DOC if full else None)
    if doc is not None and not args.no_doc:
        from bench.report import write

        write(results, doc, output)
        say(f"report: {doc.resolve().relative_to(ROOT) if doc.is_relative_to(ROOT) else doc}")
    _say_targets(results)
    failed = checks.failures(results)
    for line in failed:
        say(f"FAILED {line}")
    return 1 if failed else 0


def _say_targets(results: dict[str, object]) -> None:
    """Issue 17's acceptance, as the report's targets table has it, one line each."""
    from bench.tables import targets

    for target, measured, verdict in targets(results["scenarios"]):  # type: ignore[arg-type]
        say(f"{verdict.strip('*').upper():6} {target}: {measured}")


async def _tracing(bootstrap: str | None, rounds: int) -> dict[str, object]:
    from a2a_kafka.testing import kafka_cluster_info
    from bench.traced import tracing_ab

    if bootstrap:
        return await tracing_ab(bootstrap, rounds)
    async with kafka_cluster_info() as info:
        say(f"Kafka: {info.describe()}")
        return await tracing_ab(info.config.bootstrap_servers, rounds)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=DESCRIPTION)
    add_arguments(parser)
    return run(parser.parse_args(argv))
