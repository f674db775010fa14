"""Two ``a2a-kafka serve data`` processes started as a user starts them (no options):
every task operation works from another caller process, whichever instance gets it;
the same with one ``a2a-kafka serve data --workers 2``.

Also: two instances that do not share their state are reported (log and ``status``)
within 10 s, and a task operation they cannot answer says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import psutil
import pytest

from a2a_kafka import KafkaConfig

CLI = [sys.executable, "-m", "a2a_kafka.cli.main"]
CALLER = [sys.executable, str(Path(__file__).parent / "task_caller.py"), "data"]
ROUNDS = 50

pytestmark = pytest.mark.timeout(900)


@pytest.fixture
def env(kafka_config: KafkaConfig, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_config.bootstrap_servers,
        "A2A_KAFKA_TOPIC_PREFIX": f"so{uuid.uuid4().hex[:8]}.",
        "GAME_BALANCE_DATA_DIR": str(tmp_path_factory.getbasetemp() / "game-data"),
        "PYTHONUNBUFFERED": "1",
    }


class Server:
    """One ``a2a-kafka serve data`` process; its stderr is collected."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.stderr: list[str] = []
        self.saw_error = asyncio.Event()
        assert process.stderr is not None
        self._reader = asyncio.create_task(self._read(process.stderr))

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            self.stderr.append(line.decode(errors="replace"))
            if "STATE NOT SHARED" in self.stderr[-1]:
                self.saw_error.set()

    async def stop(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(psutil.NoSuchProcess):  # the workers of --workers
                for child in psutil.Process(self.process.pid).children():
                    child.kill()
            self.process.kill()
            await self.process.wait()
        self._reader.cancel()


@contextlib.asynccontextmanager
async def serving(
    *envs: dict[str, str], options: Sequence[str] = ()
) -> AsyncIterator[list[Server]]:
    """One ``a2a-kafka serve data OPTIONS`` process per environment, each serving."""
    servers: list[Server] = []
    try:
        for env in envs:
            process = await asyncio.create_subprocess_exec(
                *CLI,
                "serve",
                "data",
                *options,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            servers.append(Server(process))
            assert process.stdout is not None
            async with asyncio.timeout(180):
                while not (await process.stdout.readline()).startswith(b"serving"):
                    assert process.returncode is None, "".join(servers[-1].stderr)
        yield servers
    finally:
        for server in servers:
            await server.stop()


class Caller:
    """A `task_caller.py` process: commands in, answers by command id."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self._ids = itertools.count()
        self._answers: dict[int, asyncio.Queue[dict[str, Any]]] = {}
        assert process.stdout is not None
        self._reader = asyncio.create_task(self._read(process.stdout))

    @classmethod
    @contextlib.asynccontextmanager
    async def start(cls, env: dict[str, str]) -> AsyncIterator[Caller]:
        process = await asyncio.create_subprocess_exec(
            *CALLER, env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
        )
        assert process.stdout is not None
        async with asyncio.timeout(120):
            assert (await process.stdout.readline()).strip() == b"ready"
        caller = cls(process)
        try:
            yield caller
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            caller._reader.cancel()

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            answer = json.loads(line)
            await self._answers.setdefault(answer["id"], asyncio.Queue()).put(answer)

    def command(self, op: str, **fields: Any) -> asyncio.Queue[dict[str, Any]]:
        """Send a command; its answers arrive on the returned queue."""
        number = next(self._ids)
        assert self.process.stdin is not None
        line = json.dumps({"id": number, "op": op, **fields}) + "\n"
        self.process.stdin.write(line.encode())
        return self._answers.setdefault(number, asyncio.Queue())

    async def call(self, op: str, **fields: Any) -> dict[str, Any]:
        async with asyncio.timeout(90):
            return await self.command(op, **fields).get()


async def test_every_task_operation_works_from_any_instance(env: dict[str, str]) -> None:
    async with (
        serving(env, env),
        Caller.start(env) as sender,
        Caller.start(env) as other,
    ):
        await every_task_operation(sender, other, ROUNDS)


async def test_every_task_operation_works_from_any_worker(env: dict[str, str]) -> None:
    """The same from one ``serve data --workers 2`` (default state: the SQLite file)."""
    async with (
        serving(env, options=("--workers", "2")),
        Caller.start(env) as sender,
        Caller.start(env) as other,
    ):
        await every_task_operation(sender, other, ROUNDS // 5)


async def every_task_operation(sender: Caller, other: Caller, rounds: int) -> None:
    """Each task operation from ``other`` on the tasks of ``sender``, ``rounds`` times."""
    for _ in range(rounds):
        # SendMessage, then GetTask from another caller process
        done = await sender.call("send", text="테란 승률?")
        assert done["state"] == "TASK_STATE_COMPLETED", done
        got = await other.call("get", task=done["task"])
        assert got == {**got, "task": done["task"], "state": "TASK_STATE_COMPLETED"}, got

        # CancelTask of a task waiting for input, from the other caller
        asked = await sender.call("send", text="승률?")
        assert asked["state"] == "TASK_STATE_INPUT_REQUIRED", asked
        cancelled = await other.call("cancel", task=asked["task"])
        assert cancelled.get("state") == "TASK_STATE_CANCELED", cancelled
        again = await sender.call("get", task=asked["task"])
        assert again.get("state") == "TASK_STATE_CANCELED", again

        # SubscribeToTask from the other caller, while the sender continues
        # the input-required task (multi-turn, keyed by its context)
        asked = await sender.call("send", text="승률?")
        assert asked["state"] == "TASK_STATE_INPUT_REQUIRED", asked
        events = other.command("subscribe", task=asked["task"])
        async with asyncio.timeout(90):
            first = await events.get()
        assert first.get("state") == "TASK_STATE_INPUT_REQUIRED", first
        answer = await sender.call(
            "send", text="저그", task=asked["task"], context=asked["context"]
        )
        assert answer["state"] == "TASK_STATE_COMPLETED", answer
        assert answer["task"] == asked["task"]
        seen = []
        async with asyncio.timeout(90):
            while "end" not in (item := await events.get()):
                assert "error" not in item, item
                seen.append(item["state"])
        assert seen[-1] == "TASK_STATE_COMPLETED", seen


async def test_instances_with_different_state_are_reported_and_say_why(
    env: dict[str, str], tmp_path: Path
) -> None:
    elsewhere = {**env, "A2A_KAFKA_STATE_DIR": str(tmp_path / "other-machine")}
    async with serving(env, elsewhere) as servers, Caller.start(env) as caller:
        started = time.monotonic()
        async with asyncio.timeout(10):
            await asyncio.gather(*(s.saw_error.wait() for s in servers))
        assert time.monotonic() - started <= 10
        line = next(x for x in servers[0].stderr if "STATE NOT SHARED" in x)
        assert "do not share one task state" in line

        status = await asyncio.create_subprocess_exec(
            *CLI, "status", "data", env=env, stdout=asyncio.subprocess.PIPE
        )
        out, _ = await status.communicate()
        assert "STATE NOT SHARED" in out.decode()

        explained = 0
        for _ in range(20):  # each GetTask lands on one instance; half the time the other
            done = await caller.call("send", text="테란 승률?")
            got = await caller.call("get", task=done["task"])
            if "error" in got:
                assert "TaskNotFound" not in got["error"], got
                assert "do not share one task state" in got["error"], got
                explained += 1
            else:
                assert got["state"] == "TASK_STATE_COMPLETED"
        assert explained > 0
