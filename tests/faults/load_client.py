"""A caller in its own process (for the client-restart fault).

Usage: ``python load_client.py <bootstrap> <agent> <requests.json> <outcomes.jsonl>``.
Sends every (message id, text) of ``requests.json`` concurrently and appends
``{"id": ..., "outcome": ...}`` to ``outcomes.jsonl`` as each one ends.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from harness import Load

from a2a_kafka import KafkaConfig, KafkaTransport


async def main(bootstrap: str, agent: str, texts: list[tuple[str, str]], outcomes: Path) -> None:
    # one caller id across restarts: its re-sent messages are retries, answered once
    config = KafkaConfig(bootstrap_servers=bootstrap, caller_id=f"load-client-{agent}")
    transport = KafkaTransport.create(config, agent)
    load = Load(transport, texts, concurrency=64, timeout=60.0)

    def record(message_id: str, outcome: str) -> None:
        with outcomes.open("a") as out:
            out.write(json.dumps({"id": message_id, "outcome": outcome}) + "\n")

    load.on_outcome = record
    try:
        await load.run()
    finally:
        await transport.close()


if __name__ == "__main__":
    a = sys.argv[1:]
    pairs = [(str(m), str(t)) for m, t in json.loads(Path(a[2]).read_text())]
    asyncio.run(main(a[0], a[1], pairs, Path(a[3])))
