"""`RequestProcessor` without a broker: request records in, reply records out (`MemoryKafka`).

The processor takes each record of an agent's request topic to its outcome: replies on the
caller's reply topic, a dead letter, or nothing (the caller's deadline passed); a
redelivered SendMessage runs the agent once.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import pytest
from a2a.helpers import new_task_from_user_message
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types import (
    AgentCapabilities,
    AgentCard,
    Message,
    Part,
    Role,
    SendMessageRequest,
    TaskState,
)
from aiokafka.errors import KafkaConnectionError
from google.protobuf.json_format import MessageToDict

from a2a_kafka import KafkaConfig, MemoryDedupeStore, RetryPolicy
from a2a_kafka.client.replies import PendingReplies, iterate
from a2a_kafka.memory_kafka import MemoryKafka
from a2a_kafka.registry import kafka_interface
from a2a_kafka.server import router
from a2a_kafka.server.replies import ReplySender
from a2a_kafka.server.requests import RequestProcessor, Settings
from a2a_kafka.server.stats import HandlerStats
from a2a_kafka.wire import Reply, ReplyAddress, ReplyKind, decode_reply, encode_request

STREAM = "SendStreamingMessage"
REQUESTS, DLQ = "agent.echo.requests", "agent.echo.requests.dlq"
TO = ReplyAddress("a2a.replies.caller", 0)


class Echo(AgentExecutor):
    """Completes every task with the user's text; counts its runs."""

    def __init__(self) -> None:
        self.runs = 0

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        self.runs += 1
        assert context.message is not None
        task = context.current_task or new_task_from_user_message(context.message)
        await event_queue.enqueue_event(task)
        updater = TaskUpdater(event_queue, task.id, task.context_id)
        command, _, count = context.get_user_input().partition(" ")
        for n in range(int(count) if command == "count" else 0):
            await updater.update_status(
                TaskState.TASK_STATE_WORKING, updater.new_agent_message([Part(text=str(n))])
            )
        await updater.add_artifact([Part(text=context.get_user_input())])
        await updater.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        raise NotImplementedError


@dataclass
class Agent:
    kafka: MemoryKafka
    echo: Echo
    processor: RequestProcessor

    def deliver(self, value: bytes, headers: list[tuple[str, bytes]]) -> Any:
        """Write a request record; return it as a consumer would get it."""
        self.kafka.append(REQUESTS, value, headers=headers)
        return self.kafka.records(REQUESTS)[-1]

    def replies(self) -> list[Reply]:
        return [decode_reply(r.headers, r.value) for r in self.kafka.records(TO.topic)]


@pytest.fixture
def agent() -> Agent:
    kafka = MemoryKafka()
    for topic in (REQUESTS, DLQ, TO.topic):
        kafka.create(topic)
    config = KafkaConfig(client_factory=kafka)
    card = AgentCard(
        name="echo",
        description="echo",
        version="1",
        supported_interfaces=[kafka_interface(config, "echo")],
        capabilities=AgentCapabilities(streaming=True),
    )
    echo = Echo()

    settings = Settings(
        agent="echo",
        instance="instance-1",
        dead_letter_topic=DLQ,
        max_request_bytes=1 << 20,
        retry=RetryPolicy(attempts=1),
        duplicate_wait=5.0,
        build_context=router.default_context,
    )
    processor = RequestProcessor(
        settings,
        DefaultRequestHandler(echo, InMemoryTaskStore(), card),
        ReplySender(config.kafka.producer(**config.producer_kwargs())),
        MemoryDedupeStore(),
        HandlerStats(),
    )
    return Agent(kafka, echo, processor)


def send_message(
    text: str, method: str = "SendMessage", deadline: float | None = None, cid: str = "c-1"
) -> tuple[bytes, list[tuple[str, bytes]]]:
    message = Message(role=Role.ROLE_USER, message_id="m-1", parts=[Part(text=text)])
    return encode_request(
        method,
        MessageToDict(SendMessageRequest(message=message)),
        correlation_id=cid,
        reply_to=TO,
        deadline=deadline if deadline is not None else time.time() + 30,
        service_parameters={"A2A-Version": "1.0"},
    )


async def test_a_send_message_gets_one_result_with_the_completed_task(agent: Agent) -> None:
    await agent.processor.process(agent.deliver(*send_message("hello")))
    (reply,) = agent.replies()
    assert (reply.correlation_id, reply.kind) == ("c-1", ReplyKind.RESULT)
    assert reply.body is not None
    task = reply.body["result"]["task"]
    assert task["status"]["state"] == "TASK_STATE_COMPLETED"
    assert task["artifacts"][0]["parts"][0]["text"] == "hello"


