"""One server instance of the fault agent, in its own process.

Usage: ``python serve_fault_agent.py <bootstrap> <agent> <database-url> <executions-log>
[max-in-flight]``. Prints ``ready`` once it consumes, serves until SIGTERM
(draining in-flight requests), then prints its `HandlerStats` as one JSON line.

The library's log (INFO, and each keyed request's claim at DEBUG) is appended to
``<executions-log>.servers``, shared by every instance, one line each with its pid:
what a failed fault test quotes about the messages it lost (`harness.server_lines`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path

from fault_agent import ExecutionLog, FaultAgent, fault_card

from a2a_kafka import KafkaConfig, with_kafka_interface
from a2a_kafka.cluster import SharedTaskState
from a2a_kafka.server.run import serve_until_signal


def log_to(path: str) -> None:
    handler = logging.FileHandler(path)  # appends; a line written before a kill -9 is kept
    handler.setFormatter(logging.Formatter("%(asctime)s pid %(process)d %(name)s %(message)s"))
    stderr = logging.StreamHandler()  # warnings on stderr too, as without a handler
    stderr.setLevel(logging.WARNING)
    for one in (handler, stderr):
        logging.getLogger("a2a_kafka").addHandler(one)
    logging.getLogger("a2a_kafka").setLevel(logging.INFO)
    logging.getLogger("a2a_kafka.server.requests").setLevel(logging.DEBUG)


async def main(bootstrap: str, name: str, url: str, log: str, max_in_flight: int) -> None:
    log_to(f"{log}.servers")
    config = KafkaConfig(bootstrap_servers=bootstrap)  # the defaults, as `a2a-kafka serve`
    async with SharedTaskState.open(config, name, url or None) as state:
        card = with_kafka_interface(fault_card(name), config, name)
        handler = state.request_handler(FaultAgent(ExecutionLog(Path(log))), card)
        server = state.consumer_handler(
            handler, agent_card=card, max_in_flight=max_in_flight, drain_timeout=20.0
        )
        await server.start()
        print("ready", flush=True)
        await serve_until_signal([server])
        print(json.dumps(server.stats.as_dict()), flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(main(args[0], args[1], args[2], args[3], int(args[4]) if len(args) > 4 else 64))
