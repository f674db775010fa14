"""The official A2A TCK through the gateway, against the same executor over plain HTTP.

The TCK's own `TckAgentExecutor` is served over Kafka (`KafkaConsumerHandler`) with
``a2a-kafka gateway`` in front, and, as the baseline, by a2a-sdk 1.3's HTTP routes with the
same request handler. The TCK (its own venv, from the shared checkout) runs against both,
per transport; the gateway may fail no test that direct HTTP passes, and every failing
requirement is explained in docs/conformance.md.

CI runs the MUST level (about 10 s per transport and target); ``A2A_KAFKA_FULL_TCK=1`` adds
SHOULD and MAY.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tck_run import (
    LEVELS,
    REPO,
    TRANSPORTS,
    VENV_PYTHON,
    Outcome,
    direct,
    run_tck,
    through_gateway,
)
from tck_sut import tck_dir

from a2a_kafka import KafkaConfig

pytestmark = pytest.mark.kafka

SELECTED = LEVELS if os.environ.get("A2A_KAFKA_FULL_TCK") == "1" else ("must",)
REQUIREMENT = re.compile(r"\b([A-Z][A-Z0-9_]+-[A-Z]+-\d+)\b")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = [p for p in (tck_dir() / "pyproject.toml", VENV_PYTHON) if not p.exists()]
    if missing:
        reason = f"the A2A TCK is not installed ({', '.join(map(str, missing))}): run scripts/test"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return tmp_path_factory.mktemp("tck")


@pytest.fixture(scope="module")
async def gateway_url(kafka_config: KafkaConfig, out: Path) -> AsyncIterator[str]:
    agent = f"tck-{uuid.uuid4().hex[:12]}"
    async with through_gateway(kafka_config.bootstrap_servers, agent, out / "gateway") as url:
        yield url


@pytest.fixture(scope="module")
async def direct_url(out: Path) -> AsyncIterator[str]:
    async with direct(out / "direct") as url:
        yield url


@pytest.mark.parametrize("level", SELECTED)
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_the_gateway_fails_no_tck_test_that_direct_http_passes(
    transport: str, level: str, gateway_url: str, direct_url: str, out: Path
) -> None:
    baseline = await run_tck(direct_url, transport, level, out / "direct")
    gateway = await run_tck(gateway_url, transport, level, out / "gateway")
    assert baseline.passed, f"the TCK passed nothing over direct HTTP: {baseline.counts()}"
    assert gateway.passed, f"the TCK passed nothing through the gateway: {gateway.counts()}"
    worse = {t: gateway.failed[t] for t in set(gateway.failed) - set(baseline.failed)}
    assert not worse, f"fail through the gateway only: {worse}"
    assert len(gateway.failed) <= len(baseline.failed)
    assert _unexplained(gateway) == set()


def _unexplained(outcome: Outcome) -> set[str]:
    """Requirement ids of failures that docs/conformance.md does not mention."""
    explained = (REPO / "docs" / "conformance.md").read_text()
    failing = {m for message in outcome.failed.values() for m in REQUIREMENT.findall(message)}
    return {r for r in failing if r not in explained}
