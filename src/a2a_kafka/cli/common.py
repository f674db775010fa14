"""What subcommand modules share: the registration contract and cluster lookup.

A subcommand module (listed in `a2a_kafka.cli.main.COMMANDS`, or added by another
package through the `COMMANDS_GROUP` entry points) exposes::

    def register(subparsers: Subparsers) -> None:
        parser = subparsers.add_parser("name", help="...")
        parser.set_defaults(handler=run)

where ``run(args)`` returns an exit code, or is ``async`` and returns one. A
command whose defaults set ``passes_arguments_on=True`` gets the arguments its
parser does not know as ``args.extra`` (``bench`` hands them to its own parser).
Every handler gets the whole command line, after ``a2a-kafka``, as ``args.argv``
(``serve --workers`` runs it again in each worker).
Handlers raise `A2AKafkaError` for failures the user can fix; `main` prints
those as ``error: ...`` and exits 1. A module is imported only when its command
runs (or for ``--help``), so it imports its heavy dependencies (a2a, aiokafka)
inside the handler: ``a2a-kafka --help`` stays fast.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from a2a_kafka.broker import LocalBroker
    from a2a_kafka.config import KafkaConfig

COMMANDS_GROUP = "a2a_kafka.commands"
"""Entry-point group of commands other packages add (see `a2a_kafka.cli.plugin`)."""

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""The object `register` adds its parser to."""

Handler = Callable[[argparse.Namespace], int | Awaitable[int]]
"""A subcommand's implementation: parsed arguments in, exit code out."""


def agent_name(value: str) -> str:
    """An argparse ``type``: a valid agent name (`a2a_kafka.topics.check_agent_name`)."""
    from a2a_kafka.topics import check_agent_name

    try:
        return check_agent_name(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def local_broker(port: int | None = None) -> LocalBroker:
    """The project's local broker (``A2A_KAFKA_HOME``; ``--port``/``A2A_KAFKA_PORT``)."""
    from a2a_kafka.broker import BrokerLayout, LocalBroker, resolve_controller_port, resolve_port

    chosen = resolve_port(port)
    return LocalBroker(BrokerLayout.default(), chosen, resolve_controller_port(chosen))


async def cluster_config(**overrides: Any) -> KafkaConfig:
    """The cluster to use: ``KAFKA_BOOTSTRAP_SERVERS``, else the running local broker.

    Raises `BrokerError` saying how to get one when neither is available.
    """
    from a2a_kafka.config import KafkaConfig
    from a2a_kafka.errors import BrokerError

    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        return KafkaConfig.from_env(**overrides)
    status = await local_broker().status()
    if not status.answering:
        raise BrokerError(
            "no Kafka cluster: start the local one with `a2a-kafka broker start`, "
            "or set KAFKA_BOOTSTRAP_SERVERS=host:9092 to use an existing cluster"
        )
    return status.config(**overrides)
