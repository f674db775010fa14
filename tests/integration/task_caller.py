"""A caller process for the scale-out test: task operations on one agent, from stdin.

Usage: ``python task_caller.py <agent>``, with the cluster in the environment
(``KAFKA_BOOTSTRAP_SERVERS``, ``A2A_KAFKA_TOPIC_PREFIX``). Reads one JSON command
per line and answers each with JSON lines carrying the command's ``id``:

- ``{"id", "op": "send", "text", "task"?, "context"?}`` → ``{"id", "task", "context", "state"}``
- ``{"id", "op": "get" | "cancel", "task"}`` → ``{"id", "task", "state"}``
- ``{"id", "op": "subscribe", "task"}`` → ``{"id", "state"}`` per event, then
  ``{"id", "end": true}``; it runs in the background, other commands go on.

A failure answers ``{"id", "error": "<class>: <message>"}``. Prints ``ready`` first.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from typing import Any

from a2a.client import Client
from a2a.types.a2a_pb2 import (
    CancelTaskRequest,
    GetTaskRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
    StreamResponse,
    SubscribeToTaskRequest,
    Task,
    TaskState,
)

from a2a_kafka import KafkaClients, KafkaConfig


def _state(task: Task) -> str:
    return TaskState.Name(task.status.state)


def _event_state(event: StreamResponse) -> str | None:
    if event.HasField("task"):
        return _state(event.task)
    if event.HasField("status_update"):
        return TaskState.Name(event.status_update.status.state)
    return None


async def _send(client: Client, command: dict[str, Any]) -> dict[str, Any]:
    message = Message(
        role=Role.ROLE_USER,
        message_id=uuid.uuid4().hex,
        parts=[Part(text=command["text"])],
        task_id=command.get("task", ""),
        context_id=command.get("context", ""),
    )
    task = Task()
    async for event in client.send_message(SendMessageRequest(message=message)):
        if event.HasField("task"):
            task.CopyFrom(event.task)
        elif event.HasField("status_update"):
            task.id, task.context_id = event.status_update.task_id, event.status_update.context_id
            task.status.CopyFrom(event.status_update.status)
    return {"task": task.id, "context": task.context_id, "state": _state(task)}


async def _run(client: Client, command: dict[str, Any], out: asyncio.Lock) -> None:
    async def say(**fields: Any) -> None:
        async with out:
            print(json.dumps({"id": command["id"], **fields}), flush=True)

    try:
        op = command["op"]
        if op == "send":
            await say(**await _send(client, command))
        elif op == "get":
            task = await client.get_task(GetTaskRequest(id=command["task"]))
            await say(task=task.id, state=_state(task))
        elif op == "cancel":
            task = await client.cancel_task(CancelTaskRequest(id=command["task"]))
            await say(task=task.id, state=_state(task))
        elif op == "subscribe":
            async for event in client.subscribe(SubscribeToTaskRequest(id=command["task"])):
                if (state := _event_state(event)) is not None:
                    await say(state=state)
            await say(end=True)
    except Exception as exc:
        await say(error=f"{type(exc).__name__}: {exc}")


async def main(agent: str) -> None:
    async with KafkaClients(KafkaConfig.from_env()) as clients:
        client = await clients.connect(agent)
        out = asyncio.Lock()
        print("ready", flush=True)
        reader = asyncio.StreamReader()
        loop = asyncio.get_running_loop()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        running: set[asyncio.Task[None]] = set()
        while line := await reader.readline():
            task = asyncio.create_task(_run(client, json.loads(line), out))
            running.add(task)
            task.add_done_callback(running.discard)
        await asyncio.gather(*running)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
