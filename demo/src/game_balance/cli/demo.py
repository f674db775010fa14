"""``a2a-kafka demo``: the game-balance agents talking over Kafka, end to end.

Uses ``KAFKA_BOOTSTRAP_SERVERS`` when set, else starts (or reuses) the local
broker and leaves it running. Serves the Data, CS and Balance agents over
Kafka, then plays a scripted conversation through a2a's `Client`, printing
every thinking update as it streams: a one-shot question, a multi-turn
exchange (the agent asks back), and a full balance analysis in which the
Balance agent calls Data and CS over Kafka. Ends with what Kafka recorded.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from a2a_kafka import KafkaClients, KafkaConfig
    from a2a_kafka.cli.plugin import Subparsers

SCRIPTS: dict[str, list[tuple[str, str]]] = {
    "ko": [
        ("data", "테란 승률?"),
        ("data", "승률?"),
        ("data", "저그"),
        ("balance", "밸런스 분석해줘"),
        ("balance", "7.3"),
    ],
    "en": [
        ("data", "What is the Protoss win rate?"),
        ("balance", "Analyze the balance of patch 7.3"),
    ],
}


def register(subparsers: Subparsers) -> None:
    """Add ``demo``."""
    parser = subparsers.add_parser(
        "demo", help="run the game-balance agents over Kafka and play a conversation"
    )
    parser.add_argument(
        "--lang", choices=["ko", "en", "both"], default="both", help="conversation language"
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for each next event"
    )
    parser.set_defaults(handler=_demo)


async def _demo(args: argparse.Namespace) -> int:
    import asyncio

    from a2a_kafka import KafkaClients
    from game_balance.data import GameData
    from game_balance.serve_kafka import run_kafka_agents

    config = await demo_cluster()
    began = time.monotonic()
    print("opening the match data set (built on first use) …", flush=True)
    data = await asyncio.to_thread(GameData.open)
    async with run_kafka_agents(config, data) as servers, KafkaClients(config) as clients:
        print(f"agents serving over Kafka: {', '.join(sorted(servers))}\n", flush=True)
        script = [
            line for lang in ("ko", "en") if args.lang in (lang, "both") for line in SCRIPTS[lang]
        ]
        await _play(clients, script, args.timeout)
    print(f"\ndemo finished in {time.monotonic() - began:.1f} s")
    await _show_audit_log(config, sorted(servers))
    return 0


async def _play(clients: KafkaClients, script: list[tuple[str, str]], timeout: float) -> None:
    from a2a_kafka import KafkaTransportError
    from a2a_kafka.cli.plugin import StreamPrinter, turn

    context: dict[str, tuple[str, str]] = {}  # agent -> (task id if it asked, context id)
    for agent, text in script:
        print(f"── you → {agent}: {text}", flush=True)
        client = await clients.connect(agent)
        task_id, context_id = context.get(agent, ("", ""))
        outcome = await turn(client, text, StreamPrinter(), timeout, task_id, context_id)
        await client.close()
        if outcome.failed:
            raise KafkaTransportError(f"the {agent} agent failed: {outcome.answers or outcome}")
        context[agent] = (outcome.task_id if outcome.needs_input else "", outcome.context_id)
        print(flush=True)


async def demo_cluster() -> KafkaConfig:
    """``KAFKA_BOOTSTRAP_SERVERS``'s cluster, else the local broker (started if needed)."""
    from a2a_kafka import KafkaConfig
    from a2a_kafka.cli.plugin import local_broker

    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        config = KafkaConfig.from_env()
        print(f"using the cluster at {config.bootstrap_servers} (KAFKA_BOOTSTRAP_SERVERS)")
        return config
    status = await local_broker().start()
    verb = f"started in {status.elapsed:.1f} s" if status.started else "already running"
    print(f"local Apache Kafka {status.version} broker {verb} at {status.bootstrap_servers}")
    print(f"  log: {status.log_file}  (stop it with: a2a-kafka broker stop)")
    return status.config()


async def _show_audit_log(config: KafkaConfig, agents: list[str]) -> None:
    """Print how many records each agent's request topic holds: Kafka's audit log."""
    from a2a_kafka.topics import AgentTopics, record_counts

    topics = [AgentTopics.of(config, agent).requests for agent in agents]
    print("Kafka keeps every request for audit and replay (`a2a-kafka audit <agent>` lists them):")
    for topic, count in (await record_counts(config, topics)).items():
        print(f"  {topic:<28} {count:>6} records")
