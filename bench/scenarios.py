"""One function per figure; each returns the JSON-ready results of its scenario.

Latency scenarios interleave the systems in blocks, so that drift of the
machine (other processes, the broker's log segments) touches all of them alike.
"""

from __future__ import annotations

import asyncio
import random
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psutil
from a2a.auth.user import UnauthenticatedUser
from a2a.server.context import ServerCallContext

from bench.agent import BenchAgent, bench_card, bench_handler
from bench.load import Operation, Outcome, closed_loop, fixed_count, sequential
from bench.plan import KIB, Plan
from bench.procs import BenchError, LoadProcess, ServerProcess, cpu_seconds_self
from bench.stats import summary_ms
from bench.systems import System, user_message

BLOCK = 50
"""Requests per system before the next system's turn, in latency scenarios."""


@dataclass
class Run:
    """Everything a scenario needs."""

    plan: Plan
    systems: dict[str, System]
    servers: dict[str, list[ServerProcess]]
    broker: psutil.Process | None
    say: Callable[[str], None]
    payloads: dict[int, str] = field(default_factory=dict)
    loaders: dict[str, list[LoadProcess]] = field(default_factory=dict)
    """Load processes per system; a system without any is driven from this process."""

    def payload(self, size: int) -> str:
        """ASCII text of ``size`` bytes, the same for every system."""
        if size not in self.payloads:
            self.payloads[size] = "".join(random.choices(string.ascii_letters, k=size))
        return self.payloads[size]

    def cpu(self, system: str) -> dict[str, float]:
        """CPU seconds so far of the client, ``system``'s servers and the broker."""
        seconds = {
            "client": cpu_seconds_self(),
            "server": sum(s.cpu_seconds() for s in self.servers[system]),
        }
        if self.broker is not None and system != "http":
            times = self.broker.cpu_times()
            seconds["broker"] = float(times.user + times.system)
        return seconds


def size_label(size: int) -> str:
    return f"{size // KIB} KiB" if size >= KIB else f"{size} B"


def _report(run: Run, what: str, name: str, outcome: Outcome, latency: dict[str, Any]) -> None:
    run.say(
        f"{what:<34} {name:<6} {outcome.answered:>6}/{outcome.sent:<6} answered"
        f"  p50 {latency['p50']:8.2f} ms  p99 {latency['p99']:8.2f} ms"
    )


async def _interleaved(
    run: Run, total: int, operation: Callable[[System], Operation]
) -> dict[str, Outcome]:
    outcomes = {name: Outcome() for name in run.systems}
    done = 0
    while done < total:
        block = min(BLOCK, total - done)
        for name, system in run.systems.items():
            await sequential(operation(system), block, outcomes[name])
        done += block
    return outcomes


def _sender(text: str) -> Callable[[System], Operation]:
    return lambda system: lambda: system.send(text)


async def warm_up(run: Run) -> dict[str, Any]:
    """Requests that are not measured: connections, caches, JIT of the broker."""
    results = {}
    for name, system in run.systems.items():
        outcome = await sequential(_sender(run.payload(KIB))(system), run.plan.warmup)
        results[name] = outcome.counts()
        run.say(f"{'warm-up':<34} {name:<6} {outcome.answered:>6}/{outcome.sent:<6} answered")
    return results


async def round_trip(run: Run) -> dict[str, Any]:
    """Blocking send/reply latency, one request at a time."""
    results: dict[str, Any] = {}
    for size in run.plan.latency_payloads:
        outcomes = await _interleaved(run, run.plan.latency_samples, _sender(run.payload(size)))
        for name, outcome in outcomes.items():
            latency = summary_ms(outcome.latencies)
            _report(run, f"round trip {size_label(size)}", name, outcome, latency)
            results.setdefault(name, {})[str(size)] = {
                **outcome.counts(),
                "latency_ms": latency,
                "samples_ms": [round(s * 1000, 4) for s in outcome.latencies],
            }
    return results


async def streaming(run: Run) -> dict[str, Any]:
    """Time to the first and to the last event of a stream."""
    events = run.plan.stream_events
    first: dict[str, list[float]] = {name: [] for name in run.systems}
    last: dict[str, list[float]] = {name: [] for name in run.systems}

    def operation(system: System) -> Operation:
        async def one() -> None:
            started = time.perf_counter()
            arrivals = await system.stream(events)
            first[system.name].append(arrivals[0] - started)
            last[system.name].append(arrivals[-1] - started)

        return one

    outcomes = await _interleaved(run, run.plan.stream_samples, operation)
    results = {}
    for name, outcome in outcomes.items():
        results[name] = {
            **outcome.counts(),
            "events": events,
            "first_event_ms": summary_ms(first[name]),
            "last_event_ms": summary_ms(last[name]),
        }
        _report(run, f"stream of {events}: last event", name, outcome, summary_ms(last[name]))
    return results


