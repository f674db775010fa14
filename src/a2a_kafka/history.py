"""Calls and conversations rebuilt from the topics: what `trace`, `replay` and `tail` show.

Every request stays on ``agent.<name>.requests``; every reply a server produced is also
kept on ``agent.<name>.responses`` (the private reply topics of callers go away with
them). `load` joins the two by correlation id into `Call`s. A call made while another
was processed names it in ``a2a-kafka-parent-id`` (and, with tracing on, shares its
``traceparent`` trace id), so the Balance agent's calls to Data and CS hang under the
request that caused them.

Records that are not what the binding says are kept with a ``problem``, never fatal.

Internal module: not part of the public API.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from a2a_kafka.config import KafkaConfig
from a2a_kafka.records import header_text, json_object, read_to_end, request_summary
from a2a_kafka.telemetry.tracing import trace_id_of
from a2a_kafka.topics import AgentTopics
from a2a_kafka.wire import CORRELATION_ID, KIND, PARENT_ID, SEQUENCE

_WORKING = "TASK_STATE_WORKING"


@dataclass(frozen=True, slots=True)
class ReplyEntry:
    """One reply record as the agent produced it."""

    timestamp_ms: int
    kind: str
    """``result``, ``event`` or ``end`` (or what the header said)."""
    sequence: int
    body: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Step:
    """One thing a caller saw: the user's text, a thinking step, a status, an artifact."""

    kind: str
    """``user``, ``thinking``, ``status``, ``artifact``, ``message`` or ``error``."""
    text: str
    timestamp_ms: int
    state: str = ""
    """The task state of a ``status`` or ``thinking`` step."""


@dataclass(slots=True)
class Call:
    """One request record and the replies to it."""

    agent: str
    correlation_id: str
    method: str
    timestamp_ms: int
    partition: int
    offset: int
    key: str
    params: Mapping[str, Any]
    trace_id: str = ""
    parent_id: str = ""
    problem: str = ""
    replies: list[ReplyEntry] = field(default_factory=list)

    @property
    def task_id(self) -> str:
        """The task the call was about, from its request or its replies."""
        message = self.params.get("message")
        asked = message.get("taskId") if isinstance(message, Mapping) else self.params.get("id")
        return _text(asked) or _text(self.params.get("taskId")) or self._from_replies("taskId")

    @property
    def context_id(self) -> str:
        """The conversation the call belongs to, from its request or its replies."""
        message = self.params.get("message")
        asked = message.get("contextId") if isinstance(message, Mapping) else None
        return _text(asked) or self._from_replies("contextId")

    @property
    def duration_ms(self) -> int:
        """Request record to last reply record, in milliseconds (0 with no reply)."""
        last = max((r.timestamp_ms for r in self.replies), default=self.timestamp_ms)
        return last - self.timestamp_ms

    def _from_replies(self, name: str) -> str:
        for reply in self.replies:
            result = reply.body.get("result") if reply.body else None
            if not isinstance(result, Mapping):
                continue
            for kind, obj in result.items():
                if isinstance(obj, Mapping):
                    found = obj.get("id" if kind == "task" and name == "taskId" else name)
                    if _text(found):
                        return str(found)
        return ""

    def steps(self) -> list[Step]:
        """What the caller saw, in order: its own text, then each reply."""
        steps = []
        if text := _message_text(self.params.get("message")):
            steps.append(Step("user", text, self.timestamp_ms))
        for reply in self.replies:
            steps += reply_steps(reply)
        return steps


@dataclass(frozen=True, slots=True)
class Turn:
    """A call with the calls it caused (recursively), for `conversation` and `trace`."""

    call: Call
    calls: tuple[Turn, ...] = ()


async def load(
    config: KafkaConfig, agents: Iterable[str] | None = None, since_ms: int | None = None
) -> list[Call]:
    """Every call of ``agents`` (default: every agent served on the cluster), by time."""
    from a2a_kafka.monitoring import served_agents

    names = list(agents) if agents is not None else await served_agents(config)
    topics = {AgentTopics.of(config, n).requests: n for n in names}
    responses = {AgentTopics.of(config, n).responses: n for n in names}
    calls: dict[str, Call] = {}
    unmatched: list[Call] = []
    replies: dict[str, dict[int, ReplyEntry]] = {}
    async for record in read_to_end(config, [*topics, *responses], since_ms):
        headers = header_text(record.headers)
        cid = headers.get(CORRELATION_ID, "")
        if record.topic in responses:
            entry = _reply_entry(record.timestamp, headers, record.value)
            replies.setdefault(cid, {}).setdefault(entry.sequence, entry)
            continue
        call = _call(topics[record.topic], record, headers)
        if cid and cid not in calls:
            calls[cid] = call
        else:
            unmatched.append(call)
    for cid, call in calls.items():
        call.replies = sorted(replies.get(cid, {}).values(), key=lambda r: r.sequence)
    return sorted([*calls.values(), *unmatched], key=lambda c: (c.timestamp_ms, c.offset))


