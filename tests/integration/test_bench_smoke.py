"""``a2a-kafka bench --quick``: every request of every scenario answered, all systems measured.

A smoke test of the benchmark's machinery, not of its figures: timings are not
asserted (benchmarks report figures; tests assert behaviour).
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from a2a_kafka import KafkaConfig

SYSTEMS = ["kafka", "http", "floor"]
PER_SYSTEM = ["warm_up", "round_trip", "streaming", "conversation", "throughput"]


def counted(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every ``{"sent": ..., "answered": ...}`` record in the results, with its path."""
    if isinstance(node, dict):
        if "sent" in node:
            yield path, node
        for key, child in node.items():
            yield from counted(child, f"{path}.{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from counted(child, f"{path}.{index}")


async def run_quick_bench(kafka_config: KafkaConfig, output: Path) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "a2a_kafka.cli.main", "bench", "--quick", "--no-doc"),
        *("--output", str(output), "--bootstrap-servers", kafka_config.bootstrap_servers),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    assert process.returncode == 0, out.decode(errors="replace")[-4000:]
    results: dict[str, Any] = json.loads(await asyncio.to_thread(output.read_text))
    return results


async def test_quick_bench_answers_everything_on_all_three_systems(
    kafka_config: KafkaConfig, tmp_path: Path
) -> None:
    results = await run_quick_bench(kafka_config, tmp_path / "quick.json")
    scenarios = results["scenarios"]

    assert results["systems"] == SYSTEMS
    for scenario in PER_SYSTEM:
        assert sorted(scenarios[scenario]) == sorted(SYSTEMS), scenario
    records = list(counted(scenarios))
    assert len(records) > 30
    for path, record in records:
        assert record["sent"] > 0, path
        if not path.startswith(".http_reference.one_pool"):  # the earlier client: may fail
            assert record["answered"] == record["sent"], (path, record["first_errors"])
    for phase in scenarios["fanout"].values():
        assert len(phase["bytes_per_caller"]) == phase["callers"]
        assert min(phase["bytes_per_caller"]) > 0
    assert set(scenarios["scale_out"]) >= {"1", "2"}
    assert min(scenarios["scale_out"]["extra_instances_handled"]) > 0
    assert all(min(handled) > 0 for handled in results["servers_handled"].values())
    for system in SYSTEMS:  # the load came from the load processes, split between them
        for cells in scenarios["throughput"][system].values():
            for level, cell in cells.items():
                assert cell["client_processes"] == min(int(level), 2), (system, level)
    reference = scenarios["http_reference"]
    assert {"bench", "plain", "one_pool"} <= set(reference)
    assert reference["bench_over_plain"] > 0


async def test_bench_tracing_prints_the_round_trip_off_and_on(kafka_config: KafkaConfig) -> None:
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "a2a_kafka.cli.main", "bench", "--tracing", "--quick"),
        *("--bootstrap-servers", kafka_config.bootstrap_servers),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()

    assert process.returncode == 0, err.decode(errors="replace")[-4000:]
    lines = out.decode().splitlines()
    assert [line.split("|")[1].strip() for line in lines if "| tracing o" in line] == [
        "tracing off",
        "tracing on",
    ]
    assert any(line.split("|")[2].strip() == "100" for line in lines)  # 2 rounds of 50 each
    assert "tracing adds" in lines[-1]
