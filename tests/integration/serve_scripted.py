"""Run the scripted agent over Kafka in its own process (for crash tests).

Usage: ``python serve_scripted.py <bootstrap> <agent-name>``; prints ``ready``
on stdout once it has joined its consumer group.
"""

from __future__ import annotations

import asyncio
import sys

from scripted_agent import agent_card, request_handler

from a2a_kafka import KafkaConfig, KafkaConsumerHandler


async def main(bootstrap: str, name: str) -> None:
    config = KafkaConfig(bootstrap_servers=bootstrap)
    card = agent_card(name)
    async with KafkaConsumerHandler(name, request_handler(card), config, agent_card=card) as server:
        print("ready", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
