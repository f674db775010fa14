"""No record, whatever its bytes, stops a consumer of this project (one test per defect)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hostile import RawHeaders, RawRecord, produce_raw
from serving import Served, message
from test_dead_letters import letters_when

from a2a_kafka import KafkaConfig, KafkaTaskEventStream, KafkaTransport, Requester
from a2a_kafka.audit import read_requests
from a2a_kafka.cluster.event_stream import ORIGIN
from a2a_kafka.errors import KafkaTransportError
from a2a_kafka.pytest_plugin import UniqueNames
from a2a_kafka.server import replies
from a2a_kafka.topics import AgentTopics, ensure_topics
from a2a_kafka.wire import CORRELATION_ID, DEADLINE, REPLY_TOPIC, dumps, encode_request

NOT_UTF8 = b"\xff\xfe-key"
VALID = dumps({"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": {}})


async def test_a_header_key_that_is_not_utf8_does_not_stop_the_server(
    kafka_config: KafkaConfig, served: Served
) -> None:
    topic = AgentTopics.of(kafka_config, served.name).requests
    await produce_raw(kafka_config, topic, [(b"k", b"{}", [(NOT_UTF8, b"v")])], partition=0)
    async with asyncio.timeout(30):
        reply = await served.transport().send_message(message("work 0"))
    assert reply.task.id
    listing = await letters_when(kafka_config, served.name, 1)
    (letter,) = listing.letters
    assert (letter.key, letter.value) == (b"k", b"{}")
    assert letter.origin == f"{topic}/0@0"
    assert served.server.stats.dead_lettered == 1


@pytest.fixture
async def requester(kafka_config: KafkaConfig) -> AsyncIterator[Requester]:
    started = Requester(kafka_config)
    await started.start()
    yield started
    await started.aclose()


async def addressed(requester: Requester, value: bytes, extra: RawHeaders) -> RawRecord:
    """A request record with ``requester``'s reply address and ``extra`` headers."""
    cid = str(uuid.uuid4())
    _, headers = encode_request(
        "SendMessage",
        {},
        correlation_id=cid,
        reply_to=requester.reply_to,
        deadline=None,
        service_parameters={},
    )
    return (None, value, [*extra, *((n.encode(), v) for n, v in headers)])


def cid_of(record: RawRecord) -> str:
    return next(v.decode() for n, v in record[2] if n == CORRELATION_ID.encode() and v)


@pytest.mark.parametrize(
    ("value", "extra", "code"),
    [
        (b"[" * 100_000 + b"]" * 100_000, [], -32600),  # deep JSON: RecursionError before
        (VALID, [(b"Authorization", None)], -32600),  # null service parameter
        (VALID, [(b"Authorization", b"\xff")], -32600),  # not UTF-8
        (VALID, [(NOT_UTF8, b"x")], -32600),  # header name not UTF-8
        (VALID, [(DEADLINE.encode(), b"soon")], -32600),
        (b'{"jsonrpc":"2.0","method":"\\ud800","params":{}}', [], -32601),  # lone surrogate
    ],
)
async def test_malformed_requests_with_a_reply_address_get_an_error_reply(
    kafka_config: KafkaConfig,
    served: Served,
    requester: Requester,
    value: bytes,
    extra: RawHeaders,
    code: int,
) -> None:
    topic = AgentTopics.of(kafka_config, served.name).requests
    record = await addressed(requester, value, extra)
    router = requester._router
    assert router is not None
    pending = router.register(cid_of(record))
    await produce_raw(kafka_config, topic, [record])
    reply = await pending.get(20)
    assert reply.body is not None
    assert reply.body["error"]["code"] == code
    assert served.server.stats.rejected == 1
    assert served.server.stats.dead_lettered == 0


async def test_bad_records_on_a_callers_reply_topic_do_not_stop_its_calls(
    kafka_config: KafkaConfig, served: Served
) -> None:
    requester = Requester(kafka_config)
    await requester.start()
    try:
        to = requester.reply_to
        bad: list[RawRecord] = [
            (None, b"x", [(NOT_UTF8, b"v")]),
            (None, b"x", [(CORRELATION_ID.encode(), None)]),
            (None, b"[" * 50_000, [(CORRELATION_ID.encode(), b"c")]),
        ]
        await produce_raw(kafka_config, to.topic, bad, partition=to.partition)
        transport = KafkaTransport(requester, served.name)
        async with asyncio.timeout(30):
            assert (await transport.send_message(message("work 0"))).task.id
        router = requester._router
        assert router is not None
        async with asyncio.timeout(10):
            while router.skipped < len(bad):  # noqa: ASYNC110 - counted as the router reads
                await asyncio.sleep(0.05)
        assert router.alive
    finally:
        await requester.aclose()  # raised UnicodeDecodeError before


