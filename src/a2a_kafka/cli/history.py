"""``a2a-kafka trace|replay|tail``: calls and conversations read back from the topics.

- ``trace <correlation-id|trace-id>``: one call's records (or a trace's calls) in order,
  each reply with its time since the request, and the calls it caused under it;
- ``replay --context <id>``: a whole conversation, every turn and thinking step, with
  the calls to other agents each turn caused (text, or ``--json``);
- ``tail <agent>``: the agent's requests and replies as they happen, until Ctrl-C.

They read ``agent.<name>.requests`` and ``agent.<name>.responses`` of every served agent
(see `a2a_kafka.history`); records that are not A2A are shown as such, never fatal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from a2a_kafka.cli.common import Subparsers, cluster_config

if TYPE_CHECKING:  # imported where used: `a2a-kafka --help` loads no aiokafka nor a2a
    from a2a_kafka.history import Call, ReplyEntry, Step, Turn


def register(subparsers: Subparsers) -> None:
    """Add ``trace``, ``replay`` and ``tail``."""
    parser = subparsers.add_parser("trace", help="one call's records in order, with timings")
    parser.add_argument("id", help="a correlation id, or a trace id (32 hex digits)")
    _common(parser)
    parser.set_defaults(handler=_trace)
    parser = subparsers.add_parser(
        "replay", help="a whole conversation across agents, rebuilt from the topics"
    )
    parser.add_argument("--context", required=True, help="the conversation's context id")
    _common(parser)
    parser.set_defaults(handler=_replay)
    parser = subparsers.add_parser("tail", help="an agent's traffic, live, until Ctrl-C")
    parser.add_argument("agent", help="the agent's name")
    parser.set_defaults(handler=_tail)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="JSON instead of text")
    parser.add_argument(
        "--since", type=float, metavar="MINUTES", help="read only the last MINUTES minutes"
    )


async def _calls(args: argparse.Namespace) -> list[Call]:
    from a2a_kafka.history import load

    since = None
    if args.since is not None:
        since = int((dt.datetime.now(dt.UTC).timestamp() - args.since * 60) * 1000)
    return await load(await cluster_config(), since_ms=since)


async def _trace(args: argparse.Namespace) -> int:
    from a2a_kafka.errors import A2AKafkaError
    from a2a_kafka.history import trace

    turns = trace(await _calls(args), args.id)
    if not turns:
        raise A2AKafkaError(f"no call with correlation id or trace id {args.id!r} on the cluster")
    _print(turns, args.json, {"id": args.id}, timings=True)
    return 0


async def _replay(args: argparse.Namespace) -> int:
    from a2a_kafka.errors import A2AKafkaError
    from a2a_kafka.history import conversation

    turns = conversation(await _calls(args), args.context)
    if not turns:
        raise A2AKafkaError(f"no conversation with context id {args.context!r} on the cluster")
    _print(turns, args.json, {"context_id": args.context}, timings=False)
    return 0


def _print(turns: list[Turn], as_json: bool, head: dict[str, str], *, timings: bool) -> None:
    if as_json:
        print(json.dumps({**head, "turns": [turn_json(t) for t in turns]}, ensure_ascii=False))
        return
    for number, turn in enumerate(turns, 1):
        print(f"── turn {number} " + "─" * 60)
        _print_turn(turn, 0, timings)


def turn_json(turn: Turn) -> dict[str, Any]:
    """A turn as JSON: the call, what its caller saw (``steps``), the calls it caused."""
    call = turn.call
    return {
        "agent": call.agent,
        "method": call.method,
        "correlation_id": call.correlation_id,
        "trace_id": call.trace_id,
        "task_id": call.task_id,
        "context_id": call.context_id,
        "timestamp_ms": call.timestamp_ms,
        "duration_ms": call.duration_ms,
        "problem": call.problem,
        "steps": [asdict(step) for step in call.steps()],
        "records": [_reply_json(r) for r in call.replies],
        "calls": [turn_json(t) for t in turn.calls],
    }


def _reply_json(reply: ReplyEntry) -> dict[str, Any]:
    return {"timestamp_ms": reply.timestamp_ms, "kind": reply.kind, "sequence": reply.sequence}


def _print_turn(turn: Turn, depth: int, timings: bool) -> None:
    from a2a_kafka.history import reply_steps

    call, pad = turn.call, "    " * depth
    print(
        f"{pad}{_clock(call.timestamp_ms)}  → {call.agent} {call.method}  "
        f"p{call.partition}@{call.offset}  correlation {call.correlation_id or '-'}"
        + (f"  trace {call.trace_id}" if call.trace_id else "")
        + f"  ({call.duration_ms} ms)"
    )
    if call.problem:
        print(f"{pad}    MALFORMED: {call.problem}")
    if timings:
        for reply in call.replies:
            steps = "; ".join(_step_line(s) for s in reply_steps(reply)) or "-"
            when = reply.timestamp_ms - call.timestamp_ms
            print(f"{pad}    +{when:>6} ms  ← {reply.kind} #{reply.sequence}  {steps}")
    else:
        for step in call.steps():
            print(f"{pad}    {_label(step):>14}: {_indent(step.text, pad + ' ' * 20)}")
    for child in turn.calls:
        _print_turn(child, depth + 1, timings)


async def _tail(args: argparse.Namespace) -> int:
    from a2a_kafka.records import follow
    from a2a_kafka.topics import AgentTopics

    config = await cluster_config()
    topics = AgentTopics.of(config, args.agent)
    print(f"following {topics.requests} and {topics.responses} (Ctrl-C to stop)", flush=True)
    async for record in follow(config, [topics.requests, topics.responses]):
        print(tail_line(args.agent, record.topic == topics.requests, record), flush=True)
    return 0


def tail_line(agent: str, is_request: bool, record: Any) -> str:
    """One readable line for a request or reply record, whatever its bytes."""
    from a2a_kafka.history import Call, ReplyEntry, reply_steps
    from a2a_kafka.records import header_text, request_summary
    from a2a_kafka.wire import CORRELATION_ID, KIND, SEQUENCE

    headers = header_text(record.headers)
    cid = headers.get(CORRELATION_ID, "-")[:8]
    when = _clock(record.timestamp)
    if is_request:
        summary = request_summary(record.value)
        if summary is None:
            return f"{when}  → {agent}  [{cid}]  not a JSON-RPC request ({_size(record.value)})"
        method, params = summary
        text = Call(agent, cid, method, 0, 0, 0, "", params).steps()
        said = text[0].text if text else str(params.get("id") or "")
        return f"{when}  → {agent} {method}  [{cid}]  {_one_line(said)}"
    kind, seq = headers.get(KIND, "result"), headers.get(SEQUENCE, "0")
    entry = ReplyEntry(record.timestamp, kind, 0, _json(record.value))
    steps = "; ".join(_step_line(s) for s in reply_steps(entry))
    return f"{when}  ← {agent} {kind} #{seq}  [{cid}]  {steps or '-'}"


def _json(value: object) -> dict[str, Any] | None:
    from a2a_kafka.records import json_object

    return json_object(value)


def _step_line(step: Step) -> str:
    label = _label(step)
    return f"{label}: {_one_line(step.text)}"


def _label(step: Step) -> str:
    """``thinking``, ``user``, ``artifact``, ..., or a status step's state (``input_required``)."""
    if step.kind == "status" and step.state:
        return step.state.removeprefix("TASK_STATE_").lower()
    return step.kind


def _clock(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000).strftime("%H:%M:%S.%f")[:-3]


def _size(value: object) -> str:
    return f"{len(value)} bytes" if isinstance(value, bytes) else "no value"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:100]


def _indent(text: str, pad: str) -> str:
    lines: Iterable[str] = text.splitlines() or [""]
    return ("\n" + pad).join(lines)
