"""Failover and recovery of `a2a-kafka serve`, as a user runs it: figures for docs/reliability.md.

``python -m bench.failover [--reps 5]`` starts a private Kafka broker and two
``a2a-kafka serve data`` processes with their defaults (the agent's SQLite state
in a temporary state folder), then, per repetition:

- **kill -9**: kills one instance while probes (``SendMessage`` "승률?", which the
  agent answers with a question, so probes cost little; one every 0.25 s, round
  robin over the request topic's partitions) keep coming; prints the time
  from the kill to the first completion of a probe sent after it (``first``) and
  to the moment every partition completed one (``all partitions``: the killed
  instance's partitions are served by the survivor). The instance is restarted.
- **broker restart**: stops and restarts the broker under the same probes;
  prints the time from the moment the broker answers again (its start returned)
  to the first completion on every partition.

Each line shows p50 and max over the repetitions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator

from a2a.client import ClientCallContext
from a2a.types.a2a_pb2 import Message, Part, Role, SendMessageRequest

from a2a_kafka import KafkaConfig, KafkaTransport
from a2a_kafka.broker import BrokerLayout, LocalBroker
from a2a_kafka.broker.layout import free_port
from a2a_kafka.server.handler import GROUP_DEFAULTS

AGENT = "data"
PARTITIONS = 3
PROBE_EVERY = 0.25


class Steer:
    """A partitioner that sends the next record to ``target``."""

    def __init__(self) -> None:
        self.target = 0

    def __call__(self, key: bytes | None, every: list[int], available: list[int]) -> int:
        return self.target


async def serve(env: dict[str, str]) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "a2a_kafka.cli.main",
        "serve",
        AGENT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert process.stdout is not None
    async with asyncio.timeout(180):
        while b"serving" not in await process.stdout.readline():
            pass
    return process


class Prober:
    """Sends probes to each partition in turn; notes when each completes."""

    def __init__(self, config: KafkaConfig) -> None:
        self.steer = Steer()
        self.transport = KafkaTransport.create(
            config.with_(producer_options={"partitioner": self.steer}), AGENT
        )
        self.completions: list[tuple[float, float, int]] = []
        """(sent, completed, partition) of every probe that completed."""
        self._running: set[asyncio.Task[None]] = set()
        self._completed = asyncio.Event()

    async def _probe(self, partition: int) -> None:
        sent = time.monotonic()
        message = Message(
            role=Role.ROLE_USER,
            message_id=uuid.uuid4().hex,
            parts=[Part(text="승률?")],  # asks back: no data crunched
        )
        with contextlib.suppress(Exception):
            self.steer.target = partition
            await self.transport.send_message(
                SendMessageRequest(message=message), context=ClientCallContext(timeout=60)
            )
            self.completions.append((sent, time.monotonic(), partition))
            self._completed.set()

    async def run(self) -> None:
        for n in range(10**9):
            task = asyncio.create_task(self._probe(n % PARTITIONS))
            self._running.add(task)
            task.add_done_callback(self._running.discard)
            await asyncio.sleep(PROBE_EVERY)

    def covered_after(self, t0: float, *, sent_after: bool) -> tuple[float, float] | None:
        """(first completion, every partition completed) after ``t0``, or None yet."""
        firsts: dict[int, float] = {}
        for sent, done, partition in self.completions:
            if done > t0 and (sent > t0 or not sent_after):
                firsts[partition] = min(firsts.get(partition, done), done)
        if len(firsts) < PARTITIONS:
            return None
        return min(firsts.values()) - t0, max(firsts.values()) - t0

    async def wait_covered(self, t0: float, *, sent_after: bool) -> tuple[float, float]:
        async with asyncio.timeout(300):
            while (found := self.covered_after(t0, sent_after=sent_after)) is None:
                self._completed.clear()
                await self._completed.wait()
        return found

    async def aclose(self) -> None:
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)
        await self.transport.close()


@contextlib.asynccontextmanager
async def broker() -> AsyncIterator[tuple[LocalBroker, str]]:
    layout = BrokerLayout.default().session(f"{os.getpid()}-failover-{uuid.uuid4().hex[:6]}")
    local = LocalBroker(layout, free_port(), free_port(), detach=False)
    status = await local.start()
    try:
        yield local, status.bootstrap_servers
    finally:
        await local.stop()
        shutil.rmtree(layout.home, ignore_errors=True)


def line(label: str, values: list[float]) -> str:
    shown = ", ".join(f"{v:.1f}" for v in values)
    return f"{label:40} p50 {statistics.median(values):5.1f} s  max {max(values):5.1f} s  ({shown})"


async def main(reps: int) -> None:
    state = tempfile.mkdtemp(prefix="a2a-kafka-failover-")
    async with broker() as (local, bootstrap):
        config = KafkaConfig(bootstrap_servers=bootstrap)
        env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "A2A_KAFKA_STATE_DIR": state,
            "A2A_KAFKA_PARTITIONS": str(PARTITIONS),
        }
        instances = [await serve(env), await serve(env)]
        prober = Prober(config)
        probing = asyncio.create_task(prober.run())
        firsts, alls, resumes = [], [], []
        try:
            await prober.wait_covered(time.monotonic(), sent_after=True)
            for _ in range(reps):
                victim = instances.pop(0)
                t0 = time.monotonic()
                victim.kill()
                await victim.wait()
                first, every = await prober.wait_covered(t0, sent_after=True)
                firsts.append(first)
                alls.append(every)
                print(f"kill -9: first {first:.1f} s, all partitions {every:.1f} s", flush=True)
                instances.append(await serve(env))
                await prober.wait_covered(time.monotonic(), sent_after=True)
            for _ in range(reps):
                await local.stop()
                await local.start()
                t1 = time.monotonic()
                _, every = await prober.wait_covered(t1, sent_after=False)
                resumes.append(every)
                print(f"broker restart: resumed on all partitions {every:.1f} s", flush=True)
        finally:
            probing.cancel()
            await prober.aclose()
            for process in instances:
                process.kill()
                await process.wait()
    shutil.rmtree(state, ignore_errors=True)
    print(f"\nsettings: group consumer {GROUP_DEFAULTS}; dedupe lease 10 s; {reps} repetitions")
    print(line("kill -9 -> first completion", firsts))
    print(line("kill -9 -> every partition completes", alls))
    print(line("broker answers again -> every partition", resumes))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    asyncio.run(main(parser.parse_args().reps))