async def test_a_redelivered_message_runs_once_and_is_answered_again(agent: Agent) -> None:
    record = agent.deliver(*send_message("once"))
    await agent.processor.process(record)
    await agent.processor.process(record)  # Kafka redelivers after a crash or rebalance
    first, second = agent.replies()
    assert agent.echo.runs == 1
    assert first.body == second.body


async def test_a_stream_is_its_events_then_an_end_record(agent: Agent) -> None:
    await agent.processor.process(agent.deliver(*send_message("s", "SendStreamingMessage")))
    replies = agent.replies()
    assert [r.kind for r in replies[:-1]] == [ReplyKind.EVENT] * (len(replies) - 1)
    assert replies[-1].kind is ReplyKind.END
    assert [r.sequence for r in replies] == list(range(len(replies)))
    assert len(replies) >= 3  # the task, the artifact, the completion


async def caller_sees(agent: Agent) -> list[Reply]:
    """What a caller's stream yields from the reply records (`client.replies.iterate`)."""
    pending = PendingReplies("c-1")
    for reply in agent.replies():
        pending.put(reply)
    return [reply async for reply in iterate(pending, idle_timeout=1.0)]


async def test_a_long_stream_reaches_the_caller_complete_and_in_order(agent: Agent) -> None:
    await agent.processor.process(agent.deliver(*send_message("count 500", STREAM)))
    events = await caller_sees(agent)
    assert [r.sequence for r in events] == list(range(503))  # task, 500 updates, artifact, done
    texts = [
        e.body["result"]["statusUpdate"]["status"]["message"]["parts"][0]["text"]
        for e in events[1:501]
        if e.body is not None
    ]
    assert texts == [str(n) for n in range(500)]


class LosesOneRecord:
    """The handler's producer, except that every delivery of one stream event fails."""

    def __init__(self, producer: Any, sequence: int) -> None:
        self._producer = producer
        self.client = producer.client
        self.sequence = sequence
        self.failed = 0

    async def send(self, topic: str, value: bytes | None = None, **options: Any) -> Any:
        reply = decode_reply(options["headers"], value) if topic == TO.topic else None
        if reply is not None and (reply.kind, reply.sequence) == (ReplyKind.EVENT, self.sequence):
            self.failed += 1
            lost: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            lost.set_exception(KafkaConnectionError("the broker lost the batch"))
            return lost
        return await self._producer.send(topic, value, **options)

    async def send_and_wait(self, topic: str, value: bytes | None = None, **options: Any) -> Any:
        return await self._producer.send_and_wait(topic, value, **options)


async def test_a_produce_failure_mid_stream_ends_the_callers_stream_with_an_error(
    agent: Agent,
) -> None:
    producer = LosesOneRecord(agent.processor.replies._producer, sequence=250)
    agent.processor.replies._producer = producer
    request = send_message("count 500", STREAM, deadline=time.time() + 0.5)
    await agent.processor.process(agent.deliver(*request))
    *events, last = await caller_sees(agent)
    assert [r.sequence for r in events] == list(range(250))  # no gap: nothing after it
    assert last.kind is ReplyKind.RESULT
    assert last.body is not None
    assert "the broker lost the batch" in last.body["error"]["message"]
    assert producer.failed >= 2  # produced again before giving up
    assert len(agent.kafka.records(DLQ)) == 1  # and the request is dead-lettered


async def test_a_request_that_is_not_json_gets_a_parse_error(agent: Agent) -> None:
    _, headers = send_message("x")
    await agent.processor.process(agent.deliver(b"\xff{not json", headers))
    (reply,) = agent.replies()
    assert reply.body is not None
    assert reply.body["error"]["code"] == -32700
    assert agent.echo.runs == 0


async def test_an_unknown_method_gets_method_not_found(agent: Agent) -> None:
    value, headers = send_message("x")
    body = {**json.loads(value), "method": "NoSuchMethod"}
    await agent.processor.process(agent.deliver(json.dumps(body).encode(), headers))
    (reply,) = agent.replies()
    assert reply.body is not None
    assert reply.body["error"]["code"] == -32601


async def test_a_request_without_a_reply_address_is_dead_lettered(agent: Agent) -> None:
    value, headers = send_message("x")
    bare = [(name, raw) for name, raw in headers if not name.startswith("a2a-kafka-reply")]
    await agent.processor.process(agent.deliver(value, bare))
    assert agent.replies() == []
    (letter,) = agent.kafka.records(DLQ)
    assert letter.value == value
    assert agent.echo.runs == 0


async def test_a_request_past_its_deadline_is_skipped(agent: Agent) -> None:
    await agent.processor.process(agent.deliver(*send_message("late", deadline=time.time() - 1)))
    assert agent.replies() == []
    assert agent.kafka.records(DLQ) == []
    assert agent.echo.runs == 0
