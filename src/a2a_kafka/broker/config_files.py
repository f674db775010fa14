"""The files the broker reads: ``server.properties``, the log4j config, the storage format."""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import uuid
from importlib import resources
from pathlib import Path

from a2a_kafka.broker.errors import broker_error, tail
from a2a_kafka.broker.layout import HOST, BrokerLayout

_FORMAT_RECORD = "a2a-kafka-format.json"


def server_properties(layout: BrokerLayout, port: int, controller_port: int) -> str:
    """A KRaft combined broker+controller node on loopback, sized for a small machine."""
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"{HOST}:{controller_port}",
        "listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(layout.data),
        "num.partitions": "1",
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        "num.network.threads": "2",
        "num.io.threads": "2",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def write_configs(layout: BrokerLayout, port: int, controller_port: int) -> None:
    """Write ``server.properties`` and the log4j config into the layout's home."""
    layout.log_file.parent.mkdir(parents=True, exist_ok=True)
    layout.properties.write_text(server_properties(layout, port, controller_port))
    log4j = resources.files("a2a_kafka.broker").joinpath("log4j2.yaml").read_bytes()
    layout.log4j_config.write_bytes(log4j)


def cluster_id() -> str:
    """A random Kafka cluster id, as ``kafka-storage random-uuid`` makes them."""
    while True:
        value = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not value.startswith("-"):
            return value


async def ensure_formatted(
    layout: BrokerLayout, java: str, port: int, controller_port: int
) -> None:
    """Format the data directory for these ports, wiping it if formatted for others.

    The KRaft voter set stores the controller's address, so data formatted for
    other ports cannot be reused.
    """
    record = layout.data / _FORMAT_RECORD
    wanted = {"port": port, "controller_port": controller_port}
    if (layout.data / "meta.properties").is_file() and _read_json(record) == wanted:
        return
    shutil.rmtree(layout.data, ignore_errors=True)
    layout.data.mkdir(parents=True)
    args = ("format", "--standalone", "-t", cluster_id(), "-c", str(layout.properties))
    proc = await asyncio.create_subprocess_exec(
        java,
        "-cp",
        f"{layout.lib}/*",
        "kafka.tools.StorageTool",
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await proc.communicate()
    if proc.returncode != 0:
        raise broker_error(
            f"formatting the broker storage in {layout.data} failed",
            f"see the tool's output (below), delete {layout.home} and retry",
            details=f"kafka.tools.StorageTool output:\n{tail(output.decode(errors='replace'))}",
        )
    record.write_text(json.dumps(wanted))


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
