"""Is a run's result complete: every request answered, every system measured?"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

SYSTEMS = ("kafka", "http", "floor")
PER_SYSTEM = ("warm_up", "round_trip", "streaming", "conversation", "throughput")
UNCHECKED = ("http_reference.one_pool",)
"""Figures whose failed requests are a finding, not a failed run: the earlier HTTP client's."""


def _counted(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "sent" in node and "answered" in node:
            yield path, node
        for key, child in node.items():
            yield from _counted(child, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _counted(child, f"{path}.{index}")


def failures(results: dict[str, Any]) -> list[str]:
    """What is wrong with ``results``; empty when all is well."""
    scenarios = results.get("scenarios", {})
    problems = [
        f"{scenario}: {system} was not measured"
        for scenario in PER_SYSTEM
        for system in SYSTEMS
        if system not in scenarios.get(scenario, {})
    ]
    problems += [
        f"{name} is missing"
        for name in ("a2a_in_process", "fanout", "scale_out")
        if not scenarios.get(name)
    ]
    for path, counts in _counted(scenarios, ""):
        if path.startswith(UNCHECKED):
            continue
        if counts["sent"] == 0 or counts["answered"] != counts["sent"]:
            errors = "; ".join(counts.get("first_errors", []))
            problems.append(f"{path}: {counts['answered']} of {counts['sent']} answered {errors}")
    for system, handled in results.get("servers_handled", {}).items():
        if not handled or min(handled) <= 0:
            problems.append(f"the {system} server handled {handled} requests")
    return problems
