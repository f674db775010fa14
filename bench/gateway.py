"""The gateway's added latency: HTTP client -> gateway -> Kafka agent, against HTTP -> agent.

Both paths use a2a's JSON-RPC client over httpx and the same agent code (the ``kafka`` and
``http`` server processes of the run). The gateway is the product command,
``a2a-kafka gateway``, in its own process. Blocking 1 KiB round trips, interleaved in
blocks like the other latency figures; the report is p50 and p99 of both paths and their
difference (what the gateway and the two Kafka hops add).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from a2a.client import A2ACardResolver, ClientConfig, ClientFactory
from a2a.utils.constants import TransportProtocol
from aiokafka import AIOKafkaProducer

from a2a_kafka import KafkaConfig, with_kafka_interface
from a2a_kafka.registry import publish_card
from bench.agent import bench_card
from bench.load import Outcome, sequential
from bench.plan import KIB
from bench.procs import BenchError
from bench.stats import summary_ms
from bench.systems import A2ASystem, System

GATEWAY_START_TIMEOUT = 60.0


@contextlib.asynccontextmanager
async def gateway_process(config: KafkaConfig) -> AsyncIterator[str]:
    """``a2a-kafka gateway --port 0`` while inside; yield its base URL."""
    command = [str(Path(sys.executable).parent / "a2a-kafka"), "gateway", "--port", "0"]
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": config.bootstrap_servers}
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    assert process.stdout is not None
    try:
        async with asyncio.timeout(GATEWAY_START_TIMEOUT):
            line = (await process.stdout.readline()).decode()
        if not line.startswith("gateway "):
            raise BenchError(f"a2a-kafka gateway did not start: {line!r}")
        yield line.split()[1].split("/agents/")[0]
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


@contextlib.asynccontextmanager
async def gateway_system(config: KafkaConfig, agent: str) -> AsyncIterator[A2ASystem]:
    """The agent through a gateway: its card registered, the gateway started, a client."""
    producer = AIOKafkaProducer(**config.producer_kwargs())
    await producer.start()
    try:
        card = with_kafka_interface(bench_card(agent), config, agent)
        await publish_card(producer, config, agent, card)
    finally:
        await producer.stop()
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with (
        gateway_process(config) as base,
        httpx.AsyncClient(limits=limits, timeout=60) as http,
    ):
        served = await A2ACardResolver(http, f"{base}/agents/{agent}").get_agent_card()
        clients = [
            ClientFactory(
                ClientConfig(
                    streaming=streaming,
                    httpx_client=http,
                    supported_protocol_bindings=[TransportProtocol.JSONRPC],
                )
            ).create(served)
            for streaming in (False, True)
        ]
        yield A2ASystem("gateway", *clients)


async def gateway_latency(
    config: KafkaConfig, agent: str, direct: System, samples: int, payload: str, say: Any
) -> dict[str, Any]:
    """Blocking round trips through the gateway and directly over HTTP, interleaved."""
    async with gateway_system(config, agent) as gateway:
        systems: dict[str, System] = {"gateway": gateway, "http": direct}
        outcomes = {name: Outcome() for name in systems}
        for system in systems.values():  # warm-up: connections, the gateway's card cache
            await sequential(lambda s=system: s.send(payload), 5)
        done = 0
        while done < samples:
            block = min(50, samples - done)
            for name, system in systems.items():
                await sequential(lambda s=system: s.send(payload), block, outcomes[name])
            done += block
    results: dict[str, Any] = {}
    for name, outcome in outcomes.items():
        results[name] = {**outcome.counts(), "latency_ms": summary_ms(outcome.latencies)}
    added = {
        q: results["gateway"]["latency_ms"][q] - results["http"]["latency_ms"][q]
        for q in ("p50", "p99")
    }
    results["added_ms"] = added
    say(
        f"{'gateway round trip ' + str(len(payload) // KIB) + ' KiB':<34} "
        f"gateway p50 {results['gateway']['latency_ms']['p50']:.2f} ms "
        f"p99 {results['gateway']['latency_ms']['p99']:.2f} ms; "
        f"direct HTTP p50 {results['http']['latency_ms']['p50']:.2f} ms "
        f"p99 {results['http']['latency_ms']['p99']:.2f} ms; "
        f"added p50 {added['p50']:.2f} ms p99 {added['p99']:.2f} ms"
    )
    return results
