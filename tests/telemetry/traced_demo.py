"""The demo's balance analysis in a process of its own, traced into memory.

Run as ``python traced_demo.py`` with ``KAFKA_BOOTSTRAP_SERVERS`` and
``A2A_KAFKA_TOPIC_PREFIX`` set. Serves the three agents over Kafka (as ``a2a-kafka demo``
does), plays "밸런스 분석해줘" → (the agent asks which patch) → "7.3" through a2a's
`Client`, and prints one JSON object: ``spans`` (every finished span, from an
`InMemorySpanExporter`), ``received`` (what the client saw, per turn, read with a2a's
own types) and ``context_id``.

A process of its own because a tracer provider can be installed once per process.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from a2a.client import ClientCallContext
from a2a.helpers import get_artifact_text, get_message_text
from a2a.types import Message, Part, Role, SendMessageRequest, StreamResponse, TaskState
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from a2a_kafka import KafkaClients, KafkaConfig
from game_balance.data import GameData
from game_balance.serve_kafka import run_kafka_agents

TURNS = ("밸런스 분석해줘", "7.3")


def received_steps(event: StreamResponse) -> list[dict[str, str]]:
    """What one event showed the user, read with a2a's types."""
    steps = []
    kind = event.WhichOneof("payload")
    if kind == "status_update":
        status = event.status_update.status
        text = get_message_text(status.message) if status.HasField("message") else ""
        if status.state == TaskState.TASK_STATE_WORKING and text:
            steps.append({"kind": "thinking", "text": text})
        elif status.state != TaskState.TASK_STATE_WORKING:
            steps.append({"kind": "status", "text": text, "state": TaskState.Name(status.state)})
    elif kind == "artifact_update":
        steps.append(
            {"kind": "artifact", "text": get_artifact_text(event.artifact_update.artifact)}
        )
    elif kind == "task":
        for artifact in event.task.artifacts:
            steps.append({"kind": "artifact", "text": get_artifact_text(artifact)})
        status = event.task.status
        text = get_message_text(status.message) if status.HasField("message") else ""
        if status.state != TaskState.TASK_STATE_WORKING or text:
            working = status.state == TaskState.TASK_STATE_WORKING
            step = {"kind": "thinking" if working else "status", "text": text}
            if not working:
                step["state"] = TaskState.Name(status.state)
            steps.append(step)
    return steps


def span_json(span: ReadableSpan) -> dict[str, Any]:
    ctx, parent = span.context, span.parent
    return {
        "name": span.name,
        "kind": span.kind.name,
        "trace_id": f"{ctx.trace_id:032x}",
        "span_id": f"{ctx.span_id:016x}",
        "parent_id": f"{parent.span_id:016x}" if parent else "",
        "attributes": dict(span.attributes or {}),
        "start": span.start_time,
        "end": span.end_time,
    }


async def main() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    config = KafkaConfig.from_env()
    data = await asyncio.to_thread(GameData.open)
    received: list[list[dict[str, str]]] = []
    task_id = context_id = ""
    async with run_kafka_agents(config, data), KafkaClients(config) as clients:
        client = await clients.connect("balance")
        for text in TURNS:
            message = Message(
                role=Role.ROLE_USER,
                message_id=str(uuid.uuid4()),
                parts=[Part(text=text)],
                task_id=task_id,
                context_id=context_id,
            )
            steps = [{"kind": "user", "text": text}]
            request = SendMessageRequest(message=message)
            async for event in client.send_message(request, context=ClientCallContext(timeout=120)):
                steps += received_steps(event)
                if event.HasField("task"):
                    task_id, context_id = event.task.id, event.task.context_id
                elif event.HasField("status_update"):
                    task_id = event.status_update.task_id
                    context_id = event.status_update.context_id
            received.append(steps)
        await client.close()
    provider.force_flush()
    spans = [span_json(s) for s in exporter.get_finished_spans()]
    print(json.dumps({"spans": spans, "received": received, "context_id": context_id}))


if __name__ == "__main__":
    asyncio.run(main())
