"""Throughput with one and with two server instances of one agent (one consumer group)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bench.plan import KIB
from bench.procs import ServerProcess
from bench.scenarios import Run, throughput_cell


async def scale_out(
    run: Run, start_instance: Callable[[], Awaitable[ServerProcess]]
) -> dict[str, Any]:
    """Kafka throughput at the CPU-figure concurrency with 1, 2, ... server instances.

    Extra instances join the group before their cell and leave after the last
    one; ``handled_per_instance`` shows that each took a share.
    """
    extra: list[ServerProcess] = []
    results: dict[str, Any] = {}
    try:
        for instances in run.plan.scale_out_instances:
            while len(run.servers["kafka"]) < instances:
                instance = await start_instance()
                run.servers["kafka"].append(instance)
                extra.append(instance)
            cell = await throughput_cell(run, "kafka", KIB, run.plan.cpu_concurrency)
            results[str(instances)] = {"instances": instances, **cell}
    finally:
        handled = []
        for instance in extra:
            run.servers["kafka"].remove(instance)
            handled.append(await instance.stop())
    if extra:
        results["extra_instances_handled"] = handled
    return results
