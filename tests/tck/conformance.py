"""Print the tables of docs/conformance.md: the whole TCK, every level and transport.

    KAFKA_BOOTSTRAP_SERVERS=host:9092 .venv/bin/python tests/tck/conformance.py [out-dir]

Targets: the SUT over Kafka behind ``a2a-kafka gateway`` (without and with the binding's
SendMessage dedupe) and the SUT on a2a-sdk's HTTP routes. Takes a few minutes.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from tck_run import LEVELS, TRANSPORTS, Outcome, direct, run_tck, through_gateway

Target = Callable[[Path], AbstractAsyncContextManager[str]]


def targets(bootstrap: str) -> dict[str, Target]:
    def gateway(dedupe: str) -> Target:
        def start(out: Path) -> AbstractAsyncContextManager[str]:
            return through_gateway(bootstrap, f"tck-{uuid.uuid4().hex[:8]}", out, dedupe)

        return start

    return {
        "gateway": gateway("no-dedupe"),
        "gateway, dedupe on": gateway("dedupe"),
        "direct HTTP": direct,
    }


async def measure(out: Path) -> dict[tuple[str, str, str], Outcome]:
    results: dict[tuple[str, str, str], Outcome] = {}
    for name, start in targets(os.environ["KAFKA_BOOTSTRAP_SERVERS"]).items():
        folder = out / name.replace(" ", "-").replace(",", "")
        async with start(folder) as url:
            for transport in TRANSPORTS:
                for level in LEVELS:
                    results[name, transport, level] = await run_tck(url, transport, level, folder)
    return results


def table(results: dict[tuple[str, str, str], Outcome]) -> str:
    names = list(dict.fromkeys(name for name, _, _ in results))
    lines = [
        "| transport | level | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for transport in TRANSPORTS:
        for level in LEVELS:
            cells = [
                "{} / {} / {} / {}".format(*results[n, transport, level].counts()) for n in names
            ]
            lines.append(f"| {transport} | {level} | " + " | ".join(cells) + " |")
    lines.append("")
    for (name, transport, level), outcome in results.items():
        for test, message in sorted(outcome.failed.items()):
            lines.append(
                f"- {name}, {transport}, {level}: `{test.split('::')[-1]}`: {message[:160]}"
            )
    return "\n".join(lines)


async def main(out: Path) -> None:
    print("cells: passed / failed / expected-failure (xfail) / skipped")
    print(table(await measure(out)))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]) if sys.argv[1:] else Path(tempfile.mkdtemp(prefix="tck-"))))
