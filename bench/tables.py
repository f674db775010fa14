"""The tables of the report, one function per section, from a results document."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

NAMES = {"kafka": "A2A over Kafka", "http": "A2A over HTTP", "floor": "raw Kafka floor"}


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def ms(value: float) -> str:
    return f"{value:.2f}"


def kib(size: str) -> str:
    return f"{int(size) // 1024} KiB"


def pick(keys: Iterable[str], wanted: str) -> str:
    keys = list(keys)
    return wanted if wanted in keys else max(keys, key=int)


def targets(s: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) rows: issue 17's acceptance, then the fair-client checks.

    Rows of scenarios a run did not measure (older results, other plans) are left out.
    """
    rt = {name: s["round_trip"][name]["1024"]["latency_ms"]["p50"] for name in NAMES}
    a2a = s["a2a_in_process"]["1024"]["latency_ms"]["p50"]
    level = pick(s["throughput"]["kafka"]["1024"], "64")
    rate = {name: s["throughput"][name]["1024"][level]["requests_per_s"] for name in NAMES}
    first = {name: s["streaming"][name]["first_event_ms"]["p50"] for name in NAMES}
    last = {name: s["streaming"][name]["last_event_ms"]["p50"] for name in NAMES}
    transport = (rt["kafka"] - a2a) / rt["floor"]
    rows = [
        (
            "Blocking round trip p50 ≤ 1.10 × HTTP's (1 KiB)",
            f"{ms(rt['kafka'])} ms vs {ms(rt['http'])} ms: {rt['kafka'] / rt['http']:.2f} ×",
            rt["kafka"] <= 1.10 * rt["http"],
        ),
        (
            "Kafka's round trip minus the a2a handler alone ≤ 1.3 × the raw floor's (p50)",
            f"(Kafka {ms(rt['kafka'])} − handler {ms(a2a)}) / floor {ms(rt['floor'])} ms"
            f" = {transport:.2f} ×",
            transport <= 1.3,
        ),
        (
            "Stream of 20: last event p50 ≤ HTTP's",
            f"{ms(last['kafka'])} ms vs {ms(last['http'])} ms: "
            f"{last['kafka'] / last['http']:.2f} ×",
            last["kafka"] <= last["http"],
        ),
        (
            "Stream of 20: first event p50 ≤ HTTP's + 1 ms",
            f"{ms(first['kafka'])} ms vs {ms(first['http'])} ms: "
            f"{first['kafka'] - first['http']:+.2f} ms",
            first["kafka"] <= first["http"] + 1,
        ),
        *_cpu_rows(s, level),
        *_first_call_rows(s),
        *_workers_rows(s),
        (
            f"Kafka throughput at {level} in flight ≥ HTTP's (1 KiB)",
            f"{rate['kafka']:.0f} vs {rate['http']:.0f} req/s: "
            f"{rate['kafka'] / rate['http']:.2f} ×",
            rate["kafka"] >= rate["http"],
        ),
    ]
    rows += _client_rows(s)
    return [(t, m, "met" if ok else "**missed**") for t, m, ok in rows]


def _cpu_rows(s: dict[str, Any], level: str) -> list[tuple[str, str, bool]]:
    alone = s["a2a_in_process"].get("concurrent")
    if not alone:
        return []
    server = s["throughput"]["kafka"]["1024"][level]["cpu_s_per_1000"]["server"]
    handler = alone["cpu_ms_per_request"]
    http = s["throughput"]["http"]["1024"][level]["cpu_s_per_1000"]["server"]
    return [
        (
            f"Server CPU per request ≤ the a2a handler alone + 0.25 ms (1 KiB, {level} in flight)",
            f"{server:.2f} ms vs {handler:.2f} ms: {server - handler:+.2f} ms "
            f"(HTTP's server: {http:.2f} ms)",
            server <= handler + 0.25,
        )
    ]


def _first_call_rows(s: dict[str, Any]) -> list[tuple[str, str, bool]]:
    found = s.get("first_call")
    if not found:
        return []
    extra, warm = found["first_minus_warm_ms"]["p50"], found["warm_ms"]["p50"]
    return [
        (
            "A new caller's first call ≤ a warm call + 20 ms (p50)",
            f"+{extra:.1f} ms over a warm {warm:.1f} ms ({found['callers']} new callers)",
            extra <= 20,
        )
    ]


