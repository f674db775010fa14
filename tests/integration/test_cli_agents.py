"""The agents' command line, run as a user runs it: real processes, real broker."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from a2a.types.a2a_pb2 import Message, Part, Role, SendMessageRequest

from a2a_kafka import KafkaConfig, KafkaTransport
from a2a_kafka.monitoring import agent_status
from a2a_kafka.topics import AgentTopics

sys.path.insert(0, str(Path(__file__).parent.parent / "reliability"))
from hostile import produce_raw
from test_dead_letters import letters_when

CLI = [sys.executable, "-m", "a2a_kafka.cli.main"]


@pytest.fixture
def env(kafka_config: KafkaConfig, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The cluster of the test session, this test's own topic prefix, a shared data set."""
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_config.bootstrap_servers,
        "A2A_KAFKA_TOPIC_PREFIX": f"cli{uuid.uuid4().hex[:8]}.",
        "GAME_BALANCE_DATA_DIR": str(tmp_path_factory.getbasetemp() / "game-data"),
        "PYTHONUNBUFFERED": "1",
    }


async def run(env: dict[str, str], *args: str, timeout: float = 120) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *CLI, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(timeout):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_demo_runs_end_to_end(env: dict[str, str]) -> None:
    code, out, err = await run(env, "demo")
    assert code == 0, err
    assert "승률" in out
    assert "어떤 종족" in out  # the multi-turn question, answered by the script
    assert "56.1%" in out  # the planted imbalance, in both reports
    assert out.count("thinking │") >= 10
    assert "Traceback" not in out + err


@pytest.fixture
async def served(env: dict[str, str]) -> AsyncIterator[asyncio.subprocess.Process]:
    process = await asyncio.create_subprocess_exec(
        *CLI, "serve", "all", env=env, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    async with asyncio.timeout(120):
        while b"serving" not in await process.stdout.readline():
            pass
    yield process
    if process.returncode is None:
        process.kill()
        await process.wait()


async def test_serve_send_agents_and_a_graceful_stop(
    env: dict[str, str], served: asyncio.subprocess.Process
) -> None:
    code, out, _ = await run(env, "agents")
    assert code == 0
    assert {"balance", "cs", "data"} <= {
        line.split()[0] for line in out.splitlines() if line[:1].isalpha()
    }

    code, out, err = await run(env, "send", "data", "테란 승률?")
    assert code == 0, err
    assert "승률" in out
    assert "%" in out

    code, out, _ = await run(env, "send", "data", "win rate?")
    assert code == 3  # the agent asks which race
    assert "Which race" in out
    assert "--task" in out

    # chat: the agent's question is answered on the same task, thinking printed live
    chat = await asyncio.create_subprocess_exec(
        *CLI, "chat", "data", env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(120):
        out_bytes, _ = await chat.communicate("승률?\n저그\n".encode())
    out = out_bytes.decode()
    assert chat.returncode == 0
    assert "어떤 종족" in out  # the question
    assert "저그 승률은" in out  # the answer to the follow-up, same task
    assert "thinking │" in out

    served.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(served.wait(), 60) == 0

    # Registered, but no longer running: a timeout naming the agent, not a hang.
    code, out, err = await run(env, "send", "data", "테란 승률?", "--timeout", "2")
    assert code == 1
    assert "no reply from agent 'data'" in err
    assert "Traceback" not in out + err


async def test_an_unknown_agent_is_one_clear_error(env: dict[str, str]) -> None:
    code, out, err = await run(env, "send", "nobody", "hi")
    assert code == 1
    assert "no agent named 'nobody'" in err
    assert "Traceback" not in out + err


async def test_broker_down_is_one_clear_error(env: dict[str, str]) -> None:
    code, _, err = await run({**env, "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}, "agents")
    assert code == 1
    assert err.startswith("error: cannot reach Kafka at 127.0.0.1:1")
    assert "Traceback" not in err


async def serve_data(env: dict[str, str]) -> asyncio.subprocess.Process:
    """``a2a-kafka serve data``, as a user starts it, once it says it is serving."""
    process = await asyncio.create_subprocess_exec(
        *CLI, "serve", "data", env=env, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    async with asyncio.timeout(120):
        while b"serving" not in await process.stdout.readline():
            assert process.returncode is None
    return process


async def test_two_serve_processes_pass_a_record_whose_header_key_is_not_utf8(
    env: dict[str, str], kafka_config: KafkaConfig
) -> None:
    # 100 questions to two processes on one shared SQLite state (serve's default): on a busy
    # machine an answer may take longer than the default 30 s request timeout
    config = dataclasses.replace(
        kafka_config, topic_prefix=env["A2A_KAFKA_TOPIC_PREFIX"], request_timeout=180.0
    )
    servers = [await serve_data(env), await serve_data(env)]
    transport = KafkaTransport.create(config, "data")
    try:
        topic = AgentTopics.of(config, "data").requests
        slots = asyncio.Semaphore(20)

        async def ask(n: int) -> bool:
            async with slots:
                reply = await transport.send_message(question(f"테란 승률? ({n})"))
            return reply.HasField("task") or reply.HasField("message")

        asked = [asyncio.ensure_future(ask(n)) for n in range(100)]
        (bad,) = await produce_raw(config, topic, [(b"k", b"{}", [(b"\xff\xfe", b"v")])], 0)
        assert all(await asyncio.gather(*asked))  # all 100 answered

        (letter,) = (await letters_when(config, "data", 1)).letters
        assert letter.origin == f"{topic}/0@{bad}"
        assert [server.returncode for server in servers] == [None, None]
        async with asyncio.timeout(60):
            while True:
                (status,) = await agent_status(config, ["data"])
                committed = {p.partition: p.committed for p in status.partitions}
                if status.members == 2 and (committed.get(0) or 0) > bad:
                    break
                await asyncio.sleep(0.2)
        assert (await transport.send_message(question("테란 승률?"))).HasField("task")
    finally:
        await transport.close()
        for server in servers:
            if server.returncode is None:
                server.send_signal(signal.SIGTERM)
        codes = [await asyncio.wait_for(server.wait(), 60) for server in servers]
    assert codes == [0, 0]


def question(text: str) -> SendMessageRequest:
    return SendMessageRequest(
        message=Message(role=Role.ROLE_USER, message_id=str(uuid.uuid4()), parts=[Part(text=text)])
    )


FAILING_POLLS = """
import sys
import aiokafka
from a2a_kafka.cli.main import main

real, polls = aiokafka.AIOKafkaConsumer.getmany, 0

async def getmany(self, *args, **kwargs):
    global polls
    if (self._group_id or "").endswith("a2a.agent.data"):
        polls += 1
        if polls > 25:  # serving for a few seconds, then every poll fails
            raise RuntimeError("injected poll failure")
    return await real(self, *args, **kwargs)

aiokafka.AIOKafkaConsumer.getmany = getmany
sys.exit(main(["serve", "data"]))
"""


async def test_serve_exits_non_zero_with_the_reason_when_its_consume_loop_cannot_go_on(
    env: dict[str, str],
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        FAILING_POLLS,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(180):  # 8 failed polls with backoff (about 16 s), then exit
        out, err = await process.communicate()
    assert b"serving" in out
    assert process.returncode == 1
    assert "error: agent 'data' stopped consuming: RuntimeError('injected poll failure')" in (
        err.decode()
    )
