"""Unanswerable requests end on ``agent.<name>.requests.dlq``; replay re-submits them."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from aiokafka import AIOKafkaProducer
from google.protobuf.json_format import MessageToDict
from serving import Served, message

from a2a_kafka import KafkaConfig, Requester
from a2a_kafka.cli import dlq as dlq_cli
from a2a_kafka.server.dlq_tools import Listing, read_dead_letters
from a2a_kafka.topics import AgentTopics, ensure_topics
from a2a_kafka.wire import ReplyAddress, encode_request

RETRY_ATTEMPTS = 3  # serving.serve's RetryPolicy
TINY_RECORDS = {"max.message.bytes": "100"}


@pytest.fixture
async def producer(kafka_config: KafkaConfig) -> AsyncIterator[AIOKafkaProducer]:
    started = AIOKafkaProducer(**kafka_config.client_options())
    await started.start()
    yield started
    await started.stop()


async def letters_when(
    config: KafkaConfig, agent: str, count: int, timeout: float = 15.0
) -> Listing:
    """The dead letters, once there are ``count`` of them."""
    async with asyncio.timeout(timeout):
        while len((listing := await read_dead_letters(config, agent)).letters) < count:  # noqa: ASYNC110 - a topic has no change notification
            await asyncio.sleep(0.1)
    return listing


async def test_requests_without_a_reply_address_are_dead_lettered_at_once(
    kafka_config: KafkaConfig, served: Served, producer: AIOKafkaProducer
) -> None:
    topic = AgentTopics.of(kafka_config, served.name).requests
    await producer.send_and_wait(topic, b'{"jsonrpc": "2.0"}', key=b"k1", headers=[])
    await producer.send_and_wait(topic, b"{}", headers=[("a2a-kafka-reply-topic", b"\xff\xfe")])
    listing = await letters_when(kafka_config, served.name, 2)
    first, second = listing.letters if listing.letters[0].key else listing.letters[::-1]
    assert (first.key, first.value) == (b"k1", b'{"jsonrpc": "2.0"}')
    assert first.error_type == second.error_type == "MalformedRecordError"
    assert "no reply address" in first.error_message
    assert "not UTF-8" in second.error_message
    assert first.attempts == 1
    assert first.origin.startswith(f"{topic}/")
    assert served.server.stats.unroutable == served.server.stats.dead_lettered == 2
    # and the server keeps serving
    assert (await served.transport().send_message(message("work 0"))).task.id


async def test_malformed_requests_with_a_reply_address_are_answered_not_dead_lettered(
    kafka_config: KafkaConfig, served: Served, producer: AIOKafkaProducer
) -> None:
    requester = Requester(kafka_config)
    await requester.start()
    try:
        router = requester._router
        assert router is not None
        cid = str(uuid.uuid4())
        pending = router.register(cid)
        _, headers = encode_request(
            "x",
            {},
            correlation_id=cid,
            reply_to=requester.reply_to,
            deadline=None,
            service_parameters={},
        )
        topic = AgentTopics.of(kafka_config, served.name).requests
        await producer.send_and_wait(topic, b"not json", headers=headers)
        reply = await pending.get(10)
    finally:
        await requester.aclose()
    assert reply.body is not None
    assert reply.body["error"]["code"] == -32700
    assert served.server.stats.rejected == 1
    assert served.server.stats.dead_lettered == 0


async def send_with_unproducible_reply(
    config: KafkaConfig, name: str, requester: Requester, producer: AIOKafkaProducer, text: str
) -> None:
    """A SendMessage whose reply topic takes no record as large as the reply."""
    reply_topic = f"{name}-tiny-replies"
    await ensure_topics(config, [reply_topic], partitions=1, topic_configs=TINY_RECORDS)
    value, headers = encode_request(
        "SendMessage",
        MessageToDict(message(text)),
        correlation_id=str(uuid.uuid4()),
        reply_to=ReplyAddress(reply_topic, 0),
        deadline=None,
        service_parameters={"A2A-Version": "1.0"},
    )
    topic = AgentTopics.of(config, name).requests
    await producer.send_and_wait(topic, value, headers=headers)


async def test_a_reply_partition_that_does_not_exist_is_dead_lettered_at_once(
    kafka_config: KafkaConfig, served: Served, producer: AIOKafkaProducer
) -> None:
    requester = Requester(kafka_config)
    try:
        await requester.start()  # creates the (one-partition) reply topic
        value, headers = encode_request(
            "SendMessage",
            MessageToDict(message("work 0")),
            correlation_id=str(uuid.uuid4()),
            reply_to=ReplyAddress(requester.reply_to.topic, 7),
            deadline=None,
            service_parameters={"A2A-Version": "1.0"},
        )
        await producer.send_and_wait(
            AgentTopics.of(kafka_config, served.name).requests, value, headers=headers
        )
        (letter,) = (await letters_when(kafka_config, served.name, 1)).letters
    finally:
        await requester.aclose()
    assert (letter.error_type, letter.attempts) == ("UnusableAddressError", 1)
    assert "no partition 7" in letter.error_message
    assert served.server.stats.retries == 0
    assert served.agent.executions == 0


async def test_replies_that_cannot_be_produced_are_retried_then_dead_lettered_and_replayed(
    kafka_config: KafkaConfig, served: Served, producer: AIOKafkaProducer
) -> None:
    requester = Requester(kafka_config)
    try:
        await send_with_unproducible_reply(kafka_config, served.name, requester, producer, "work 0")
        await check_retried_dead_lettered_and_replayed(kafka_config, served)
    finally:
        await requester.aclose()


async def check_retried_dead_lettered_and_replayed(config: KafkaConfig, served: Served) -> None:
    kafka_config = config
    (letter,) = (await letters_when(kafka_config, served.name, 1)).letters
    assert letter.attempts == RETRY_ATTEMPTS
    assert served.server.stats.retries == RETRY_ATTEMPTS - 1
    assert json.loads(letter.value or b"")["method"] == "SendMessage"
    assert served.agent.executions == 1

    out = await run_cli("dlq", "list", served.name, "--json")
    (row,) = [json.loads(line) for line in out.splitlines()]
    assert (row["method"], row["attempts"], row["replayed"]) == ("SendMessage", 3, False)

    assert "replayed 1 dead letter(s)" in await run_cli("dlq", "replay", served.name)
    # The replayed request is answered from the dedupe store: the agent does not run
    # again; its reply still cannot be produced, so it is dead-lettered once more.
    listing = await letters_when(kafka_config, served.name, 2)
    first, again = sorted(listing.letters, key=lambda letter: letter.replays)
    assert (first.replays, again.replays) == (0, 1)
    assert listing.was_replayed(first)
    assert served.agent.executions == 1
    assert served.server.stats.duplicates == 1
    # only the new dead letter: the first one was replayed already
    assert "replayed 1 dead letter(s)" in await run_cli("dlq", "replay", served.name)


async def run_cli(*argv: str) -> str:
    """Run ``a2a-kafka <argv>`` (the dlq commands registered) in a thread; its output."""
    return await asyncio.get_running_loop().run_in_executor(None, _run_cli, argv)


def _run_cli(argv: tuple[str, ...]) -> str:
    parser = argparse.ArgumentParser(prog="a2a-kafka")
    dlq_cli.register(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert asyncio.run(args.handler(args)) == 0
    return out.getvalue()


@pytest.fixture(autouse=True)
def _cluster_env(kafka_config: KafkaConfig) -> Iterator[None]:
    """The CLI finds the cluster through KAFKA_BOOTSTRAP_SERVERS."""
    old = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    os.environ["KAFKA_BOOTSTRAP_SERVERS"] = kafka_config.bootstrap_servers
    yield
    if old is None:
        del os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    else:
        os.environ["KAFKA_BOOTSTRAP_SERVERS"] = old