def _workers_rows(s: dict[str, Any]) -> list[tuple[str, str, bool]]:
    found = s.get("workers")
    if not found:
        return []
    one, two = found["1"]["requests_per_s"], found["2"]["requests_per_s"]
    return [
        (
            "`serve --workers 2` ≥ 1.5 × one worker's throughput "
            f"({found['concurrency']} in flight)",
            f"{two:.0f} vs {one:.0f} req/s: {two / one:.2f} ×",
            two >= 1.5 * one,
        )
    ]


BOTTLENECK_CORES = 0.9
"""A client process busier than this (CPU seconds per wall second) is taken as the bottleneck."""


def _client_rows(s: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """The fair-client rows of the targets (absent from runs before the load processes)."""
    ref = s.get("http_reference")
    if not ref:
        return []
    ratio = ref["bench_over_plain"]
    cells = [
        (name, size, level, cell)
        for name in NAMES
        for size, levels in s["throughput"][name].items()
        for level, cell in levels.items()
    ]
    name, size, level, worst = max(cells, key=lambda c: c[3]["busiest_client_cores"])
    busiest = worst["busiest_client_cores"]
    return [
        (
            "HTTP's throughput within 15 % of a plain a2a-sdk client's "
            f"(1 KiB, {ref['concurrency']} in flight)",
            f"{ratio:.2f} × the plain client's rate (both measured in alternating cells)",
            abs(ratio - 1) <= 0.15,
        ),
        (
            f"No client process is the bottleneck (each < {BOTTLENECK_CORES} of a core busy)",
            f"busiest: {busiest:.2f} cores ({NAMES[name]}, {kib(size)}, {level} in flight)",
            busiest < BOTTLENECK_CORES,
        ),
    ]


def round_trip_section(s: dict[str, Any]) -> str:
    rows = []
    for size in s["round_trip"]["kafka"]:
        p = {n: s["round_trip"][n][size]["latency_ms"] for n in NAMES}
        for name in NAMES:
            rows.append([kib(size), NAMES[name], *(ms(p[name][q]) for q in ("p50", "p95", "p99"))])
        rows.append(
            [
                kib(size),
                "*Kafka / HTTP*",
                *(f"{p['kafka'][q] / p['http'][q]:.2f} ×" for q in ("p50", "p95", "p99")),
            ]
        )
        rows.append(
            [
                kib(size),
                "*Kafka / floor*",
                *(f"{p['kafka'][q] / p['floor'][q]:.2f} ×" for q in ("p50", "p95", "p99")),
            ]
        )
        a2a = s["a2a_in_process"][size]["latency_ms"]
        rows.append(
            [
                kib(size),
                "a2a handler alone, in-process",
                *(ms(a2a[q]) for q in ("p50", "p95", "p99")),
            ]
        )
    return table(["payload", "system", "p50 ms", "p95 ms", "p99 ms"], rows)


def streaming_section(s: dict[str, Any]) -> str:
    rows = []
    for name in NAMES:
        st = s["streaming"][name]
        f, last = st["first_event_ms"], st["last_event_ms"]
        rows.append(
            [
                NAMES[name],
                *(ms(f[q]) for q in ("p50", "p95", "p99")),
                *(ms(last[q]) for q in ("p50", "p95", "p99")),
            ]
        )
    alone = s["a2a_in_process"]["stream"]["latency_ms"]
    rows.append(
        [
            "a2a handler alone, in-process",
            "",
            "",
            "",
            *(ms(alone[q]) for q in ("p50", "p95", "p99")),
        ]
    )
    events = s["streaming"]["kafka"]["events"]
    header = [
        "system",
        "first p50",
        "first p95",
        "first p99",
        f"last ({events}th) p50",
        "last p95",
        "last p99",
    ]
    return table(header, rows)


def throughput_section(s: dict[str, Any]) -> str:
    t = s["throughput"]
    rows = []
    for size in t["kafka"]:
        for level in t["kafka"][size]:
            r = {n: t[n][size][level]["requests_per_s"] for n in NAMES}
            p50 = {n: t[n][size][level]["latency_ms"]["p50"] for n in NAMES}
            rows.append(
                [
                    kib(size),
                    level,
                    *(f"{r[n]:.0f}" for n in NAMES),
                    f"{r['kafka'] / r['http']:.2f} ×",
                    f"{r['kafka'] / r['floor']:.2f} ×",
                    *(ms(p50[n]) for n in NAMES),
                ]
            )
    header = [
        "payload",
        "in flight",
        "Kafka req/s",
        "HTTP req/s",
        "floor req/s",
        "Kafka/HTTP",
        "Kafka/floor",
        "Kafka p50 ms",
        "HTTP p50 ms",
        "floor p50 ms",
    ]
    return table(header, rows)


def _cpu_row(label: str, processes: object, cell: dict[str, Any]) -> list[object]:
    per = cell["cpu_s_per_1000"]
    broker = per.get("broker")
    return [
        label,
        processes,
        f"{per['client']:.2f}",
        f"{per['server']:.2f}",
        "–" if broker is None else f"{broker:.2f}",
        _cores(cell, "busiest_client_cores"),
        _cores(cell, "server_cores"),
    ]


def cpu_section(s: dict[str, Any], level: str) -> str:
    rows = []
    for name in NAMES:
        cell = s["throughput"][name]["1024"][level]
        rows.append(_cpu_row(NAMES[name], cell.get("client_processes", "1 (the runner)"), cell))
    plain = s.get("http_reference", {}).get("plain", [])
    if plain:
        label = f"A2A over HTTP, {CLIENTS['plain']}, mean of {len(plain)} cells"
        rows.append(_cpu_row(label, 1, _mean_cell(plain)))
    alone = s["a2a_in_process"].get("concurrent")
    if alone:
        label = f"a2a handler alone, in-process, {alone['concurrency']} in flight"
        rows.append([label, "–", "", f"{alone['cpu_ms_per_request']:.2f}", "–", "", ""])
    header = [
        "system",
        "client processes",
        "client s / 1,000",
        "server s / 1,000",
        "broker s / 1,000",
        "busiest client process, cores",
        "server, cores",
    ]
    return table(header, rows)


def _mean_cell(cells: list[dict[str, Any]]) -> dict[str, Any]:
    """The CPU figures of ``cells`` averaged (per 1,000 requests and cores)."""
    roles = cells[0]["cpu_s_per_1000"]
    return {
        "cpu_s_per_1000": {
            r: sum(c["cpu_s_per_1000"][r] for c in cells) / len(cells) for r in roles
        },
        **{
            key: sum(c[key] for c in cells) / len(cells)
            for key in ("busiest_client_cores", "server_cores")
        },
    }


def _cores(cell: dict[str, Any], key: str) -> str:
    return f"{cell[key]:.2f}" if key in cell else ""


CLIENTS = {
    "bench": "the benchmark's (load processes, httpx pools of 8)",
    "plain": "plain a2a-sdk client (1 process, httpx defaults)",
    "one_pool": "the benchmark's earlier one (1 process, one pool)",
}
"""HTTP clients of the reference figure, by their key in ``http_reference``."""


def http_reference_section(s: dict[str, Any]) -> str:
    """The benchmark's HTTP column against reference clients (absent from older runs)."""
    ref = s.get("http_reference")
    if not ref:
        return "Not measured in this run."
    rows = []
    for i in range(len(ref["bench"])):
        for who, label in CLIENTS.items():
            if who in ref:
                cell = ref[who][i]
                rows.append(
                    [
                        i + 1,
                        label,
                        f"{cell['requests_per_s']:.0f}",
                        cell["failed"],
                        ms(cell["latency_ms"]["p50"]),
                        f"{cell['cpu_s_per_1000']['client']:.2f}",
                        f"{cell['cpu_s_per_1000']['server']:.2f}",
                        _cores(cell, "busiest_client_cores"),
                        _cores(cell, "server_cores"),
                    ]
                )
    rows.append(["", "*benchmark / plain*", f"{ref['bench_over_plain']:.2f} ×", *[""] * 6])
    header = [
        "round",
        "HTTP client",
        "req/s",
        "failed",
        "p50 ms",
        "client s / 1,000",
        "server s / 1,000",
        "busiest client, cores",
        "server, cores",
    ]
    return table(header, rows)


def fanout_section(s: dict[str, Any]) -> str:
    rows = []
    for callers, phase in s["fanout"].items():
        per = phase["bytes_per_caller"]
        rows.append(
            [
                callers,
                phase["answered"],
                f"{min(per) / 1024:.1f}",
                f"{max(per) / 1024:.1f}",
                f"{phase['mean_bytes_per_caller'] / 1024:.1f}",
                f"{phase['broadcast_bytes_per_caller'] / 1024:.1f}",
            ]
        )
    header = [
        "caller instances",
        "replies",
        "min KiB read / caller",
        "max KiB / caller",
        "mean KiB / caller",
        "if replies were broadcast: KiB / caller",
    ]
    return table(header, rows)


def scale_section(s: dict[str, Any]) -> str:
    rows = []
    for key, cell in s["scale_out"].items():
        if key.isdigit():
            rows.append(
                [
                    key,
                    f"{cell['requests_per_s']:.0f}",
                    ms(cell["latency_ms"]["p50"]),
                    ms(cell["latency_ms"]["p99"]),
                    f"{cell['cpu_s_per_1000']['server']:.2f}",
                ]
            )
    return table(["server instances", "req/s", "p50 ms", "p99 ms", "server CPU s / 1,000"], rows)


def first_call_section(s: dict[str, Any]) -> str:
    found = s.get("first_call")
    if not found:
        return "Not measured in this run."
    names = {"connect_ms": "connect", "first_ms": "first call", "warm_ms": "warm call"}
    rows = [[label, ms(found[key]["p50"]), ms(found[key]["max"])] for key, label in names.items()]
    extra = found["first_minus_warm_ms"]
    rows.append(["**first minus warm**", ms(extra["p50"]), ms(extra["max"])])
    return table(["per new caller", "p50 ms", "max ms"], rows)


def workers_section(s: dict[str, Any]) -> str:
    found = s.get("workers")
    if not found:
        return "Not measured in this run."
    rows = []
    for n in ("1", "2"):
        cell = found[n]
        per = cell["cpu_s_per_1000"]
        rows.append(
            [
                n,
                f"{cell['requests_per_s']:.0f}",
                f"{per['server']:.2f}",
                f"{per.get('broker', 0.0):.2f}" if "broker" in per else "–",
                f"{per['client']:.2f}",
                f"{cell['machine_busy_cores']:.2f}",
            ]
        )
    header = [
        "workers",
        "req/s",
        "server s / 1,000",
        "broker s / 1,000",
        "load processes s / 1,000",
        "machine busy, cores",
    ]
    return table(header, rows) + "\n\n" + "\n".join(f"    {line}" for line in found["summary"])


def conversation_section(s: dict[str, Any]) -> str:
    rows = []
    for name in NAMES:
        c = s["conversation"][name]
        rows.append(
            [
                NAMES[name],
                *(ms(c["latency_ms"][q]) for q in ("p50", "p95", "p99")),
                ms(c["latency_ms"]["p50"] / c["turns"]),
            ]
        )
    return table(["system", "p50 ms", "p95 ms", "p99 ms", "p50 per turn ms"], rows)


def gateway_section(s: dict[str, Any]) -> str:
    """The gateway's added latency (absent from results of runs before the gateway)."""
    g = s.get("gateway")
    if not g:
        return "Not measured in this run."
    rows = [
        [
            "HTTP client → a2a-kafka gateway → Kafka agent",
            *(ms(g["gateway"]["latency_ms"][q]) for q in ("p50", "p99")),
        ],
        ["HTTP client → agent (direct)", *(ms(g["http"]["latency_ms"][q]) for q in ("p50", "p99"))],
        ["added by the gateway", *(ms(g["added_ms"][q]) for q in ("p50", "p99"))],
    ]
    return table(["1 KiB blocking round trip", "p50 ms", "p99 ms"], rows)


def machine_section(m: dict[str, Any]) -> str:
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    rows = [
        ("CPUs (nproc)", m["nproc"]),
        ("CPU model", m["cpu_model"]),
        ("RAM", f"{m['ram_gib']} GiB"),
        ("OS", m["os"]),
        ("Python", m["python"]),
        ("Apache Kafka (broker)", m["kafka"]),
        (
            "load average (1 min) at start, at end",
            f"{m.get('load_average_1m_at_start')}, {m.get('load_average_1m_at_end')}",
        ),
        (
            "broker",
            f"{m['bootstrap_servers']}, "
            + ("on this machine" if m["broker_on_this_machine"] else "remote"),
        ),
        ("packages", packages),
    ]
    return table(["", ""], rows)
