"""Helpers of the telemetry tests: running commands, the traced demo's output."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from a2a_kafka import KafkaConfig

HERE = Path(__file__).parent
CLI = [sys.executable, "-m", "a2a_kafka.cli.main"]
RUN_TIMEOUT_S = 300


@dataclass(frozen=True)
class TracedDemo:
    """What `traced_demo.py` printed, and the environment that reaches its topics."""

    env: dict[str, str]
    spans: list[dict[str, Any]]
    received: list[list[dict[str, str]]]
    context_id: str


def cluster_env(config: KafkaConfig, prefix: str) -> dict[str, str]:
    """The environment of a process that uses ``config``'s cluster with ``prefix`` topics."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    return {
        **env,
        "KAFKA_BOOTSTRAP_SERVERS": config.bootstrap_servers,
        "A2A_KAFKA_TOPIC_PREFIX": prefix,
    }


async def run(*argv: str, env: dict[str, str]) -> tuple[int, str, str]:
    """Run a command to its end; (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        *argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(RUN_TIMEOUT_S):
        out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()
