"""The agents' command line, run as a user runs it: real processes, real broker."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator

import pytest

from a2a_kafka import KafkaConfig

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