async def conversation(run: Run) -> dict[str, Any]:
    """A conversation of ``turns`` blocking turns, end to end."""
    turns = run.plan.turns
    outcomes = await _interleaved(
        run, run.plan.conversations, lambda s: lambda: s.conversation(turns)
    )
    results = {}
    for name, outcome in outcomes.items():
        latency = summary_ms(outcome.latencies)
        results[name] = {**outcome.counts(), "turns": turns, "latency_ms": latency}
        _report(run, f"conversation of {turns} turns", name, outcome, latency)
    return results


def shares(concurrency: int, processes: int) -> list[int]:
    """``concurrency`` split as evenly as possible over at most ``processes`` (no zeros)."""
    base, extra = divmod(concurrency, processes)
    return [n for n in (base + (i < extra) for i in range(processes)) if n]


async def _from_loaders(
    loaders: list[LoadProcess], size: int, concurrency: int, seconds: float
) -> tuple[Outcome, float, float]:
    """One cell from the load processes: merged outcome, their CPU seconds, the busiest's share."""
    parts = await asyncio.gather(
        *(
            loader.cell(share, seconds, size)
            for loader, share in zip(loaders, shares(concurrency, len(loaders)), strict=False)
        )
    )
    outcome = Outcome()
    for part in parts:
        outcome.sent += part["sent"]
        outcome.answered += part["answered"]
        outcome.errors += part["first_errors"][: 5 - len(outcome.errors)]
        outcome.latencies += [ms / 1000 for ms in part["latencies_ms"]]
        outcome.seconds = max(outcome.seconds, part["seconds"])
    busiest = max(part["cpu_s"] / part["seconds"] for part in parts if part["seconds"])
    return outcome, sum(part["cpu_s"] for part in parts), busiest


async def throughput_cell(run: Run, name: str, size: int, concurrency: int) -> dict[str, Any]:
    """Closed-loop throughput of one system at one payload size and concurrency.

    The load comes from the system's load processes (``run.loaders``), else from
    this process. Besides CPU seconds per 1,000 requests the cell records how
    busy the busiest client process and the servers were (cores, from their CPU
    time over the cell's wall time): a client near 1.0 is the bottleneck.
    """
    text, seconds = run.payload(size), run.plan.throughput_seconds
    loaders = run.loaders.get(name, [])
    before = run.cpu(name)
    if loaders:
        outcome, client_cpu, client_busy = await _from_loaders(loaders, size, concurrency, seconds)
    else:
        system = run.systems[name]
        outcome = await closed_loop(lambda: system.send(text), concurrency, seconds)
    after = run.cpu(name)
    cpu = {role: after[role] - before[role] for role in before}
    if loaders:
        cpu["client"] = client_cpu
    else:
        client_busy = cpu["client"] / outcome.seconds if outcome.seconds else 0.0
    rate = outcome.answered / outcome.seconds if outcome.seconds else 0.0
    latency = summary_ms(outcome.latencies)
    run.say(
        f"{f'throughput {size_label(size)} c={concurrency}':<34} {name:<6} "
        f"{outcome.answered:>6}/{outcome.sent:<6} answered  {rate:8.1f} req/s"
        f"  p50 {latency['p50']:8.2f} ms  server {cpu['server'] / outcome.seconds:.2f} cores,"
        f" busiest client {client_busy:.2f}"
    )
    per_1000 = (
        {role: s * 1000 / outcome.answered for role, s in cpu.items()} if outcome.answered else {}
    )
    return {
        **outcome.counts(),
        "seconds": outcome.seconds,
        "requests_per_s": rate,
        "latency_ms": latency,
        "cpu_s": cpu,
        "cpu_s_per_1000": per_1000,
        "client_processes": len(shares(concurrency, len(loaders))) if loaders else 0,
        "busiest_client_cores": client_busy,
        "server_cores": cpu["server"] / outcome.seconds if outcome.seconds else 0.0,
    }


async def throughput(run: Run) -> dict[str, Any]:
    """Requests/s per system, payload size and concurrency."""
    results: dict[str, Any] = {}
    for size in run.plan.payloads:
        for concurrency in run.plan.concurrencies:
            for name in run.systems:
                cell = await throughput_cell(run, name, size, concurrency)
                results.setdefault(name, {}).setdefault(str(size), {})[str(concurrency)] = cell
    return results


