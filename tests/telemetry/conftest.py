"""Fixtures of the telemetry tests: the traced demo conversation, run once per session."""

from __future__ import annotations

import json
import sys
import uuid

import pytest

from a2a_kafka import KafkaConfig
from traced import HERE, TracedDemo, cluster_env, run


@pytest.fixture(scope="session")
async def traced_demo(kafka_config: KafkaConfig) -> TracedDemo:
    """The demo's balance analysis, played once in its own traced process."""
    env = cluster_env(kafka_config, f"tr{uuid.uuid4().hex[:8]}.")
    code, out, err = await run(sys.executable, str(HERE / "traced_demo.py"), env=env)
    assert code == 0, err
    found = json.loads(out.strip().splitlines()[-1])
    return TracedDemo(env, found["spans"], found["received"], found["context_id"])
