"""Run the scripted agent over Kafka in its own process (for crash tests).

Usage: ``python serve_scripted.py <bootstrap> <agent-name>``; prints ``ready``
on stdout once it has joined its consumer group.
"""

from __future__ import annotations

import asyncio
import sys

from scripted_agent import agent_card, request_handler

from a2a_kafka import KafkaConfig, KafkaConsumerHandler
from a2a_kafka.server.run import serve_until_signal


async def main(bootstrap: str, name: str) -> None:
    config = KafkaConfig(bootstrap_servers=bootstrap)
    card = agent_card(name)
    server = KafkaConsumerHandler(name, request_handler(card), config, agent_card=card)
    await server.start()
    print("ready", flush=True)
    await serve_until_signal([server])


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
