"""``a2a-kafka acls agent|caller``: the Kafka ACLs a principal needs, as kafka-acls commands."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from a2a_kafka.cli.common import Subparsers, cluster_config
from a2a_kafka.cli.common import agent_name as _agent_name

if TYPE_CHECKING:
    from a2a_kafka.acls import Acl
    from a2a_kafka.config import KafkaConfig

_DESCRIPTION = (
    "Prints one kafka-acls.sh command per ACL (topic names with A2A_KAFKA_TOPIC_PREFIX, "
    "the cluster of KAFKA_BOOTSTRAP_SERVERS); --apply creates them instead, as the "
    "configured principal, which must be allowed to alter the cluster's ACLs."
)


def register(subparsers: Subparsers) -> None:
    """Add ``acls agent`` and ``acls caller``."""
    parser = subparsers.add_parser(
        "acls", help="the Kafka ACLs an agent or a caller needs", description=_DESCRIPTION
    )
    roles = parser.add_subparsers(title="roles", metavar="<role>", required=True)
    agent = roles.add_parser("agent", help="an agent server", description=_DESCRIPTION)
    agent.add_argument("agent", type=_agent_name)
    agent.add_argument("--group", help="its consumer group (default a2a.agent.<name>)")
    caller = roles.add_parser("caller", help="a caller of agents", description=_DESCRIPTION)
    caller.add_argument("agents", nargs="*", metavar="agent", type=_agent_name)
    caller.add_argument("--client-id", help="the caller's KAFKA_CLIENT_ID (names reply topics)")
    for role in (agent, caller):
        role.add_argument("--principal", required=True, help="e.g. User:data")
        role.add_argument("--apply", action="store_true", help="create the ACLs on the cluster")
    agent.set_defaults(handler=_agent)
    caller.set_defaults(handler=_caller)


async def _agent(args: argparse.Namespace) -> int:
    from a2a_kafka.acls import agent_acls

    config = await _config(args.apply)
    return await _emit(
        config, agent_acls(config, args.agent, args.principal, group_id=args.group), args.apply
    )


async def _caller(args: argparse.Namespace) -> int:
    from a2a_kafka.acls import caller_acls

    config = await _config(args.apply)
    if args.client_id:
        config = config.with_(client_id=args.client_id)
    return await _emit(config, caller_acls(config, args.principal, args.agents), args.apply)


async def _config(apply: bool) -> KafkaConfig:
    from a2a_kafka.config import KafkaConfig

    return await cluster_config() if apply else KafkaConfig.from_env()


async def _emit(config: KafkaConfig, acls: list[Acl], apply: bool) -> int:
    if apply:
        from a2a_kafka.acls import create_acls

        await create_acls(config, acls)
        print(f"created {len(acls)} ACL(s) on {config.bootstrap_servers}")
        return 0
    for acl in acls:
        print(
            f"kafka-acls.sh --bootstrap-server {config.bootstrap_servers} "
            f"--command-config admin.properties --add {acl.kafka_acls_arguments()}"
        )
    return 0