async def _reference_cell(run: Run, loader: LoadProcess) -> dict[str, Any]:
    concurrency, seconds = run.plan.cpu_concurrency, run.plan.throughput_seconds
    before = run.cpu("http")
    part = await loader.cell(concurrency, seconds, KIB)
    server = run.cpu("http")["server"] - before["server"]
    wall, answered = part["seconds"], part["answered"]
    rate = answered / wall if wall else 0.0
    run.say(
        f"{f'throughput 1 KiB c={concurrency}':<34} {loader.system:<6} "
        f"{answered:>6}/{part['sent']:<6} answered  {rate:8.1f} req/s"
        f"  server {server / wall:.2f} cores, client {part['cpu_s'] / wall:.2f}"
    )
    latency = summary_ms([ms / 1000 for ms in part.pop("latencies_ms")])
    per_1000 = {"client": part["cpu_s"], "server": server}
    return {
        **part,
        "requests_per_s": rate,
        "latency_ms": latency,
        "cpu_s_per_1000": {k: v * 1000 / answered for k, v in per_1000.items()} if answered else {},
        "busiest_client_cores": part["cpu_s"] / wall if wall else 0.0,
        "server_cores": server / wall if wall else 0.0,
    }


async def http_reference(
    run: Run, references: dict[str, LoadProcess], rounds: int = 4
) -> dict[str, Any]:
    """HTTP's benchmark cell and reference clients' cells, ``rounds`` times each, in ABBA order.

    ``references`` are single load processes against the run's HTTP server, at
    1 KiB and the CPU figure's concurrency: ``plain``, a2a's `ClientFactory` with
    its default httpx client (``bench.loader http-plain``), and ``one_pool``, the
    benchmark's earlier client (``http-one-pool``). ``bench_over_plain`` is the
    sum of the benchmark's rates over the plain client's.
    """
    concurrency = run.plan.cpu_concurrency
    cells: dict[str, list[dict[str, Any]]] = {"bench": [], **{who: [] for who in references}}
    order = ["bench", *references]
    for i in range(rounds):
        for who in order if i % 2 == 0 else reversed(order):  # ABBA: no client always first
            if who == "bench":
                cells[who].append(await throughput_cell(run, "http", KIB, concurrency))
            else:
                cells[who].append(await _reference_cell(run, references[who]))
    rates = {who: sum(c["requests_per_s"] for c in cs) for who, cs in cells.items()}
    ratio = rates["bench"] / rates["plain"] if rates["plain"] else 0.0
    run.say(f"HTTP in the benchmark / plain a2a-sdk client at c={concurrency}: {ratio:.2f}")
    return {"concurrency": concurrency, **cells, "bench_over_plain": ratio}


async def _handler_concurrent(run: Run, call: Operation) -> dict[str, Any]:
    """The handler alone at the CPU figure's concurrency: CPU ms per 1 KiB request, rate."""
    concurrency = run.plan.cpu_concurrency
    cpu = cpu_seconds_self()
    outcome = await fixed_count(call, concurrency, run.plan.latency_samples)
    cpu_ms = (cpu_seconds_self() - cpu) * 1000 / max(outcome.answered, 1)
    rate = outcome.answered / outcome.seconds if outcome.seconds else 0.0
    run.say(
        f"{f'a2a handler in-process c={concurrency}':<34} {'-':<6} "
        f"{outcome.answered:>6}/{outcome.sent:<6} answered  {rate:8.1f} req/s  {cpu_ms:.2f} ms CPU"
    )
    return {
        **outcome.counts(),
        "concurrency": concurrency,
        "requests_per_s": rate,
        "cpu_ms_per_request": cpu_ms,
    }


async def a2a_in_process(run: Run) -> dict[str, Any]:
    """a2a's request handler called directly, no transport: the A2A processing all pay."""
    agent = BenchAgent()
    handler = bench_handler(bench_card("in-process"), agent)
    context = ServerCallContext(user=UnauthenticatedUser())
    results = {}
    for size in run.plan.latency_payloads:
        text = f"echo {run.payload(size)}"

        async def call(text: str = text) -> None:
            await handler.on_message_send(user_message(text), context)

        cpu = cpu_seconds_self()
        outcome = await sequential(call, run.plan.latency_samples)
        cpu_ms = (cpu_seconds_self() - cpu) * 1000 / max(outcome.answered, 1)
        latency = summary_ms(outcome.latencies)
        _report(run, f"a2a handler in-process {size_label(size)}", "-", outcome, latency)
        results[str(size)] = {
            **outcome.counts(),
            "latency_ms": latency,
            "cpu_ms_per_request": cpu_ms,
        }
        if size == KIB:
            results["concurrent"] = await _handler_concurrent(run, call)
    events = run.plan.stream_events

    async def stream() -> None:
        request = user_message(f"stream {events}")
        count = len([e async for e in handler.on_message_send_stream(request, context)])
        if count != events:
            raise BenchError(f"in-process stream: {count} of {events} events")

    outcome = await sequential(stream, run.plan.stream_samples)
    latency = summary_ms(outcome.latencies)
    _report(run, f"a2a handler in-process, {events} events", "-", outcome, latency)
    results["stream"] = {**outcome.counts(), "events": events, "latency_ms": latency}
    return results
