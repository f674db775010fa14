"""``a2a-kafka agents``: the agents registered on the cluster, from the card registry."""

from __future__ import annotations

import argparse
import json

from a2a_kafka.cli.common import Subparsers, cluster_config


def register(subparsers: Subparsers) -> None:
    """Add ``agents``."""
    parser = subparsers.add_parser("agents", help="list the agents registered on the cluster")
    parser.add_argument("--skill", help="only agents with this skill (id, name or tag)")
    parser.add_argument("--json", action="store_true", help="print the cards as JSON")
    parser.set_defaults(handler=_list)


async def _list(args: argparse.Namespace) -> int:
    from google.protobuf.json_format import MessageToDict

    from a2a_kafka.registry import AgentRegistry

    registry = AgentRegistry(await cluster_config())
    cards = await (registry.find_by_skill(args.skill) if args.skill else registry.cards())
    if args.json:
        print(json.dumps({n: MessageToDict(c) for n, c in cards.items()}, ensure_ascii=False))
        return 0
    if not cards:
        print("no agents registered (start one with `a2a-kafka serve <agent>`)")
        return 0
    for name, card in sorted(cards.items()):
        skills = ", ".join(s.name for s in card.skills) or "-"
        url = card.supported_interfaces[0].url if card.supported_interfaces else "-"
        print(f"{name:<12} {card.description[:60]:<60}  skills: {skills}")
        print(f"{'':<12} {url}")
    return 0
