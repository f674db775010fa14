"""Request/reply over Kafka: one producer and one reply consumer per caller.

A `Requester` is shared by every call (and every `KafkaTransport`) of one
caller instance. By default it owns a private reply topic
(``<prefix>a2a.replies.<client-id>.<random>``, one partition) that it creates on
start and deletes on close, so a caller reads only its own replies however many
callers there are. A fixed ``reply_to`` address (one partition per caller
instance, like Spring Kafka's ``ReplyingKafkaTemplate``) avoids topic churn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from a2a_kafka.client.replies import ReplyRouter, iterate
from a2a_kafka.closing import close_producer, close_quietly
from a2a_kafka.config import KafkaConfig
from a2a_kafka.diagnosis import cluster_error, kafka_errors
from a2a_kafka.errors import (
    AgentNotFoundError,
    KafkaTimeoutError,
    KafkaTransportError,
)
from a2a_kafka.reply_topics import beat, keep_beating, reply_topics_prefix
from a2a_kafka.telemetry.hooks import calling
from a2a_kafka.topics import ensure_topics, existing_topics
from a2a_kafka.wire import Reply, ReplyAddress, ReplyKind, encode_request, request_key

logger = logging.getLogger(__name__)

REPLY_RETENTION_MS = "3600000"


class Requester:
    """Sends JSON-RPC requests to request topics and collects their replies.

    Starts lazily on the first call (a2a's `ClientFactory` builds transports
    synchronously). Concurrent calls share the producer and the reply consumer.
    `aclose()` is idempotent and fails every call still waiting.
    """

    def __init__(self, config: KafkaConfig, *, reply_to: ReplyAddress | None = None) -> None:
        self.config = config
        self._fixed_reply_to = reply_to
        self._reply_to = reply_to or ReplyAddress(
            f"{reply_topic_prefix(config)}{uuid.uuid4().hex[:12]}", 0
        )
        self._producer: AIOKafkaProducer | None = None
        self._router: ReplyRouter | None = None
        self._known_topics: set[str] = set()
        self._lock = asyncio.Lock()
        self._topic_lock = asyncio.Lock()
        self._closed = False
        self._owns_reply_topic = False
        self._heartbeat: asyncio.Task[None] | None = None

    @property
    def reply_to(self) -> ReplyAddress:
        """Where this caller's replies arrive."""
        return self._reply_to

    async def start(self) -> None:
        """Connect, create the reply topic if it is ours, and get ready for replies."""
        async with self._lock:
            if self._closed:
                raise KafkaTransportError("the Kafka transport is closed")
            if self._router is not None:
                return
            try:
                await self._start()
            except BaseException as exc:  # leave nothing behind, the reply topic included
                await self._stop()
                if isinstance(exc, KafkaError):
                    raise await cluster_error(self.config, exc) from exc
                raise

    async def _start(self) -> None:
        if self._fixed_reply_to is None:
            self._owns_reply_topic = True
            await ensure_topics(
                self.config,
                [self._reply_to.topic],
                partitions=1,
                topic_configs={"retention.ms": REPLY_RETENTION_MS},
            )
        self._producer = self.config.kafka.producer(**self.config.producer_kwargs())
        await self._producer.start()
        router = ReplyRouter(self.config, self._reply_to)
        await router.start()
        self._router = router
        if self._owns_reply_topic:  # tells `a2a-kafka topics gc` this caller is alive
            await beat(self._producer, self._reply_to)
            self._heartbeat = asyncio.create_task(keep_beating(self._producer, self._reply_to))

    async def call(
        self,
        topic: str,
        method: str,
        params: dict[str, Any],
        *,
        service_parameters: Mapping[str, str],
        timeout: float,
        agent: str,
    ) -> dict[str, Any]:
        """Send one request and return its JSON-RPC response object."""
        router = await self._ready(topic, agent)
        correlation_id = str(uuid.uuid4())
        pending = router.register(correlation_id)
        deadline = time.time() + timeout
        with calling(agent, topic, method, params, correlation_id) as observed:
            headers = observed.headers(service_parameters)
            try:
                async with asyncio.timeout(timeout):  # the produce counts against the deadline
                    await self._send(topic, method, params, correlation_id, headers, deadline)
                    reply = await pending.get(timeout)
            except TimeoutError:
                raise _timeout(agent, topic, method, timeout) from None
            finally:
                router.forget(correlation_id)
            observed.replied(body := _body(reply))
        return body

    async def stream(
        self,
        topic: str,
        method: str,
        params: dict[str, Any],
        *,
        service_parameters: Mapping[str, str],
        idle_timeout: float,
        agent: str,
    ) -> AsyncIterator[dict[str, Any]]:
        """Send one streaming request and yield its JSON-RPC responses in order.

        Ends at the server's end-of-stream record. Raises `KafkaTimeoutError`
        when no next record arrives within ``idle_timeout`` seconds. The request's
        deadline is its first event's: a server that picks it up later skips it.
        """
        router = await self._ready(topic, agent)
        correlation_id = str(uuid.uuid4())
        pending = router.register(correlation_id)
        deadline = time.time() + idle_timeout
        with calling(agent, topic, method, params, correlation_id) as observed:
            headers = observed.headers(service_parameters)
            try:
                await self._send(topic, method, params, correlation_id, headers, deadline)
                async for reply in iterate(pending, idle_timeout):
                    observed.replied(body := _body(reply))
                    yield body
            except TimeoutError:
                raise _timeout(agent, topic, method, idle_timeout) from None
            finally:
                router.forget(correlation_id)

    async def prepare(self, topic: str, agent: str) -> None:
        """Start, and look up ``agent``'s request ``topic`` now rather than on its first call.

        Raises `AgentNotFoundError` when the topic does not exist.
        """
        await self._ready(topic, agent)

    async def _ready(self, topic: str, agent: str) -> ReplyRouter:
        await self.start()
        assert self._router is not None
        if topic not in self._known_topics:
            async with self._topic_lock:  # one look-up, however many calls start at once
                if topic not in self._known_topics:
                    await self._look_up(topic, agent)
        if self._router is None:  # closed while the topic was looked up
            raise KafkaTransportError("the Kafka transport is closed")
        return self._router

    async def _look_up(self, topic: str, agent: str) -> None:
        if topic not in await existing_topics(self.config):
            raise AgentNotFoundError(
                f"agent {agent!r} has no request topic {topic!r} on "
                f"{self.config.bootstrap_servers}: it was never served there "
                "(check the name, or start the agent once to create its topics)"
            )
        self._known_topics.add(topic)

    async def _send(
        self,
        topic: str,
        method: str,
        params: dict[str, Any],
        correlation_id: str,
        service_parameters: Mapping[str, str],
        deadline: float,
    ) -> None:
        value, headers = encode_request(
            method,
            params,
            correlation_id=correlation_id,
            reply_to=self._reply_to,
            deadline=deadline,
            service_parameters=service_parameters,
            caller_id=self.config.caller_id or self._reply_to.topic,
        )
        key = request_key(method, params)
        assert self._producer is not None
        try:
            await self._producer.send_and_wait(
                topic, value, key=None if key is None else key.encode(), headers=headers
            )
        except KafkaError as exc:
            raise KafkaTransportError(f"could not produce {method} to {topic}: {exc!r}") from exc

    async def aclose(self) -> None:
        """Stop, fail waiting calls, and delete the private reply topic. Idempotent."""
        async with self._lock, kafka_errors(self.config):
            self._closed = True
            await self._stop()

    async def _stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        if self._router is not None:
            await self._router.aclose()
            self._router = None
        if self._producer is not None:
            await close_producer("the requester's producer", self._producer)
            self._producer = None
        if self._owns_reply_topic:
            self._owns_reply_topic = False
            await close_quietly("the private reply topic", self._delete_reply_topic)

    async def _delete_reply_topic(self) -> None:
        admin = self.config.kafka.admin(**self.config.client_options())
        try:
            await admin.start()
            await admin.delete_topics([self._reply_to.topic])
        finally:
            await close_quietly("the requester's admin client", admin.close)


def reply_topic_prefix(config: KafkaConfig) -> str:
    """``<prefix>a2a.replies.<client-id>.``: how every private reply topic of ``config`` starts."""
    client = re.sub(r"[^A-Za-z0-9_-]+", "-", config.client_id)[:80]
    return f"{reply_topics_prefix(config)}{client}."


def _body(reply: Reply) -> dict[str, Any]:
    if reply.body is None or reply.kind is ReplyKind.END:
        raise KafkaTransportError(f"reply {reply.correlation_id} has no body")
    return reply.body


def _timeout(agent: str, topic: str, method: str, seconds: float) -> KafkaTimeoutError:
    return KafkaTimeoutError(
        f"no reply from agent {agent!r} to {method} on topic {topic!r} within {seconds:g} s "
        "(is the agent running?)"
    )
