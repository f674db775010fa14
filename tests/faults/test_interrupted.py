"""Work cut off by a crash ends in a terminal state that every instance reads.

Agents run as separate processes on one SQLite file (the default state of
``a2a-kafka serve``); one is killed with ``kill -9`` while the agent works.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest
from a2a.client import ClientCallContext
from a2a.server.cluster import TaskVersion, VersionedDatabaseTaskStore
from a2a.types.a2a_pb2 import GetTaskRequest, Task, TaskState
from a2a.utils.constants import PROTOCOL_VERSION_CURRENT, VERSION_HEADER
from a2a.utils.errors import InternalError
from aiokafka import AIOKafkaProducer
from fault_agent import ExecutionLog, fault_card
from google.protobuf.json_format import MessageToDict
from harness import ServerProcess, request

from a2a_kafka import KafkaConfig, KafkaTransport, with_kafka_interface
from a2a_kafka.client.replies import ReplyRouter, iterate
from a2a_kafka.cluster.database import create_engine
from a2a_kafka.cluster.interrupted import owner_context
from a2a_kafka.pytest_plugin import UniqueNames
from a2a_kafka.server.dedupe import DatabaseDedupeStore, MessageKey
from a2a_kafka.topics import AgentTopics, ensure_topics
from a2a_kafka.wire import ReplyAddress, ReplyKind, encode_reply, encode_request

pytestmark = pytest.mark.timeout(180)


async def started(log: ExecutionLog, message_id: str) -> None:
    async with asyncio.timeout(60):
        # The agent runs in another process and says nothing to the caller before the
        # kill (a unary call): its execution log, a file, is the only witness to poll.
        while message_id not in log.counts():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def test_a_killed_run_ends_failed_and_its_caller_gets_the_task_id(
    kafka_config: KafkaConfig, unique_names: UniqueNames, tmp_path: Path
) -> None:
    name, url = unique_names.agent(), f"sqlite+aiosqlite:///{tmp_path / 'state.sqlite'}"
    log = ExecutionLog(tmp_path / "executions.log")
    card = with_kafka_interface(fault_card(name), kafka_config, name)
    first = await ServerProcess.start(kafka_config, name, url, log)
    caller = KafkaTransport.create(kafka_config, name, card)
    other = KafkaTransport.create(kafka_config, name, card)
    try:
        held = request("hold")
        call = asyncio.ensure_future(
            caller.send_message(held, context=ClientCallContext(timeout=90))
        )
        await started(log, held.message.message_id)
        first.kill()
        await first.process.wait()
        survivor = await ServerProcess.start(kafka_config, name, url, log)
        try:
            with pytest.raises(InternalError, match="interrupted") as error:
                await call
            task_id = str(error.value).rsplit("task ", 1)[1].split()[0]
            task = await other.get_task(GetTaskRequest(id=task_id))
            assert task.status.state == TaskState.TASK_STATE_FAILED
            assert "interrupted" in task.status.message.parts[0].text
            assert log.counts()[held.message.message_id] == 1  # never run twice
        finally:
            survivor.kill()
            await survivor.process.wait()
    finally:
        call.cancel()
        await caller.close()
        await other.close()


async def test_a_message_whose_agent_never_started_runs_on_the_next_instance(
    kafka_config: KafkaConfig, unique_names: UniqueNames, tmp_path: Path
) -> None:
    name, url = unique_names.agent(), f"sqlite+aiosqlite:///{tmp_path / 'state.sqlite'}"
    log = ExecutionLog(tmp_path / "executions.log")
    engine = create_engine(url)
    claims = DatabaseDedupeStore(engine, lease=0.1)
    await claims.start()
    message = request("work 0", str(uuid.uuid4()))
    # an instance claimed it, then died before its agent started: no task in the claim
    caller_id = f"caller-{uuid.uuid4().hex[:6]}"
    key = MessageKey(name, "", message.message.message_id, caller_id)
    assert (await claims.claim(key, "dead-instance")).state == "new"
    await engine.dispose()
    server = await ServerProcess.start(kafka_config, name, url, log)
    config = kafka_config.with_(caller_id=caller_id)
    caller = KafkaTransport.create(
        config, name, with_kafka_interface(fault_card(name), config, name)
    )
    try:
        result = await caller.send_message(message, context=ClientCallContext(timeout=60))
        assert result.task.status.state == TaskState.TASK_STATE_COMPLETED
        assert log.counts()[message.message.message_id] == 1
    finally:
        await caller.close()
        server.kill()
        await server.process.wait()


async def test_a_message_released_while_its_redelivery_waits_runs_there(
    kafka_config: KafkaConfig, unique_names: UniqueNames, tmp_path: Path
) -> None:
    """The redelivery finds the claim of an instance that died before its agent started
    still fresh and waits; meanwhile another instance's sweep finds it abandoned and
    releases it (no claim at all). The waiting redelivery claims it and runs it."""
    name, url = unique_names.agent(), f"sqlite+aiosqlite:///{tmp_path / 'state.sqlite'}"
    log = ExecutionLog(tmp_path / "executions.log")
    server = await ServerProcess.start(kafka_config, name, url, log)
    engine = create_engine(url)
    claims = DatabaseDedupeStore(engine, lease=3.0)  # fresh when the request arrives
    message = request("work 0", str(uuid.uuid4()))
    caller_id = f"caller-{uuid.uuid4().hex[:6]}"
    key = MessageKey(name, "", message.message.message_id, caller_id)
    config = kafka_config.with_(caller_id=caller_id)
    caller = KafkaTransport.create(
        config, name, with_kafka_interface(fault_card(name), config, name)
    )
    try:
        assert (await claims.claim(key, "dead-instance")).state == "new"
        call = asyncio.ensure_future(
            caller.send_message(message, context=ClientCallContext(timeout=60))
        )
        async with asyncio.timeout(30):  # the sweep: released as soon as the lease ran out,
            # before the waiting server looks again (a lease runs out in the database: no event)
            while not await claims.release(key):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        result = await call
        assert result.task.status.state == TaskState.TASK_STATE_COMPLETED
        assert log.counts()[message.message.message_id] == 1
    finally:
        await caller.close()
        await engine.dispose()
        server.kill()
        await server.process.wait()


async def test_a_stream_cut_after_its_task_completed_ends_with_that_task(
    kafka_config: KafkaConfig, unique_names: UniqueNames, tmp_path: Path
) -> None:
    """What an instance killed at the end of a stream leaves: the task saved COMPLETED,
    records 0 and 1 of the stream at the caller, no ``end``, the claim running. The
    redelivery, on the next instance, is answered with that task, and the caller
    still waiting on the stream takes it as its end (it used to drop the answer as a
    duplicate of records 0 and 1, and time out: a lost request)."""
    name, url = unique_names.agent(), f"sqlite+aiosqlite:///{tmp_path / 'state.sqlite'}"
    log = ExecutionLog(tmp_path / "executions.log")
    message = request("work 0", str(uuid.uuid4()))
    caller_id = f"caller-{uuid.uuid4().hex[:6]}"
    key = MessageKey(name, "", message.message.message_id, caller_id)
    engine = create_engine(url)
    store, claims = VersionedDatabaseTaskStore(engine), DatabaseDedupeStore(engine, lease=0.1)
    await store.initialize()
    await claims.start()
    task = Task(id=str(uuid.uuid4()), context_id=str(uuid.uuid4()))
    task.status.state = TaskState.TASK_STATE_COMPLETED
    await claims.claim(key, "dead-instance")
    await store.save(task, prev_version=TaskVersion.MISSING, context=owner_context(""))
    await claims.note_task(key, "dead-instance", task.id, task.context_id)
    await engine.dispose()
    reply_to = ReplyAddress(unique_names.topic("replies"), 0)
    await ensure_topics(kafka_config, [reply_to.topic], partitions=1)
    replies = ReplyRouter(kafka_config, reply_to)
    await replies.start()
    producer = AIOKafkaProducer(**kafka_config.producer_kwargs())
    await producer.start()
    server = await ServerProcess.start(kafka_config, name, url, log)
    try:
        cid = str(uuid.uuid4())
        pending = replies.register(cid)
        for sequence in (0, 1):  # what the dead instance produced of the stream
            body = {"jsonrpc": "2.0", "id": cid, "result": {"task": {"id": task.id}}}
            value, headers = encode_reply(cid, ReplyKind.EVENT, sequence, body)
            await producer.send_and_wait(reply_to.topic, value, headers=headers)
        params = MessageToDict(message)
        value, headers = encode_request(
            "SendStreamingMessage",
            params,
            correlation_id=cid,
            reply_to=reply_to,
            deadline=time.time() + 90,
            service_parameters={VERSION_HEADER: PROTOCOL_VERSION_CURRENT},
            caller_id=caller_id,
        )
        await producer.send_and_wait(
            AgentTopics.of(kafka_config, name).requests, value, headers=headers
        )
        got = [reply.body or {} async for reply in iterate(pending, idle_timeout=60)]
        assert len(got) == 3, got  # records 0 and 1, then the answer
        assert got[-1]["result"]["task"]["id"] == task.id
        assert got[-1]["result"]["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
        assert log.counts()[message.message.message_id] == 0  # it ran, on the dead instance
    finally:
        server.kill()
        await server.process.wait()
        await producer.stop()
        await replies.aclose()
