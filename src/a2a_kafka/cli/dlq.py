"""``a2a-kafka dlq list|replay <agent>``: the dead letters of ``agent.<name>.requests.dlq``."""

from __future__ import annotations

import argparse
import json
import time

from a2a_kafka.cli.common import Subparsers, cluster_config
from a2a_kafka.cli.topics import _agent_name
from a2a_kafka.server.dead_letters import TIME, DeadLetter
from a2a_kafka.server.dlq_tools import read_dead_letters, replay
from a2a_kafka.topics import AgentTopics


def register(subparsers: Subparsers) -> None:
    """Add ``dlq list`` and ``dlq replay``."""
    parser = subparsers.add_parser(
        "dlq",
        help="inspect and replay an agent's dead letters",
        description="Requests an agent could not answer (no reply address, undecodable "
        "headers, replies that could not be produced after retries) are kept on "
        "agent.<name>.requests.dlq with headers saying why.",
    )
    actions = parser.add_subparsers(title="actions", metavar="<action>", required=True)
    listing = actions.add_parser("list", help="show the dead letters, oldest first")
    listing.add_argument("agent", type=_agent_name)
    listing.add_argument("--limit", type=int, help="show at most this many")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(handler=_list)
    again = actions.add_parser(
        "replay",
        help="re-submit the dead letters not replayed yet to the request topic",
        description="Re-submits each dead letter once (progress is kept in the consumer "
        "group a2a.dlq-replay.<agent>), with its key, value and original headers.",
    )
    again.add_argument("agent", type=_agent_name)
    again.add_argument("--limit", type=int, help="replay at most this many")
    again.add_argument(
        "--drop-deadline",
        action="store_true",
        help="remove the callers' deadlines (else requests past theirs are skipped as expired)",
    )
    again.set_defaults(handler=_replay)


async def _list(args: argparse.Namespace) -> int:
    config = await cluster_config()
    listing = await read_dead_letters(config, args.agent, limit=args.limit)
    for letter in listing.letters:
        row = _row(letter, listing.was_replayed(letter))
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
        else:
            replayed = " (replayed)" if row["replayed"] else ""
            print(
                f"{row['at']}  {row['time']}  {row['error_type']}: {row['error_message']}\n"
                f"    from {row['origin']}, {row['attempts']} attempt(s), "
                f"method {row['method']}{replayed}"
            )
    if not args.json:
        print(f"{len(listing.letters)} dead letter(s) on {listing.topic}")
    return 0


async def _replay(args: argparse.Namespace) -> int:
    config = await cluster_config()
    count = await replay(config, args.agent, limit=args.limit, drop_deadline=args.drop_deadline)
    print(f"replayed {count} dead letter(s) to {AgentTopics.of(config, args.agent).requests}")
    return 0


def _row(letter: DeadLetter, replayed: bool) -> dict[str, object]:
    try:  # any bytes: a dead letter's own headers may be garbage too
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(letter.annotation(TIME)) / 1000))
    except (ValueError, OverflowError, OSError):
        when = ""
    return {
        "at": f"{letter.partition}@{letter.offset}",
        "time": when,
        "error_type": letter.error_type,
        "error_message": letter.error_message,
        "origin": letter.origin,
        "attempts": letter.attempts,
        "method": _method(letter.value),
        "replayed": replayed,
    }


def _method(value: bytes | None) -> str:
    try:
        method = json.loads(value or b"").get("method")
    except Exception:  # any bytes: not JSON, not an object, nested too deeply
        return "?"
    return method if isinstance(method, str) else "?"
