"""One benchmark run: start the servers, measure every scenario, stop, clean up."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from a2a_kafka import KafkaConfig
from a2a_kafka.testing import kafka_cluster_info
from a2a_kafka.topics import AgentTopics
from bench import machine, scenarios
from bench.fanout import fanout
from bench.first_call import first_calls
from bench.floor import floor_topic
from bench.gateway import gateway_latency
from bench.plan import KIB, Plan
from bench.procs import LoadProcess, ServerProcess, listening_process, start_server
from bench.scale import scale_out
from bench.systems import System, floor_system, http_system, kafka_system
from bench.tuning import Tuning
from bench.workers import scenario as workers_scenario

SYSTEMS = ("kafka", "http", "floor")

REFERENCES = {"plain": "http-plain", "one_pool": "http-one-pool"}
"""HTTP's reference clients (`bench.scenarios.http_reference`): their load process kinds."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def _systems(
    config: KafkaConfig, agent: str, port: int, tuning: Tuning
) -> AsyncIterator[dict[str, System]]:
    async with (
        kafka_system(config, agent) as kafka,
        http_system(port, agent) as http,
        floor_system(config, agent, tuning) as floor,
    ):
        yield {"kafka": kafka, "http": http, "floor": floor}


async def _delete_topics(config: KafkaConfig, agent: str) -> None:
    topics = AgentTopics.of(config, agent)
    admin = AIOKafkaAdminClient(**config.client_options())
    with contextlib.suppress(KafkaError):
        await admin.start()
        await admin.delete_topics([topics.requests, topics.responses, floor_topic(agent)])
    await admin.close()


async def _measure(
    bench: scenarios.Run,
    config: KafkaConfig,
    agent: str,
    start_kafka: Callable[[], Awaitable[ServerProcess]],
    references: dict[str, LoadProcess],
) -> dict[str, Any]:
    """Every scenario, in order; their results by name."""
    plan = bench.plan
    return {
        "warm_up": await scenarios.warm_up(bench),
        "round_trip": await scenarios.round_trip(bench),
        "a2a_in_process": await scenarios.a2a_in_process(bench),
        "gateway": await gateway_latency(
            config,
            agent,
            bench.systems["http"],
            plan.latency_samples,
            bench.payload(KIB),
            bench.say,
        ),
        "streaming": await scenarios.streaming(bench),
        "conversation": await scenarios.conversation(bench),
        "throughput": await scenarios.throughput(bench),
        "http_reference": await scenarios.http_reference(bench, references),
        "fanout": await fanout(
            config, agent, plan.callers, plan.requests_per_caller, bench.payload(KIB), bench.say
        ),
        "scale_out": await scale_out(bench, start_kafka),
        "first_call": await first_calls(config, agent, plan.new_callers, bench.say),
        **(await _workers(bench, config)),
    }


async def _workers(bench: scenarios.Run, config: KafkaConfig) -> dict[str, Any]:
    """``serve --workers`` 1 against 2 (`bench.workers`), when the plan has rounds of it."""
    plan = bench.plan
    if not plan.workers_rounds:
        return {}
    bench.say(f"serve --workers 1 and 2, {plan.workers_rounds} round(s) (bench.workers)")
    found = await workers_scenario(
        config.bootstrap_servers, plan.workers_rounds, plan.throughput_seconds, plan.cpu_concurrency
    )
    for line in found["summary"]:
        bench.say(line)
    return {"workers": found}


async def run(
    plan: Plan, config: KafkaConfig, tuning: Tuning, say: Callable[[str], None]
) -> dict[str, Any]:
    """Measure every scenario of ``plan`` against a fresh agent; the results document."""
    started, clock = datetime.datetime.now(datetime.UTC), time.perf_counter()
    config = tuning.apply(config)
    tuning.install()
    agent, port = f"bench-{uuid.uuid4().hex[:8]}", free_port()
    broker = listening_process(int(config.bootstrap_servers.split(",")[0].rsplit(":", 1)[1]))

    def start(kind: str, module: str = "bench.server") -> Awaitable[ServerProcess]:
        return start_server(
            kind,
            name=agent,
            bootstrap=config.bootstrap_servers,
            tuning=tuning,
            port=port,
            partitions=config.partitions,
            timeout=120.0,
            module=module,
        )

    load_at_start = round(os.getloadavg()[0], 2)
    say(f"starting servers for agent {agent} (Kafka at {config.bootstrap_servers})")
    servers: dict[str, list[ServerProcess]] = {
        kind: [proc]
        for kind, proc in zip(SYSTEMS, await asyncio.gather(*map(start, SYSTEMS)), strict=True)
    }
    loaders: list[LoadProcess] = []
    try:
        kinds = [kind for kind in SYSTEMS for _ in range(plan.client_processes)]
        kinds += REFERENCES.values()
        say(f"starting {len(kinds)} load processes ({plan.client_processes} per system)")
        children = await asyncio.gather(*(start(kind, "bench.loader") for kind in kinds))
        loaders = [LoadProcess.of(child) for child in children]
        async with _systems(config, agent, port, tuning) as systems:
            bench = scenarios.Run(plan, systems, servers, broker, say)
            bench.loaders = {kind: [lp for lp in loaders if lp.system == kind] for kind in SYSTEMS}
            kind_of = {lp.system: lp for lp in loaders}
            references = {who: kind_of[kind] for who, kind in REFERENCES.items()}
            results = await _measure(bench, config, agent, lambda: start("kafka"), references)
    finally:
        for loader in loaders:
            await loader.stop()
        handled = {kind: [await s.stop() for s in procs] for kind, procs in servers.items()}
        await _delete_topics(config, agent)
    return {
        "plan": plan.name,
        "plan_details": dataclasses.asdict(plan),
        "tuning": tuning.to_dict(),
        "started": started.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - clock, 1),
        "machine": {
            **machine.describe(broker, config.bootstrap_servers),
            "load_average_1m_at_start": load_at_start,
        },
        "systems": list(SYSTEMS),
        "servers_handled": handled,
        "scenarios": results,
    }


async def run_on_cluster(
    plan: Plan, bootstrap: str | None, tuning: Tuning, say: Callable[[str], None]
) -> dict[str, Any]:
    """`run` ``plan`` on ``bootstrap``, else on `kafka_cluster_info`'s cluster.

    Topics the run creates get 4 partitions, so that two server instances share them evenly.
    """
    if bootstrap:
        config = KafkaConfig.from_env(bootstrap_servers=bootstrap)
        return await run(plan, config.with_(partitions=4), tuning, say)
    async with kafka_cluster_info() as info:
        say(f"Kafka: {info.describe()}")
        return await run(plan, info.config.with_(partitions=4), tuning, say)
