"""A redelivered SendMessage never runs the agent twice, and its caller still gets the answer."""

from __future__ import annotations

import asyncio
import time

import pytest
from a2a.client import ClientCallContext
from a2a.helpers import get_artifact_text
from a2a.types.a2a_pb2 import StreamResponse, TaskState
from a2a.utils.errors import InternalError
from serving import Served, message

from a2a_kafka.server.dedupe import MessageKey


async def test_a_message_sent_again_gets_the_recorded_answer(served: Served) -> None:
    request = message("work 0.05")
    caller = served.transport()
    first = await caller.send_message(request)
    again = await caller.send_message(request)  # a retry: same caller, same message
    assert again.task == first.task
    assert first.task.status.state == TaskState.TASK_STATE_COMPLETED
    assert served.agent.executions == 1
    assert served.server.stats.duplicates == 1


async def test_a_restarted_caller_with_its_caller_id_gets_its_own_answer(served: Served) -> None:
    request = message("work 0.05")
    first = await served.transport(caller_id="billing-1").send_message(request)
    again = await served.transport(caller_id="billing-1").send_message(request)
    assert again.task == first.task
    assert served.agent.executions == 1


async def test_two_callers_reusing_a_message_id_never_get_each_others_outcome(
    served: Served,
) -> None:
    mine, theirs = message("work 0.05", "m-1"), message("work 0.05", "m-1")
    first = await served.transport().send_message(mine)
    second = await served.transport().send_message(theirs)
    assert first.task.id != second.task.id
    assert second.task.status.state == TaskState.TASK_STATE_COMPLETED
    assert served.agent.executions == 2
    assert served.server.stats.duplicates == 0


async def test_concurrent_deliveries_run_once_and_both_callers_get_the_answer(
    served: Served,
) -> None:
    request = message("work 0.5")
    transport = served.transport()
    first, second = await asyncio.gather(
        transport.send_message(request), transport.send_message(request)
    )
    assert first.task.id == second.task.id
    assert second.task.status.state == TaskState.TASK_STATE_COMPLETED
    assert get_artifact_text(second.task.artifacts[0]) == f"done {request.message.message_id}"
    assert served.agent.executions == 1


async def test_a_stream_sent_again_gets_the_final_task(served: Served) -> None:
    request = message("steps 3 0.01")
    transport = served.transport()
    first = [e async for e in transport.send_message_streaming(request)]
    again: list[StreamResponse] = [e async for e in transport.send_message_streaming(request)]
    assert first[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED
    assert len(again) == 1
    assert again[0].task.id == first[0].task.id
    assert again[0].task.status.state == TaskState.TASK_STATE_COMPLETED
    assert served.agent.executions == 1


async def test_a_failed_run_is_not_repeated_either(served: Served) -> None:
    request = message("fail")
    transport = served.transport()
    for _ in range(2):
        with pytest.raises(InternalError, match="scripted failure"):
            await transport.send_message(request)
    assert served.agent.executions == 1


async def test_a_message_whose_instance_died_gets_an_interrupted_error(served: Served) -> None:
    request = message("work 0")
    key = MessageKey(served.name, "", request.message.message_id, "c-1")
    served.dedupe.lease = 0.1  # the "dead" instance's claim expires at once
    assert (await served.dedupe.claim(key, "dead-instance")).state == "new"
    served.dedupe.lease = 15.0
    await asyncio.sleep(0.2)
    started = time.monotonic()
    with pytest.raises(InternalError, match="interrupted"):
        await served.transport("c-1").send_message(request, context=ClientCallContext(timeout=10))
    assert time.monotonic() - started < 20  # decided at once, not after duplicate_wait (30 s)
    assert served.agent.executions == 0
    assert served.server.stats.interrupted == 1
    with pytest.raises(InternalError, match="interrupted"):  # and so on, every time
        await served.transport("c-1").send_message(request)
