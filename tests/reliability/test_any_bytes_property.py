"""Property: arbitrary records on any topic stop nothing, and every addressed request is answered.

Hypothesis writes batches of arbitrary records (random bytes, deep JSON, JSON-RPC with
hostile params; header keys and values not UTF-8, empty, null, repeated, very large)
to a served agent's request topic, a caller's reply topic, the agent's task-event
topic and its health topic (`a2a-kafka status` reads it), while normal requests run.
After each batch:

- every request record that carries a usable reply address got its reply (answer or
  JSON-RPC error); every other one was dead-lettered or counted as skipped;
- every record on the reply and task-event topics was counted (skipped or dropped);
- no consumer loop failed (from their counters and health, not from silence);
- at the end, the server and the caller answer a normal request within 2 s, and
  `a2a-kafka status` shows the server serving.

Short in CI (`EXAMPLES` examples); ``A2A_KAFKA_FULL_ANY_BYTES=1`` runs the long form.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from a2a.client import ClientCallContext
from auth_serving import POLICY, credentials, token
from hostile import RawHeaders, RawRecord, produce_raw
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisDeprecationWarning
from serving import Served, message, serve

from a2a_kafka import KafkaConfig, KafkaTaskEventStream, KafkaTransport, Requester
from a2a_kafka.cli.status import _row
from a2a_kafka.client.replies import PendingReplies
from a2a_kafka.errors import UnauthenticatedError
from a2a_kafka.monitoring import agent_status
from a2a_kafka.pytest_plugin import UniqueNames
from a2a_kafka.server.liveness import health_topic
from a2a_kafka.server.stats import HandlerStats
from a2a_kafka.topics import AgentTopics
from a2a_kafka.wire import (
    CORRELATION_ID,
    DEADLINE,
    KIND,
    PREFIX,
    REPLY_PARTITION,
    REPLY_TOPIC,
    SEQUENCE,
    dumps,
)

FULL = os.environ.get("A2A_KAFKA_FULL_ANY_BYTES", "") in ("1", "true", "yes")
EXAMPLES = 200 if FULL else 8
BATCH_TIMEOUT = 60.0

TRANSPORT_NAMES = [n.encode() for n in (CORRELATION_ID, REPLY_TOPIC, REPLY_PARTITION, DEADLINE)]
REPLY_NAMES = [n.encode() for n in (CORRELATION_ID, KIND, SEQUENCE)]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
deep_json = st.integers(1, 100_000).map(lambda n: b"[" * n + b"]" * n)
hostile_rpc = st.builds(
    lambda method, params, text, message_id: dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": method,
            "params": {
                "message": {
                    "messageId": str(uuid.uuid4()),
                    "role": "ROLE_USER",
                    "parts": [{"text": "x" + text}],
                },  # never a FaultAgent command
                **params,
            },
        }
    ),
    st.sampled_from(["SendMessage", "GetTask", "CancelTask", "ListTasks", "nope", ""]),
    st.dictionaries(st.text(max_size=8), json_values, max_size=4),
    st.text(max_size=30),
    st.uuids(),
)
values = st.none() | st.binary(max_size=2000) | deep_json | hostile_rpc
header_values = (
    st.none()
    | st.just(b"")
    | st.binary(max_size=64)
    | st.sampled_from([b"\xff\xfe", b"\xc3\x28", b"1.0", b"0"])
    | st.integers(10_000, 50_000).map(lambda n: b"v" * n)  # very large (a record < 1 MB)
)
free_names = st.binary(max_size=24).filter(lambda b: not b.startswith(PREFIX.encode()))


def headers(names: st.SearchStrategy[bytes]) -> st.SearchStrategy[RawHeaders]:
    pair = st.tuples(names, header_values)
    return st.lists(pair, max_size=6).flatmap(
        lambda hs: st.just(hs) | st.just([*hs, *hs])  # repeated headers too
    )


@dataclass(frozen=True)
class Hostile:
    """One record and where it goes; ``addressed``: with the caller's reply address."""

    target: str
    addressed: bool
    value: bytes | None
    headers: RawHeaders


hostile_records = st.one_of(
    st.builds(Hostile, st.just("requests"), st.just(True), values, headers(free_names)),
    st.builds(
        Hostile,
        st.just("requests"),
        st.just(False),
        values,
        headers(free_names | st.sampled_from(TRANSPORT_NAMES)),
    ),
    st.builds(
        Hostile,
        st.just("replies"),
        st.just(False),
        values,
        headers(free_names | st.sampled_from(REPLY_NAMES)),
    ),
    st.builds(Hostile, st.just("events"), st.just(False), values, headers(free_names)),
    st.builds(Hostile, st.just("health"), st.just(False), values, headers(free_names)),
)
batches = st.lists(hostile_records, min_size=1, max_size=6)


@dataclass
class World:
    config: KafkaConfig
    served: Served
    requester: Requester
    stream: KafkaTaskEventStream
    transport: KafkaTransport
    events_seen: int = 0
    context: ClientCallContext | None = None
    """The normal traffic's call context: credentials, for the agent that requires them."""
    normal_sent: int = 0


