"""What a run ran on: CPU, memory, Python, library and Kafka versions."""

from __future__ import annotations

import os
import platform
import re
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

PACKAGES = ("a2a-sdk", "aiokafka", "uvicorn", "httpx", "starlette", "protobuf", "a2a-kafka")
_KAFKA_JAR = re.compile(r"kafka_\d+\.\d+-(\d+\.\d+\.\d+[\w.-]*?)\.jar")


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, else what `platform` says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def kafka_version(broker: psutil.Process | None) -> str:
    """The broker's Kafka version, read from its jars when it runs on this machine."""
    if broker is None:
        return "unknown (remote broker)"
    try:
        places = [" ".join(broker.cmdline())]
        lib = Path(broker.cwd()) / "lib"
        if lib.is_dir():
            places += [p.name for p in lib.iterdir()]
    except (psutil.Error, OSError):
        return "unknown"
    for text in places:
        if match := _KAFKA_JAR.search(text):
            return match.group(1)
    return "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe(broker: psutil.Process | None, bootstrap: str) -> dict[str, Any]:
    """The machine description of the results file."""
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "kafka": kafka_version(broker),
        "bootstrap_servers": bootstrap,
        "broker_on_this_machine": broker is not None,
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
    }
