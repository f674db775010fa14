"""The README's example runs as printed."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

from a2a_kafka import KafkaConfig

EXAMPLES = Path(__file__).parents[2] / "examples"


async def test_quickstart_prints_the_agents_answer(kafka_config: KafkaConfig) -> None:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_config.bootstrap_servers,
        "A2A_KAFKA_TOPIC_PREFIX": f"ex{uuid.uuid4().hex[:8]}.",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLES / "quickstart.py"), env=env, stdout=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(60):
        out, _ = await process.communicate()
    assert process.returncode == 0
    assert out.decode().strip() == "HI"