@pytest.fixture(params=["anonymous", "requires credentials"])
async def world(
    kafka_config: KafkaConfig,
    unique_names: UniqueNames,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> AsyncIterator[World]:
    """The fault agent as anyone may call it, and as an agent that requires credentials
    (`auth_serving.POLICY`): then no hostile record reaches it (see the test)."""
    auth = request.param == "requires credentials"
    options = {"auth": POLICY} if auth else {}
    async with serve(kafka_config, unique_names.agent(), tmp_path, **options) as served:
        async for made in _world(kafka_config, served, auth):
            yield made


async def _world(kafka_config: KafkaConfig, served: Served, auth: bool) -> AsyncIterator[World]:
    requester = Requester(kafka_config)
    await requester.start()
    stream = KafkaTaskEventStream(kafka_config, served.name)
    await stream.start()
    made = World(kafka_config, served, requester, stream, KafkaTransport(requester, served.name))
    if auth:
        made.context = credentials(token(ttl=3600))

    def seen(*_: object) -> None:
        made.events_seen += 1

    stream.add_listener(seen)
    yield made
    await stream.aclose()
    await requester.aclose()


async def run_batch(world: World, batch: list[Hostile]) -> None:
    router = world.requester._router
    assert router is not None
    topics = AgentTopics.of(world.config, world.served.name)
    waiting: list[PendingReplies] = []
    by_topic: dict[str, list[RawRecord]] = {}
    for record in batch:
        extra = list(record.headers)
        if record.addressed:
            cid = str(uuid.uuid4())
            waiting.append(router.register(cid))
            to = world.requester.reply_to
            extra += [
                (CORRELATION_ID.encode(), cid.encode()),
                (REPLY_TOPIC.encode(), to.topic.encode()),
                (REPLY_PARTITION.encode(), str(to.partition).encode()),
            ]
        topic = {
            "requests": topics.requests,
            "replies": world.requester.reply_to.topic,
            "events": world.stream.topic,
            "health": health_topic(world.config, world.served.name),
        }[record.target]
        by_topic.setdefault(topic, []).append((b"hostile", record.value, extra))
    baseline = (
        world.served.server.stats,
        router.skipped + router.dropped,
        world.stream.skipped + world.events_seen,
    )
    normal = asyncio.ensure_future(
        world.transport.send_message(message("work 0"), context=world.context)
    )
    world.normal_sent += 1
    try:
        await settle(world, batch, by_topic, waiting, normal, baseline)
    finally:
        normal.cancel()


async def settle(
    world: World,
    batch: list[Hostile],
    by_topic: dict[str, list[RawRecord]],
    waiting: list[PendingReplies],
    normal: asyncio.Future[Any],
    baseline: tuple[HandlerStats, int, int],
) -> None:
    server, router = world.served.server, world.requester._router
    assert router is not None
    before, replies_before, events_before = baseline
    for topic, records in by_topic.items():
        to = world.requester.reply_to
        partition = to.partition if topic == to.topic else None
        await produce_raw(world.config, topic, records, partition=partition)
    async with asyncio.timeout(BATCH_TIMEOUT):
        assert (await normal).task.id  # normal traffic goes on meanwhile
        for pending in waiting:  # every addressed request: its answer or error reply
            reply = await pending.get(BATCH_TIMEOUT)
            assert reply.body is not None
            assert "result" in reply.body or "error" in reply.body
            router.forget(pending.correlation_id)
        requests = sum(r.target == "requests" for r in batch)
        unaddressed = sum(r.target == "requests" and not r.addressed for r in batch)
        replies = sum(r.target == "replies" for r in batch)
        events = sum(r.target == "events" for r in batch)
        while True:
            now = server.stats
            settled = (
                now.received - before.received == requests + 1
                and now.in_flight == 0
                and router.skipped + router.dropped - replies_before >= replies
                and world.stream.skipped + world.events_seen - events_before >= events
            )
            if settled:
                break
            await asyncio.sleep(0.05)
    ends = ("dead_lettered", "caller_gone", "expired")
    not_answerable = sum(getattr(now, n) - getattr(before, n) for n in ends)
    assert not_answerable == unaddressed, (now, before, batch)
    assert now.loop_failures == 0
    assert server.health.state == "serving"
    assert router.alive
    assert router.failures == 0
    assert world.stream.alive
    assert world.stream.failures == 0


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(batch=batches)
def check_batches(world: World, loop: asyncio.AbstractEventLoop, batch: list[Hostile]) -> None:
    asyncio.run_coroutine_threadsafe(run_batch(world, batch), loop).result(BATCH_TIMEOUT * 2)


def check_quietly(world: World, loop: asyncio.AbstractEventLoop) -> None:
    """`check_batches`; the server's own retries use `random` on the loop's thread meanwhile,
    which Hypothesis would take for a strategy using it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HypothesisDeprecationWarning)
        check_batches(world, loop)


async def test_arbitrary_records_stop_nothing_and_addressed_requests_are_answered(
    world: World,
) -> None:
    loop = asyncio.get_running_loop()
    await asyncio.to_thread(check_quietly, world, loop)
    async with asyncio.timeout(2):  # the server and the caller still answer at once
        reply = await world.transport.send_message(message("work 0"), context=world.context)
        assert reply.task.id
    if world.context is not None:  # requires credentials: only the normal requests ran
        with pytest.raises(UnauthenticatedError):  # a well-formed call without them: refused
            await world.transport.send_message(message("no credentials"), context=None)
        assert world.served.agent.executions == world.normal_sent + 1
        assert world.served.server.stats.unauthenticated > 0
    assert json.dumps(world.served.server.stats.as_dict())  # printed on failure by pytest
    # `a2a-kafka status` reads the health topic the hostile records went to as well
    (status,) = await agent_status(world.config, [world.served.name])
    assert [i.state for i in status.instances] == ["serving"], status
    assert status.healthy
    assert world.served.name in _row(status)