def conversation(calls: Sequence[Call], context_id: str) -> list[Turn]:
    """The turns of a conversation (its calls, by time) with the calls each caused."""
    top = [c for c in calls if c.context_id == context_id]
    tops = {c.correlation_id for c in top}
    return [_turn(c, calls, tops) for c in top]


def trace(calls: Sequence[Call], ident: str) -> list[Turn]:
    """The call with correlation id ``ident``, or every root call of trace ``ident``."""
    by_cid = [c for c in calls if c.correlation_id == ident]
    if by_cid:
        return [_turn(by_cid[0], calls, set())]
    in_trace = [c for c in calls if c.trace_id == ident]
    cids = {c.correlation_id for c in in_trace}
    return [_turn(c, in_trace, set()) for c in in_trace if c.parent_id not in cids]


def _turn(call: Call, calls: Sequence[Call], exclude: set[str]) -> Turn:
    children = [
        c
        for c in calls
        if c.parent_id == call.correlation_id and c.correlation_id not in exclude and c is not call
    ]
    return Turn(call, tuple(_turn(c, calls, exclude) for c in children))


def _call(agent: str, record: Any, headers: Mapping[str, str]) -> Call:
    summary = request_summary(record.value)
    key = record.key.decode(errors="replace") if isinstance(record.key, bytes) else ""
    method, params = summary if summary is not None else ("?", {})
    return Call(
        agent=agent,
        correlation_id=headers.get(CORRELATION_ID, ""),
        method=method,
        timestamp_ms=record.timestamp,
        partition=record.partition,
        offset=record.offset,
        key=key,
        params=params,
        trace_id=trace_id_of(record.headers or ()),
        parent_id=headers.get(PARENT_ID, ""),
        problem="" if summary is not None else "not a JSON-RPC request",
    )


def _reply_entry(timestamp: int, headers: Mapping[str, str], value: object) -> ReplyEntry:
    sequence = headers.get(SEQUENCE, "0")
    body = json_object(value)
    return ReplyEntry(
        timestamp,
        headers.get(KIND, "result"),
        int(sequence) if re.fullmatch(r"\d{1,9}", sequence) else 0,
        body,
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _message_text(message: object) -> str:
    if not isinstance(message, Mapping):
        return ""
    parts = message.get("parts")
    if not isinstance(parts, list):
        return ""
    return "\n".join(str(p["text"]) for p in parts if isinstance(p, Mapping) and "text" in p)


def reply_steps(reply: ReplyEntry) -> list[Step]:
    body, when = reply.body, reply.timestamp_ms
    if body is None:
        return []
    if isinstance(error := body.get("error"), Mapping):
        return [Step("error", str(error.get("message", error)), when)]
    result = body.get("result")
    if not isinstance(result, Mapping):
        return []
    steps: list[Step] = []
    if isinstance(update := result.get("statusUpdate"), Mapping):
        steps += _status_steps(update.get("status"), when)
    update = result.get("artifactUpdate")
    if isinstance(update, Mapping) and (text := _artifact_text(update.get("artifact"))):
        steps.append(Step("artifact", text, when))
    if isinstance(task := result.get("task"), Mapping):
        for artifact in task.get("artifacts") or []:
            if text := _artifact_text(artifact):
                steps.append(Step("artifact", text, when))
        steps += _status_steps(task.get("status"), when)
    if isinstance(message := result.get("message"), Mapping):
        steps.append(Step("message", _message_text(message), when))
    return steps


def _status_steps(status: object, when: int) -> list[Step]:
    if not isinstance(status, Mapping):
        return []
    state = str(status.get("state", ""))
    text = _message_text(status.get("message"))
    if state == _WORKING and not text:
        return []
    return [Step("thinking" if state == _WORKING else "status", text, when, state)]


def _artifact_text(artifact: object) -> str:
    return _message_text(artifact) if isinstance(artifact, Mapping) else ""
