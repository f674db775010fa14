"""The API for commands that other packages add to ``a2a-kafka`` (public).

A package adds a command through the entry-point group `COMMANDS_GROUP`, whose value names
a ``register(subparsers)`` function (the contract of `a2a_kafka.cli.common`)::

    [project.entry-points."a2a_kafka.commands"]
    demo = "game_balance.cli.demo:register"

The module holding ``register`` is imported only when its command runs (``a2a-kafka
--help`` lists the command by name and package without importing it); it should still
import its heavy dependencies inside the command's handler. The handler
raises `a2a_kafka.A2AKafkaError` for failures the user can fix (printed as one line).
"""

from a2a_kafka.cli.common import COMMANDS_GROUP, Subparsers, cluster_config, local_broker
from a2a_kafka.cli.render import Outcome, StreamPrinter, turn

__all__ = [
    "COMMANDS_GROUP",
    "Outcome",
    "StreamPrinter",
    "Subparsers",
    "cluster_config",
    "local_broker",
    "turn",
]
