"""``a2a-kafka status [agent ...]``: instances, request lag and dead letters per agent."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from a2a_kafka.cli.common import Subparsers, cluster_config
from a2a_kafka.cli.common import agent_name as _agent_name

if TYPE_CHECKING:
    from a2a_kafka.monitoring import AgentStatus

_HEADER = (
    f"{'agent':<20} {'instances':>9} {'state':<19} {'lag':>6} {'dead letters':>12}  partitions"
)


def register(subparsers: Subparsers) -> None:
    """Add ``status``."""
    parser = subparsers.add_parser(
        "status",
        help="show each agent's instances, request lag and dead letters",
        description="Per agent: members of its consumer group a2a.agent.<name>, requests on "
        "agent.<name>.requests not finished yet (end offset minus committed offset), and "
        "records on agent.<name>.requests.dlq. Partitions are shown as "
        "<partition>:<committed>/<end> ('-': never committed). A group whose instances "
        "use different task states (each sees only its own tasks) is flagged "
        "STATE NOT SHARED. Below each agent, one line per instance: its consume loop as "
        "it last reported it (serving, STUCK: no poll for 60 s, FAILED, or SILENT: no "
        "report for 30 s, the process is dead or frozen). Exit status 1 when an "
        "instance is not serving.",
    )
    parser.add_argument(
        "agents", nargs="*", metavar="agent", type=_agent_name, help="default: every agent"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per agent")
    parser.set_defaults(handler=_status)


async def _status(args: argparse.Namespace) -> int:
    from a2a_kafka.monitoring import agent_status, served_agents

    config = await cluster_config()
    names = args.agents or await served_agents(config)
    if not names:
        print(f"no agents on {config.bootstrap_servers} (no agent.<name>.requests topics)")
        return 0
    statuses = await agent_status(config, names)
    healthy = 0 if all(status.healthy for status in statuses) else 1
    if args.json:
        for status in statuses:
            shared = status.state_shared
            print(json.dumps({**asdict(status), "lag": status.lag, "state_shared": shared}))
        return healthy
    print(_HEADER)
    for status in statuses:
        print(_row(status))
    return healthy


def _row(status: AgentStatus) -> str:
    partitions = " ".join(
        f"{p.partition}:{'-' if p.committed is None else p.committed}/{p.end}"
        for p in status.partitions
    )
    row = (
        f"{status.agent:<20} {status.members:>9} {status.state:<19} {status.lag:>6} "
        f"{status.dead_letters:>12}  {partitions or '(no request topic)'}"
    )
    if not status.state_shared:
        states = ", ".join(sorted(set(status.states)))
        row += f"\n{'':<20} STATE NOT SHARED: the instances use {states}; each sees only its tasks"
    for i in status.instances:
        state = i.state if i.state == "serving" else i.state.upper()
        said = f"{state}: {i.detail}" if i.detail else state
        row += (
            f"\n{'':<2}instance {i.instance[:12]}: {said} "
            f"(last poll {i.since_poll:.1f} s before its report of {i.age:.0f} s ago)"
        )
    return row
