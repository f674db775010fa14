"""What subcommand modules share: the registration contract and cluster lookup.

A subcommand module (listed in `a2a_kafka.cli.main.SUBCOMMANDS`) exposes::

    def register(subparsers: Subparsers) -> None:
        parser = subparsers.add_parser("name", help="...")
        parser.set_defaults(handler=run)

where ``run(args)`` returns an exit code, or is ``async`` and returns one.
Handlers raise `A2AKafkaError` for failures the user can fix; `main` prints
those as ``error: ...`` and exits 1.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias

from a2a_kafka.broker import BrokerLayout, LocalBroker, resolve_controller_port, resolve_port
from a2a_kafka.config import KafkaConfig
from a2a_kafka.errors import BrokerError

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""The object `register` adds its parser to."""

Handler = Callable[[argparse.Namespace], int | Awaitable[int]]
"""A subcommand's implementation: parsed arguments in, exit code out."""


def local_broker(port: int | None = None) -> LocalBroker:
    """The project's local broker (``A2A_KAFKA_HOME``; ``--port``/``A2A_KAFKA_PORT``)."""
    chosen = resolve_port(port)
    return LocalBroker(BrokerLayout.default(), chosen, resolve_controller_port(chosen))


async def cluster_config(**overrides: Any) -> KafkaConfig:
    """The cluster to use: ``KAFKA_BOOTSTRAP_SERVERS``, else the running local broker.

    Raises `BrokerError` saying how to get one when neither is available.
    """
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        return KafkaConfig.from_env(**overrides)
    status = await local_broker().status()
    if not status.answering:
        raise BrokerError(
            "no Kafka cluster: start the local one with `a2a-kafka broker start`, "
            "or set KAFKA_BOOTSTRAP_SERVERS=host:9092 to use an existing cluster"
        )
    return status.config(**overrides)
