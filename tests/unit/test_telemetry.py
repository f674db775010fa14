"""Telemetry without a broker: off by default, optional packages, any bytes, the tools' model."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from a2a_kafka.history import Call, ReplyEntry, reply_steps
from a2a_kafka.records import header_text, json_object, request_summary
from a2a_kafka.telemetry import hooks, logs, tracing
from a2a_kafka.telemetry.tracing import trace_id_of
from a2a_kafka.wire import PARENT_ID

WITHOUT_EXTRA = """
import sys
for name in ("opentelemetry", "prometheus_client"):
    sys.modules[name] = None  # as if the telemetry extra were not installed
from a2a_kafka.telemetry import hooks, metrics, tracing, waterfall
from a2a_kafka.cli.main import main
assert not tracing.installed() and not tracing.enabled()
assert tracing.configure_from_env() is False
call = hooks.calling("data", "agent.data.requests", "SendMessage", {}, "c-1")
with call as observed:
    assert observed.headers({"A2A-Version": "1.0"}) == {"A2A-Version": "1.0"}
with waterfall.install() as recent:
    assert recent is None
try:
    metrics.Metrics()
except Exception as exc:
    print(type(exc).__name__, exc)
sys.exit(main(["--help"]))
"""


def test_without_the_telemetry_extra_nothing_breaks_and_nothing_is_recorded() -> None:
    env = {"OTEL_TRACES_EXPORTER": "console", "PATH": ""}
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRA], capture_output=True, text=True, env=env, check=False
    )

    assert done.returncode == 0, done.stderr
    assert "ConfigurationError metrics need: pip install 'a2a-kafka[telemetry]'" in done.stdout
    assert "replay" in done.stdout  # the CLI is whole


def test_off_by_default_a_call_costs_a_shared_no_op() -> None:
    assert not tracing.enabled()

    first = hooks.calling("data", "t", "SendMessage", {}, "c-1")
    second = hooks.calling("cs", "t", "GetTask", {"id": "x"}, "c-2")

    assert first is second
    parameters = {"A2A-Version": "1.0"}
    assert first.headers(parameters) is parameters


@dataclass
class Record:
    topic: str = "agent.data.requests"
    partition: int = 0
    offset: int = 0
    timestamp: int = 0
    key: Any = None
    value: Any = None
    headers: Any = ()


async def test_a_request_processed_names_itself_as_the_parent_of_calls_it_makes() -> None:
    seen: list[object] = []

    async def process(record: Any) -> None:
        seen.append(hooks.calling("cs", "t", "SendMessage", {}, "c-2").headers({}))

    record = Record(headers=[("a2a-kafka-correlation-id", b"parent-1")])
    await hooks.processing(None, record, process)  # type: ignore[arg-type]

    assert seen == [{PARENT_ID: "parent-1"}]
    assert hooks.calling("cs", "t", "SendMessage", {}, "c-3").headers({}) == {}


values = st.one_of(st.none(), st.binary(max_size=200), st.text(max_size=50).map(str.encode))
headers = st.lists(st.tuples(st.text(max_size=20), st.one_of(st.none(), st.binary(max_size=60))))


@given(value=values, found=headers)
def test_any_bytes_are_read_without_raising(value: bytes | None, found: list[Any]) -> None:
    request_summary(value)
    json_object(value)
    header_text(found)
    trace_id_of(found)
    tracing.a2a_attributes("SendMessage", json_object(value) or {})
    Call("data", "", "?", 0, 0, 0, "", json_object(value) or {}).steps()
    assert isinstance(reply_steps(ReplyEntry(0, "event", 0, json_object(value))), list)


@given(
    body=st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
        ),
        max_leaves=30,
    )
)
def test_any_json_reply_or_request_shape_is_read_without_raising(body: Any) -> None:
    if isinstance(body, dict):
        reply_steps(ReplyEntry(0, "event", 0, {"result": body}))
        call = Call("data", "", "SendMessage", 0, 0, 0, "", {"message": body, **body})
        call.replies = [ReplyEntry(0, "event", 0, {"result": body})]
        assert isinstance(call.task_id, str)
        assert isinstance(call.context_id, str)
        call.steps()


def test_reply_steps_of_a_stream() -> None:
    working = {"state": "TASK_STATE_WORKING", "message": {"parts": [{"text": "스캔 50%"}]}}
    asked = {"state": "TASK_STATE_INPUT_REQUIRED", "message": {"parts": [{"text": "어떤 패치?"}]}}
    artifact = {"artifact": {"parts": [{"text": "# 리포트"}]}}
    replies: list[dict[str, Any]] = [
        {"result": {"statusUpdate": {"taskId": "t", "contextId": "c", "status": working}}},
        {"result": {"artifactUpdate": artifact}},
        {"result": {"statusUpdate": {"taskId": "t", "contextId": "c", "status": asked}}},
        {"error": {"code": -32603, "message": "boom"}},
    ]
    call = Call(
        "balance",
        "c1",
        "SendStreamingMessage",
        0,
        0,
        0,
        "",
        {"message": {"parts": [{"text": "밸런스 분석해줘"}]}},
    )
    call.replies = [ReplyEntry(i, "event", i, body) for i, body in enumerate(replies)]

    assert [(s.kind, s.text) for s in call.steps()] == [
        ("user", "밸런스 분석해줘"),
        ("thinking", "스캔 50%"),
        ("artifact", "# 리포트"),
        ("status", "어떤 패치?"),
        ("error", "boom"),
    ]
    assert (call.task_id, call.context_id) == ("t", "c")
    assert call.duration_ms == 3


def test_json_logs_carry_the_bound_request_fields() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("a2a_kafka.test_json_logs")
    logger.addHandler(handler)
    try:
        token = logs.bind({"agent": "data", "correlation_id": "c-1", "task_id": ""})
        logger.warning("hello %s", "там")
        logs.unbind(token)
        logger.warning("after")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())

    assert first["message"] == "hello там"
    assert (first["agent"], first["correlation_id"], first["level"]) == ("data", "c-1", "WARNING")
    assert "task_id" not in first  # empty fields are left out
    assert "agent" not in second
