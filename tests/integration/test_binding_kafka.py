"""What only the Kafka binding has to prove: volume, reply routing, dead servers, bad records."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from a2a.client import Client, ClientCallContext
from a2a.helpers import get_artifact_text, get_message_text
from a2a.types.a2a_pb2 import (
    AgentCard,
    GetTaskRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
    StreamResponse,
    TaskState,
)
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import TopicAuthorizationFailedError
from scripted_agent import agent_card, request_handler

from a2a_kafka import (
    AgentNotFoundError,
    AgentRegistry,
    KafkaClients,
    KafkaConfig,
    KafkaConsumerHandler,
    KafkaTimeoutError,
    KafkaTransport,
    Requester,
    with_kafka_interface,
)
from a2a_kafka.errors import BrokerError
from a2a_kafka.monitoring import agent_status
from a2a_kafka.pytest_plugin import UniqueNames
from a2a_kafka.registry import publish_card
from a2a_kafka.server.handler import LOOP_RETRIES
from a2a_kafka.topics import (
    REGISTRY_TOPIC,
    AgentTopics,
    ensure_agent_topics,
    ensure_topics,
    existing_topics,
)
from a2a_kafka.wire import ReplyAddress, encode_request

HERE = Path(__file__).parent


def user_message(text: str, context_id: str = "") -> SendMessageRequest:
    return SendMessageRequest(
        message=Message(
            role=Role.ROLE_USER,
            message_id=str(uuid.uuid4()),
            parts=[Part(text=text)],
            context_id=context_id,
        )
    )


async def collect(stream: AsyncIterator[StreamResponse]) -> list[StreamResponse]:
    return [event async for event in stream]


@pytest.fixture
async def served(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> AsyncIterator[tuple[str, AgentCard]]:
    name = unique_names.agent()
    card = with_kafka_interface(agent_card(name), kafka_config, name)
    handler = request_handler(card)
    async with KafkaConsumerHandler(name, handler, kafka_config, agent_card=card):
        yield name, card
    await handler.aclose()


async def test_a_stream_of_1000_events_arrives_complete_and_in_order(
    kafka_config: KafkaConfig, served: tuple[str, AgentCard]
) -> None:
    _, card = served
    async with KafkaClients(kafka_config) as clients:
        events = await collect(clients.create(card).send_message(user_message("stream 1000")))
    numbers = [
        get_message_text(e.status_update.status.message)
        for e in events
        if e.HasField("status_update")
        and e.status_update.status.state == TaskState.TASK_STATE_WORKING
    ]
    assert numbers == [str(i) for i in range(1000)]
    assert events[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED


async def test_200_concurrent_requests_from_4_callers_each_get_their_own_reply(
    kafka_config: KafkaConfig, served: tuple[str, AgentCard]
) -> None:
    name, card = served
    transports = [KafkaTransport.create(kafka_config, name, card) for _ in range(4)]

    async def ask(i: int) -> tuple[str, str]:
        transport = transports[i % 4]
        response = await transport.send_message(user_message(f"echo caller-{i % 4}-req-{i}"))
        return f"echo: caller-{i % 4}-req-{i}", get_artifact_text(response.task.artifacts[0])

    try:
        pairs = await asyncio.gather(*(ask(i) for i in range(200)))
        assert all(expected == got for expected, got in pairs)
        # Each caller's private reply topic holds exactly its own 50 replies (and the
        # heartbeat the caller wrote on start).
        for transport in transports:
            assert await _records_in(kafka_config, transport._requester.reply_to) == 50 + 1
    finally:
        for transport in transports:
            await transport.close()


async def _records_in(config: KafkaConfig, address: ReplyAddress) -> int:
    consumer = AIOKafkaConsumer(**config.client_options())
    await consumer.start()
    try:
        tp = TopicPartition(address.topic, address.partition)
        return int((await consumer.end_offsets([tp]))[tp])
    finally:
        await consumer.stop()


async def test_messages_of_one_conversation_share_a_partition(
    kafka_config: KafkaConfig, served: tuple[str, AgentCard]
) -> None:
    name, card = served
    async with KafkaClients(kafka_config) as clients:
        client = clients.create(card)
        for _ in range(6):
            await collect(client.send_message(user_message("echo same", context_id="ctx-42")))
    consumer = AIOKafkaConsumer(
        AgentTopics.of(kafka_config, name).requests,
        **kafka_config.client_options(),
        auto_offset_reset="earliest",
    )
    await consumer.start()
    partitions: list[int] = []
    try:
        async with asyncio.timeout(30):
            while len(partitions) < 6:
                record = await consumer.getone()
                partitions.append(record.partition)
    finally:
        await consumer.stop()
    assert len(set(partitions)) == 1


async def test_no_server_gives_a_timeout_naming_agent_and_topic(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    name = unique_names.agent()
    await ensure_agent_topics(kafka_config, [name])  # deployed once, not running now
    transport = KafkaTransport.create(kafka_config, name)
    started = time.monotonic()
    try:
        with pytest.raises(KafkaTimeoutError, match=rf"{name}.*agent\.{name}\.requests"):
            await transport.send_message(
                user_message("echo anyone?"), context=ClientCallContext(timeout=1.5)
            )
    finally:
        await transport.close()
    assert 1.5 <= time.monotonic() - started < 10


async def test_an_agent_never_served_on_the_cluster_fails_fast(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    name = unique_names.agent("typo")
    transport = KafkaTransport.create(kafka_config, name)
    try:
        with pytest.raises(AgentNotFoundError, match=rf"agent\.{name}\.requests"):
            await transport.send_message(user_message("echo hello?"))
    finally:
        await transport.close()
    assert AgentTopics.of(kafka_config, name).requests not in await existing_topics(kafka_config)


async def test_a_server_killed_mid_stream_ends_the_stream_with_a_timeout(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    name = unique_names.agent()
    server = await start_server_process(kafka_config, name)
    try:
        card = with_kafka_interface(agent_card(name), kafka_config, name)
        async with KafkaClients(kafka_config) as clients:
            stream = clients.create(card).send_message(
                user_message("hold"), context=ClientCallContext(timeout=2.0)
            )
            first = await anext(stream)
            assert first.task.id
            server.send_signal(signal.SIGKILL)
            started = time.monotonic()
            with pytest.raises(KafkaTimeoutError):
                await collect(stream)
            assert time.monotonic() - started < 10
    finally:
        if server.returncode is None:
            server.kill()
        await server.wait()


async def test_sigterm_drains_in_flight_requests_before_leaving(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    name = unique_names.agent()
    server = await start_server_process(kafka_config, name)
    card = with_kafka_interface(agent_card(name), kafka_config, name)
    async with KafkaClients(kafka_config) as clients:
        stream = clients.create(card).send_message(user_message("sleep 1.5"))
        first = await anext(stream)
        assert first.task.id
        server.send_signal(signal.SIGTERM)
        rest = await collect(stream)
    assert rest[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED
    assert await server.wait() == 0


async def start_server_process(config: KafkaConfig, name: str) -> asyncio.subprocess.Process:
    """The scripted agent in its own process, returned once it serves."""
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        str(HERE / "serve_scripted.py"),
        config.bootstrap_servers,
        name,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(HERE)},
    )
    assert server.stdout is not None
    assert (await server.stdout.readline()).strip() == b"ready"
    return server


async def test_malformed_records_get_error_replies_and_the_server_keeps_serving(
    kafka_config: KafkaConfig, served: tuple[str, AgentCard]
) -> None:
    name, card = served
    topic = AgentTopics.of(kafka_config, name).requests
    requester = Requester(kafka_config)
    await requester.start()
    router = requester._router
    assert router is not None
    producer = AIOKafkaProducer(**kafka_config.client_options())
    await producer.start()
    bad_values = [
        b"not json at all",
        b"[1, 2, 3]",
        json.dumps({"jsonrpc": "1.0", "id": 1, "method": "GetTask"}).encode(),
        json.dumps({"jsonrpc": "2.0", "id": 1, "method": "NoSuchMethod"}).encode(),
        json.dumps({"jsonrpc": "2.0", "id": 1, "method": "GetTask", "params": {"id": 7}}).encode(),
        b"\xff\xfe binary",
    ]
    expected_codes = {-32700, -32600, -32601, -32602}
    pending = []
    try:
        async with KafkaClients(kafka_config) as clients:
            client = clients.create(card)
            good = []
            for i in range(100):
                value = bad_values[i % len(bad_values)]
                cid = str(uuid.uuid4())
                _, headers = encode_request(
                    "x",
                    {},
                    correlation_id=cid,
                    reply_to=requester.reply_to,
                    deadline=None,
                    service_parameters={"A2A-Version": "1.0"},
                )
                if i % 10 == 9:
                    headers = []  # no reply address: logged and skipped
                else:
                    pending.append(router.register(cid))
                await producer.send_and_wait(topic, value, headers=headers)
                if i % 5 == 0:
                    good.append(
                        asyncio.ensure_future(
                            collect(client.send_message(user_message(f"echo {i}")))
                        )
                    )
            results = await asyncio.gather(*good)
            assert all(
                r[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED for r in results
            )
            codes = [(await p.get(10)).body["error"]["code"] for p in pending]  # type: ignore[index]
            assert len(codes) == 90
            assert set(codes) <= expected_codes
            # still serving after the flood
            final = await collect(client.send_message(user_message("echo after")))
            assert final[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED
    finally:
        await producer.stop()
        await requester.aclose()


async def test_registry_resolves_cards_by_name_and_skill(
    kafka_config: KafkaConfig, served: tuple[str, AgentCard]
) -> None:
    name, _ = served
    registry = AgentRegistry(kafka_config)
    card = await registry.get(name)
    assert card.name == name
    assert card.supported_interfaces[0].url.endswith(f"/{name}")
    assert name in await registry.find_by_skill("echo")
    with pytest.raises(AgentNotFoundError, match="no-such-agent"):
        await registry.get("no-such-agent")


async def test_a_card_record_that_is_not_a_card_does_not_hide_the_others(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    config = kafka_config.with_(topic_prefix=f"{unique_names.topic()}.")
    name = unique_names.agent()
    producer = AIOKafkaProducer(**config.producer_kwargs())
    await producer.start()
    try:
        await publish_card(producer, config, name, agent_card(name))
        registry = config.topic(REGISTRY_TOPIC)
        await producer.send_and_wait(registry, b"not json", key=b"broken")
        await producer.send_and_wait(registry, b'{"name": 5}', key=b"wrong-type")
    finally:
        await producer.stop()
    assert list(await AgentRegistry(config).cards()) == [name]


async def test_connect_by_name_through_the_registry(
    kafka_config: KafkaConfig, served: tuple[str, AgentCard]
) -> None:
    name, _ = served
    async with KafkaClients(kafka_config) as clients:
        client: Client = await clients.connect(name)
        events = await collect(client.send_message(user_message("echo by name")))
        task = events[0].task
        fetched = await client.get_task(GetTaskRequest(id=task.id))
    assert get_artifact_text(fetched.artifacts[0]) == "echo: by name"


async def test_a_request_whose_caller_is_gone_is_skipped_at_once(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    name = unique_names.agent()
    card = with_kafka_interface(agent_card(name), kafka_config, name)
    handler = request_handler(card)
    async with (
        KafkaConsumerHandler(name, handler, kafka_config, agent_card=card) as server,
        KafkaClients(kafka_config) as clients,
    ):
        producer = AIOKafkaProducer(**kafka_config.client_options())
        await producer.start()
        try:
            value, headers = encode_request(
                "SendMessage",
                {"message": {"messageId": "m", "parts": [{"text": "echo lost"}]}},
                correlation_id="c-gone",
                reply_to=ReplyAddress(unique_names.topic("deleted-replies"), 0),
                deadline=None,
                service_parameters={"A2A-Version": "1.0"},
            )
            await producer.send_and_wait(
                AgentTopics.of(kafka_config, name).requests, value, key=b"k", headers=headers
            )
        finally:
            await producer.stop()
        # A request sent after it, on the same partition, is answered without waiting.
        started = time.monotonic()
        events = await collect(clients.create(card).send_message(user_message("echo next", "k")))
        assert events[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED
        assert time.monotonic() - started < 10
        assert server.stats.caller_gone == 1
        assert server.stats.dead_lettered == 0
    await handler.aclose()


async def test_a_server_started_before_its_new_topic_reaches_the_metadata_gets_its_requests(
    kafka_config: KafkaConfig, unique_names: UniqueNames, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A topic just created reaches the brokers' metadata a moment later (seconds on a busy
    # machine). Simulated: the topics appear a second after `ensure_topics` returns. A server
    # that joined its group before would be assigned nothing, for aiokafka's 5-minute
    # metadata refresh, and every request would time out.
    name = unique_names.agent()
    card = agent_card(name)
    create = ensure_topics
    late: list[asyncio.Task[list[str]]] = []

    async def created_late(config: KafkaConfig, names: list[str], **options: Any) -> list[str]:
        async def later() -> list[str]:
            await asyncio.sleep(1.0)  # the metadata's delay, not a wait for an event
            return await create(config, names, **options)

        late.append(asyncio.create_task(later()))
        return list(names)

    monkeypatch.setattr("a2a_kafka.server.handler.ensure_topics", created_late)
    async with (
        KafkaConsumerHandler(name, request_handler(card), kafka_config, agent_card=card) as server,
        KafkaClients(kafka_config) as clients,
    ):
        await asyncio.gather(*late)
        requests = AgentTopics.of(kafka_config, name).requests
        assert {tp.topic for tp in server.assignment} == {requests}
        client = clients.create(with_kafka_interface(card, kafka_config, name))
        events = await collect(client.send_message(user_message("echo hi")))
        assert events[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED


async def test_a_server_whose_start_fails_leaves_its_group_and_keeps_nothing_running(
    kafka_config: KafkaConfig, unique_names: UniqueNames, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = unique_names.agent()
    card = agent_card(name)

    async def registry_denied(*_: object) -> None:
        raise BrokerError("the registry topic cannot be created")

    monkeypatch.setattr("a2a_kafka.server.handler.publish_card", registry_denied)
    server = KafkaConsumerHandler(name, request_handler(card), kafka_config, agent_card=card)
    with pytest.raises(BrokerError, match="registry topic"):
        await server.start()
    (status,) = await agent_status(kafka_config, [name])
    assert status.members == 0  # not consuming requests behind a failed start
    assert server.assignment == frozenset()


async def test_a_consume_loop_failure_reaches_serve_forever_as_a_broker_error(
    kafka_config: KafkaConfig, unique_names: UniqueNames
) -> None:
    name = unique_names.agent()
    async with KafkaConsumerHandler(
        name, request_handler(agent_card(name)), kafka_config
    ) as server:
        assert server._consumer is not None

        async def fetch_fails(*_: object, **__: object) -> None:
            raise TopicAuthorizationFailedError()

        server._consumer.getmany = fetch_fails
        async with asyncio.timeout(60):  # retried LOOP_RETRIES times with backoff first
            with pytest.raises(BrokerError, match="TopicAuthorizationFailed"):
                await server.serve_forever()
        assert server.stats.loop_failures == LOOP_RETRIES
        assert server.health.state == "failed"
