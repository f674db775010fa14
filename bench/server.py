"""A server process of the benchmark: ``python -m bench.server KIND ...``.

``KIND`` is ``kafka`` (`KafkaConsumerHandler`), ``http`` (a2a's JSON-RPC routes
on uvicorn) or ``floor`` (`bench.floor.FloorServer`). The process prints one
JSON line ``{"ready": ...}`` once it serves, runs until its standard input is
closed (so it never outlives the benchmark), then prints ``{"handled": n}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sys
from collections.abc import Sequence

import uvicorn
from a2a.server.routes import create_jsonrpc_routes
from a2a.types.a2a_pb2 import AgentInterface
from a2a.utils.constants import TransportProtocol
from starlette.applications import Starlette

from a2a_kafka import KafkaConfig, KafkaConsumerHandler, with_kafka_interface
from bench.agent import BenchAgent, bench_card, bench_handler
from bench.floor import FloorServer, floor_topic
from bench.procs import child_arguments
from bench.tuning import Tuning


def _say(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


async def _stdin_closed() -> None:
    await asyncio.to_thread(sys.stdin.buffer.read)


async def serve_kafka(args: argparse.Namespace, config: KafkaConfig) -> int:
    agent = BenchAgent()
    card = with_kafka_interface(bench_card(args.name), config, args.name)
    async with KafkaConsumerHandler(args.name, bench_handler(card, agent), config, agent_card=card):
        _say(ready=True, pid=os.getpid())
        await _stdin_closed()
    return agent.executed


class _Uvicorn(uvicorn.Server):
    """uvicorn that says when it listens."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        _say(ready=True, pid=os.getpid())


async def serve_http(args: argparse.Namespace) -> int:
    agent = BenchAgent()
    url = f"http://127.0.0.1:{args.port}/"
    interface = AgentInterface(
        url=url, protocol_binding=TransportProtocol.JSONRPC, protocol_version="1.0"
    )
    card = bench_card(args.name, [interface])
    app = Starlette(routes=create_jsonrpc_routes(bench_handler(card, agent), "/"))
    config = uvicorn.Config(
        app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False
    )
    server = _Uvicorn(config)
    serving = asyncio.create_task(server.serve())
    await _stdin_closed()
    server.should_exit = True
    await serving
    return agent.executed


async def serve_floor(args: argparse.Namespace, config: KafkaConfig, tuning: Tuning) -> int:
    server = FloorServer(config, floor_topic(args.name), floor_topic(args.name), tuning)
    ready = asyncio.Event()
    serving = asyncio.create_task(server.serve(ready))
    waiting = asyncio.create_task(ready.wait())
    await asyncio.wait({serving, waiting}, return_when=asyncio.FIRST_COMPLETED)
    if serving.done():
        serving.result()  # re-raises why it stopped
    _say(ready=True, pid=os.getpid())
    await _stdin_closed()
    serving.cancel()
    await asyncio.gather(serving, return_exceptions=True)
    return server.handled


async def _main(args: argparse.Namespace) -> None:
    tuning = Tuning.from_json(args.tuning)
    tuning.install()
    config = tuning.apply(
        KafkaConfig(
            bootstrap_servers=args.bootstrap,
            partitions=args.partitions,
            topic_prefix=args.topic_prefix,
        )
    )
    if args.kind == "kafka":
        handled = await serve_kafka(args, config)
    elif args.kind == "http":
        handled = await serve_http(args)
    else:
        handled = await serve_floor(args, config, tuning)
    _say(handled=handled)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.server")
    child_arguments(parser, ("kafka", "http", "floor"))
    asyncio.run(_main(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
