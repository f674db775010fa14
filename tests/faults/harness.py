"""The fault suite's machinery: server processes, bounded load, outcomes, the table.

An outcome per request, as its caller saw it:

- ``completed``: a reply with the COMPLETED task;
- an explicit error, by kind: ``interrupted`` (its instance died mid-run; the
  agent is not run twice), ``failed`` (a FAILED task), or the a2a error class;
- ``lost``: no reply and no explicit error before the caller's deadline
  (a `KafkaTimeoutError`): the system dropped it.

``duplicated`` counts messages the agent executed more than once, read from the
shared `ExecutionLog`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from a2a.client import ClientCallContext
from a2a.types.a2a_pb2 import (
    Message,
    Part,
    Role,
    SendMessageRequest,
    StreamResponse,
    TaskState,
)
from a2a.utils.errors import A2AError
from fault_agent import ExecutionLog

from a2a_kafka import KafkaConfig, KafkaTimeoutError, KafkaTransport

HERE = Path(__file__).parent

FULL = os.environ.get("A2A_KAFKA_FULL_FAULTS", "") in ("1", "true", "yes")
"""Run the full matrix (acceptance sizes) instead of the short CI version."""


def request(text: str, message_id: str | None = None) -> SendMessageRequest:
    return SendMessageRequest(
        message=Message(
            role=Role.ROLE_USER, message_id=message_id or str(uuid.uuid4()), parts=[Part(text=text)]
        )
    )


def classify(outcome: object) -> str:
    """The outcome kind of a `send_message` result or exception."""
    if isinstance(outcome, KafkaTimeoutError):
        return "lost"
    if isinstance(outcome, A2AError):
        return "interrupted" if "interrupted" in str(outcome) else type(outcome).__name__
    if isinstance(outcome, BaseException):
        return type(outcome).__name__
    state = getattr(getattr(getattr(outcome, "task", None), "status", None), "state", None)
    if isinstance(outcome, StreamResponse) and outcome.HasField("status_update"):
        state = outcome.status_update.status.state
    if state == TaskState.TASK_STATE_COMPLETED:
        return "completed"
    return "failed" if state == TaskState.TASK_STATE_FAILED else f"state-{state}"


@dataclass
class Load:
    """Sends ``count`` SendMessage requests, ``concurrency`` at a time, and collects outcomes."""

    transport: KafkaTransport
    texts: list[tuple[str, str]]
    """(message id, text) of each request."""
    concurrency: int = 32
    timeout: float = 60.0
    outcomes: dict[str, str] = field(default_factory=dict)
    progress: asyncio.Event = field(default_factory=asyncio.Event)
    halfway: int = 0
    on_outcome: Callable[[str, str], None] | None = None
    streaming: frozenset[str] = frozenset()
    """Message ids sent with SendStreamingMessage (their outcome: the last event)."""
    errors: dict[str, str] = field(default_factory=dict)
    """The error message of each request that ended with an exception."""
    events: Counter[str] = field(default_factory=Counter)
    """The events each streaming request received."""

    @classmethod
    def of(cls, transport: KafkaTransport, count: int, text: str, **options: float) -> Load:
        texts = [(str(uuid.uuid4()), text) for _ in range(count)]
        return cls(transport, texts, **options)  # type: ignore[arg-type]

    async def run(self) -> dict[str, str]:
        self.halfway = len(self.texts) // 2
        slots = asyncio.Semaphore(int(self.concurrency))
        await asyncio.gather(*(self._one(slots, mid, text) for mid, text in self.texts))
        return self.outcomes

    async def _one(self, slots: asyncio.Semaphore, message_id: str, text: str) -> None:
        async with slots:
            context = ClientCallContext(timeout=self.timeout)
            try:
                outcome: object = None
                if message_id in self.streaming:
                    stream = self.transport.send_message_streaming(
                        request(text, message_id), context=context
                    )
                    async for event in stream:
                        outcome = event
                        self.events[message_id] += 1
                else:
                    outcome = await self.transport.send_message(
                        request(text, message_id), context=context
                    )
            except Exception as exc:
                outcome = exc
                self.errors[message_id] = str(exc)
            self.outcomes[message_id] = classify(outcome)
            if self.on_outcome is not None:
                self.on_outcome(message_id, self.outcomes[message_id])
            if len(self.outcomes) >= self.halfway:
                self.progress.set()


@dataclass
class Row:
    """One line of the fault table."""

    scenario: str
    sent: int
    outcomes: Counter[str]
    duplicated: int
    max_rss_mb: float
    seconds: float
    note: str = ""

    @property
    def completed(self) -> int:
        return self.outcomes["completed"]

    @property
    def lost(self) -> int:
        return self.outcomes["lost"] + self.sent - sum(self.outcomes.values())

    @property
    def errored(self) -> str:
        kinds = {k: n for k, n in self.outcomes.items() if k not in ("completed", "lost")}
        return ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "0"


ROWS: list[Row] = []
"""Every row of this session, printed at the end (see conftest)."""


def table(rows: list[Row]) -> str:
    header = (
        "| scenario | sent | completed | errored (by kind) | duplicated | lost | max RSS | time |"
    )
    lines = [header, "|---|---:|---:|---|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r.scenario} | {r.sent} | {r.completed} | {r.errored} | {r.duplicated} | "
            f"{r.lost} | {r.max_rss_mb:.0f} MB | {r.seconds:.1f} s |"
        )
    notes = [f"- {r.scenario}: {r.note}" for r in rows if r.note]
    return "\n".join(lines + (["", *notes] if notes else []))


def duplicated(log: ExecutionLog) -> int:
    return sum(1 for n in log.counts().values() if n > 1)


def server_lines(log: ExecutionLog, message_ids: list[str], limit: int = 40) -> str:
    """What the servers logged (``serve_fault_agent.py``'s shared log) about these messages:
    the lines naming them, and those naming their calls' correlation ids."""
    path = Path(f"{log.path}.servers")
    if not message_ids or not path.exists():
        return ""
    lines = path.read_text(errors="replace").splitlines()
    about = set(message_ids)
    for line in lines:  # "message <id>, call <correlation id>: claim ..." (requests.py)
        if any(mid in line for mid in message_ids) and ", call " in line:
            about.add(line.split(", call ", 1)[1].split(":", 1)[0])
    found = [line for line in lines if any(word in line for word in about)]
    return "\n".join(
        found[:limit] + ([f"... {len(found) - limit} more"] if len(found) > limit else [])
    )


class ServerProcess:
    """``serve_fault_agent.py`` in its own process."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.ps = psutil.Process(process.pid)
        self.stats: dict[str, int] = {}

    @classmethod
    async def start(
        cls, config: KafkaConfig, name: str, url: str, log: ExecutionLog, max_in_flight: int = 64
    ) -> ServerProcess:
        args = [config.bootstrap_servers, name, url, str(log.path), str(max_in_flight)]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(HERE / "serve_fault_agent.py"),
            *args,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(HERE)},
        )
        assert process.stdout is not None
        async with asyncio.timeout(60):
            line = await process.stdout.readline()
        assert line.strip() == b"ready", f"server did not start: {line!r}"
        return cls(process)

    def rss_mb(self) -> float:
        try:
            return float(self.ps.memory_info().rss) / 2**20
        except psutil.Error:
            return 0.0

    def kill(self) -> None:
        """``kill -9``."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)

    async def terminate(self) -> dict[str, int]:
        """SIGTERM, wait for the drain; the stats it printed."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        assert self.process.stdout is not None
        out = await self.process.stdout.read()
        await self.process.wait()
        with contextlib.suppress(ValueError, IndexError):
            self.stats = json.loads(out.strip().splitlines()[-1])
        return self.stats


@contextlib.asynccontextmanager
async def rss_sampler(servers: Callable[[], list[ServerProcess]]) -> AsyncIterator[list[float]]:
    """Samples the servers' resident memory every 0.2 s; yields the list of maxima (one)."""
    peak = [0.0]

    async def sample() -> None:
        while True:
            peak[0] = max([peak[0], *(s.rss_mb() for s in servers())])
            await asyncio.sleep(0.2)

    task = asyncio.create_task(sample())
    try:
        yield peak
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class Timer:
    def __init__(self) -> None:
        self.started = time.monotonic()

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started
