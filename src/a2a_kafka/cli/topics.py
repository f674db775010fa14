"""``a2a-kafka topics create <agent>...`` and ``topics gc``: agents' topics, callers' leftovers."""

from __future__ import annotations

import argparse

from a2a_kafka.cli.common import Subparsers, cluster_config
from a2a_kafka.cli.common import agent_name as _agent_name


def register(subparsers: Subparsers) -> None:
    """Add ``topics create``."""
    parser = subparsers.add_parser("topics", help="manage the topics of agents")
    actions = parser.add_subparsers(title="actions", metavar="<action>", required=True)
    create = actions.add_parser(
        "create",
        help="create agent.<name>.requests and .responses (idempotent)",
        description="Create each agent's request and response topics on the cluster of "
        "KAFKA_BOOTSTRAP_SERVERS, else on the running local broker. Existing topics are kept.",
    )
    create.add_argument("agents", nargs="+", metavar="agent", type=_agent_name)
    create.add_argument("--partitions", type=int, help="partitions of new topics (default 3)")
    create.add_argument("--replication-factor", type=int, help="replication of new topics")
    create.set_defaults(handler=_create)
    gc = actions.add_parser(
        "gc",
        help="delete the reply topics of callers that died without closing",
        description="A live caller writes a heartbeat to its private reply topic every few "
        "seconds (a2a_kafka.reply_topics.HEARTBEAT_INTERVAL). Reply topics silent for longer "
        "than --idle belong to callers that crashed; this deletes them (or lists them with "
        "--dry-run).",
    )
    gc.add_argument(
        "--idle", type=float, metavar="MINUTES", help="default: reply_topics.DEFAULT_IDLE (1 h)"
    )
    gc.add_argument("--dry-run", action="store_true", help="list, do not delete")
    gc.set_defaults(handler=_gc)


async def _create(args: argparse.Namespace) -> int:
    overrides = {
        name: value
        for name, value in (
            ("partitions", args.partitions),
            ("replication_factor", args.replication_factor),
        )
        if value is not None
    }
    from a2a_kafka.topics import AgentTopics, ensure_agent_topics

    config = await cluster_config(**overrides)
    created = set(await ensure_agent_topics(config, args.agents))
    for agent in args.agents:
        topics = AgentTopics.of(config, agent)
        for name in (topics.requests, topics.responses):
            print(f"{'created' if name in created else 'exists '}  {name}")
    print(f"on {config.bootstrap_servers}")
    return 0


async def _gc(args: argparse.Namespace) -> int:
    from a2a_kafka.reply_topics import DEFAULT_IDLE, delete_reply_topics, stale_reply_topics

    config = await cluster_config()
    idle = DEFAULT_IDLE if args.idle is None else args.idle * 60
    stale = await stale_reply_topics(config, idle)
    for name in stale:
        print(f"{'stale  ' if args.dry_run else 'deleted'}  {name}")
    if not args.dry_run:
        await delete_reply_topics(config, stale)
    print(f"{len(stale)} stale reply topic(s) on {config.bootstrap_servers}")
    return 0
