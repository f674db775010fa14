"""Running the A2A TCK (its own venv, its own checkout) against a URL, and reading its results.

The TCK checkout is read-only and shared, so its runner script (which writes ``reports/``
into the working directory) is not used: the same pytest command runs with the checkout as
rootdir and every output file in ``out``. Results are read from the JUnit XML, one outcome
per test: passed, failed, xfailed (the TCK marks SHOULD failures as expected) or skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from tck_sut import tck_dir

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VENV_PYTHON = REPO / ".local" / "tck-venv" / "bin" / "python"
TRANSPORTS = ("jsonrpc", "http_json")
LEVELS = ("must", "should", "may")


@dataclass
class Outcome:
    """The outcomes of one TCK run, by test id (``file::Class::test[param]``)."""

    passed: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    """Failed test id -> the first line of its failure message."""
    xfailed: set[str] = field(default_factory=set)
    skipped: set[str] = field(default_factory=set)

    def counts(self) -> tuple[int, int, int, int]:
        """(passed, failed, xfailed, skipped)."""
        return len(self.passed), len(self.failed), len(self.xfailed), len(self.skipped)


def read_junit(path: Path) -> Outcome:
    """The outcomes recorded in a pytest JUnit XML file."""
    outcome = Outcome()
    for case in ET.parse(path).iter("testcase"):
        test = f"{case.get('classname', '')}::{case.get('name', '')}"
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        skipped = case.find("skipped")
        if problem is not None:
            message = (problem.get("message") or problem.text or "").strip()
            outcome.failed[test] = message.splitlines()[0] if message else ""
        elif skipped is not None and skipped.get("type") == "pytest.xfail":
            outcome.xfailed.add(test)
        elif skipped is not None:
            outcome.skipped.add(test)
        else:
            outcome.passed.add(test)
    return outcome


def tck_command(
    sut: str, transport: str, level: str, out: Path, *pytest_args: str
) -> tuple[list[str], Path]:
    """The pytest command of one TCK run, and where its JUnit XML will be."""
    if not VENV_PYTHON.exists():
        raise RuntimeError(f"no TCK venv at {VENV_PYTHON}: scripts/test makes it")
    checkout = tck_dir()
    out.mkdir(parents=True, exist_ok=True)
    name = f"{transport}-{level}"
    command = [
        str(VENV_PYTHON),
        "-m",
        "pytest",
        str(checkout / "tests" / "compatibility"),
        f"--rootdir={checkout}",
        f"--confcutdir={checkout}",
        "-c",
        str(checkout / "pyproject.toml"),
        "-p",
        "no:cacheprovider",
        f"--sut-host={sut}",
        f"--transport={transport}",
        "-m",
        level,
        "-q",
        "--tb=line",
        f"--compatibility-report={out / name}",
        f"--junitxml={out / name}.xml",
        *pytest_args,
    ]
    return command, out / f"{name}.xml"


async def run_tck(
    sut: str, transport: str, level: str, out: Path, *pytest_args: str, timeout: float = 600
) -> Outcome:
    """Run the TCK's tests of ``level`` over ``transport`` against ``sut``; their outcomes.

    Its output goes to ``out/<transport>-<level>.log``.
    """
    command, junit = tck_command(sut, transport, level, out, *pytest_args)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    process = await asyncio.create_subprocess_exec(
        *command, cwd=out, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        async with asyncio.timeout(timeout):
            output, _ = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return _outcome(junit, output)


def _outcome(junit: Path, output: bytes) -> Outcome:
    junit.with_suffix(".log").write_bytes(output)
    if not junit.exists():
        raise RuntimeError(f"the TCK wrote no results:\n{output.decode(errors='replace')[-3000:]}")
    return read_junit(junit)


@contextlib.asynccontextmanager
async def serving(command: list[str], env: dict[str, str], log: Path) -> AsyncIterator[str]:
    """Run ``command`` (stderr to ``log``) while inside; yield the first line it prints.

    On exit: SIGTERM, then SIGKILL if it has not ended within 30 s.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as errors:
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=errors
        )
    try:
        assert process.stdout is not None
        async with asyncio.timeout(120):
            line = (await process.stdout.readline()).decode().strip()
        if not line:
            raise RuntimeError(f"{command} ended before serving; see {log}")
        yield line
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                async with asyncio.timeout(30):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()


def _env(bootstrap: str) -> dict[str, str]:
    return {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "PYTHONPATH": str(HERE)}


@contextlib.asynccontextmanager
async def through_gateway(
    bootstrap: str, agent: str, out: Path, dedupe: str = "no-dedupe"
) -> AsyncIterator[str]:
    """The SUT served over Kafka as ``agent``, ``a2a-kafka gateway`` in front; yield its URL."""
    sut = [sys.executable, str(HERE / "tck_sut.py"), "kafka", agent, dedupe]
    gateway = [str(Path(sys.executable).parent / "a2a-kafka"), "gateway", "--port", "0"]
    async with (
        serving(sut, _env(bootstrap), out / "sut.log") as ready,
        serving(gateway, _env(bootstrap), out / "gateway.log") as started,
    ):
        assert ready == "ready", ready
        base = started.split()[1].split("/agents/")[0]  # "gateway <url>/agents/<name> -> ..."
        yield f"{base}/agents/{agent}"


@contextlib.asynccontextmanager
async def direct(out: Path) -> AsyncIterator[str]:
    """The SUT served by a2a-sdk's HTTP routes; yield its URL."""
    command = [sys.executable, str(HERE / "tck_sut.py"), "http"]
    async with serving(command, {**os.environ, "PYTHONPATH": str(HERE)}, out / "sut.log") as url:
        yield url