async def test_audit_reads_past_records_that_are_not_requests(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    agent = unique_names.agent()
    topic = AgentTopics.of(kafka_config, agent).requests
    await ensure_topics(kafka_config, [topic], partitions=1)
    records: list[RawRecord] = [
        (None, b'{"method":"SendMessage","params":{"message":{"parts":3}}}', []),  # TypeError
        (None, b"[" * 100_000, []),  # RecursionError
        (None, b"{}", [(NOT_UTF8, b"v"), (b"a2a-kafka-correlation-id", None)]),
        (None, VALID, []),
    ]
    await produce_raw(kafka_config, topic, records)
    entries = [e async for e in read_requests(kafka_config, agent)]
    assert [e.offset for e in entries] == [0, 1, 2, 3]
    assert entries[3].method == "SendMessage"
    assert entries[1].problem


async def test_a_null_header_value_on_the_task_event_topic_does_not_stop_the_stream(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    name = unique_names.agent()
    async with KafkaTaskEventStream(kafka_config, name) as stream:
        seen: list[str] = []
        stream.add_listener(lambda task_id, event, origin: seen.append(task_id))
        good = dumps({"taskId": "t0", "version": 1, "event": {"statusUpdate": {"taskId": "t0"}}})
        await produce_raw(
            kafka_config,
            stream.topic,
            [
                (b"t0", good, [(ORIGIN.encode(), None)]),  # killed the consumer before
                (b"t0", b"[" * 100_000, []),
                (b"t0", good, [(NOT_UTF8, b"")]),
            ],
        )
        async with asyncio.timeout(20):
            while len(seen) < 2 or stream.skipped < 1:  # noqa: ASYNC110 - counted as read
                await asyncio.sleep(0.05)
        assert stream.alive


async def test_a_failing_poll_is_logged_retried_and_counted_and_serving_goes_on(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    consumer = served.server._consumer
    assert consumer is not None
    real = consumer.getmany
    failed = False

    async def fails_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal failed
        if not failed:
            failed = True
            raise RuntimeError("a poll failure nobody foresaw")
        return await real(*args, **kwargs)

    consumer.getmany = fails_once  # type: ignore[method-assign]
    async with asyncio.timeout(30):
        assert (await served.transport().send_message(message("work 0"))).task.id
    assert served.server.stats.loop_failures == 1
    assert served.server.health.state == "serving"
    assert "a poll failure nobody foresaw" in caplog.text


async def test_a_reply_router_that_keeps_failing_fails_its_waiters_at_once(
    requester: Requester,
) -> None:
    router = requester._router
    assert router is not None
    assert router._consumer is not None

    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("broken poll")

    pending = router.register("c-1")
    router._consumer.getmany = broken  # type: ignore[method-assign]
    with pytest.raises(KafkaTransportError, match="keeps failing"):
        await pending.get(30)  # not the 30 s timeout: failed after 3 polls
    assert router.alive  # still retrying


async def test_closing_during_a_broker_outage_is_quiet_and_closes_every_client(
    kafka_config: KafkaConfig, served: Served
) -> None:
    consumer, producer = served.server._consumer, served.server._producer
    assert consumer is not None
    assert producer is not None
    real_stop = consumer.stop

    async def stop_cancelled() -> None:
        await real_stop()
        raise asyncio.CancelledError  # what aiokafka's consumer stop() raised in an outage

    consumer.stop = stop_cancelled  # type: ignore[method-assign]
    await served.server.aclose()  # raised CancelledError before, leaving the producer open
    assert producer._closed


async def test_requests_whose_reply_topic_is_missing_are_skipped_without_a_question_each(
    kafka_config: KafkaConfig, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    topic = AgentTopics.of(kafka_config, served.name).requests
    gone = f"{served.name}-gone-replies".encode()
    records: list[RawRecord] = [
        (None, VALID, [(CORRELATION_ID.encode(), f"c{n}".encode()), (REPLY_TOPIC.encode(), gone)])
        for n in range(2000)
    ]
    asked = 0
    real = replies._partition_count

    async def counted(producer: Any, name: str) -> int:
        nonlocal asked
        asked += 1
        return await real(producer, name)

    monkeypatch.setattr(replies, "_partition_count", counted)
    await produce_raw(kafka_config, topic, records)
    async with asyncio.timeout(10):  # normal requests are not held up meanwhile
        assert (await served.transport().send_message(message("work 0"))).task.id
    async with asyncio.timeout(30):
        while served.server.stats.caller_gone < 2000:  # noqa: ASYNC110 - counted as read
            await asyncio.sleep(0.05)
    assert asked <= 3  # one question per `missing_for` (5 s), not one admin connection each
    assert served.server.stats.dead_lettered == 0
