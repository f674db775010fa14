"""The files the broker reads: ``server.properties``, the log4j config, the storage format."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import uuid
from importlib import resources
from pathlib import Path

from a2a_kafka.broker import process
from a2a_kafka.broker.errors import broker_error, tail
from a2a_kafka.broker.layout import HOST, BrokerLayout
from a2a_kafka.broker.security import BrokerSecurity
from a2a_kafka.broker.tls import TlsFiles

_FORMAT_RECORD = "a2a-kafka-format.json"


def server_properties(
    layout: BrokerLayout,
    port: int,
    controller_port: int,
    security: BrokerSecurity | None = None,
    tls: TlsFiles | None = None,
) -> str:
    """A KRaft combined broker+controller node on loopback, sized for a small machine.

    ``security`` adds its secured listeners (``tls``: the keystore of TLS ones).
    """
    secured = security or BrokerSecurity()
    extra = secured.listener_entries()
    protocols = [f"{name}:{name}" for name in secured.listeners]
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"{HOST}:{controller_port}",
        "listeners": ",".join(
            [f"PLAINTEXT://{HOST}:{port}", f"CONTROLLER://{HOST}:{controller_port}", *extra]
        ),
        "advertised.listeners": ",".join([f"PLAINTEXT://{HOST}:{port}", *extra]),
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": ",".join(
            ["PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT", *protocols]
        ),
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
        **secured.broker_settings(tls),
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def write_configs(
    layout: BrokerLayout,
    port: int,
    controller_port: int,
    security: BrokerSecurity | None = None,
    tls: TlsFiles | None = None,
) -> None:
    """Write ``server.properties`` and the log4j config into the layout's home."""
    layout.log_file.parent.mkdir(parents=True, exist_ok=True)
    text = server_properties(layout, port, controller_port, security, tls)
    layout.properties.write_text(text)
    if tls is not None:
        layout.properties.chmod(0o600)  # it holds the keystore password
    log4j = resources.files("a2a_kafka.broker").joinpath("log4j2.yaml").read_bytes()
    layout.log4j_config.write_bytes(log4j)


def cluster_id() -> str:
    """A random Kafka cluster id, as ``kafka-storage random-uuid`` makes them."""
    while True:
        value = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not value.startswith("-"):
            return value


async def ensure_formatted(
    layout: BrokerLayout,
    java: str,
    port: int,
    controller_port: int,
    security: BrokerSecurity | None = None,
) -> None:
    """Format the data directory for these ports, wiping it if formatted for others.

    The KRaft voter set stores the controller's address, so data formatted for
    other ports cannot be reused; SCRAM users (``security``) are created here too,
    so data formatted for other users is not reused either.
    """
    record = layout.data / _FORMAT_RECORD
    users = security.format_arguments() if security else []
    wanted: dict[str, object] = {"port": port, "controller_port": controller_port}
    if users:  # a fingerprint: the record never holds the passwords themselves
        wanted["scram"] = hashlib.sha256("\0".join(users).encode()).hexdigest()
    if (layout.data / "meta.properties").is_file() and _read_json(record) == wanted:
        return
    shutil.rmtree(layout.data, ignore_errors=True)
    layout.data.mkdir(parents=True)
    args = ("format", "--standalone", "-t", cluster_id(), "-c", str(layout.properties), *users)
    code, output = await process.run(
        java, "-cp", f"{layout.lib}/*", "kafka.tools.StorageTool", *args
    )
    if code != 0:
        raise broker_error(
            f"formatting the broker storage in {layout.data} failed",
            f"see the tool's output (below), delete {layout.home} and retry",
            details=f"kafka.tools.StorageTool output:\n{tail(output)}",
        )
    record.write_text(json.dumps(wanted))


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
