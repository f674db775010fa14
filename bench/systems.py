"""The client side of the three systems, behind one small interface.

Each operation checks its answer (the echoed payload's size, the event count,
the final task state) and raises `BenchError` when it is wrong, so a run that
finishes has had every request answered correctly.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Protocol

import httpx
from a2a.client import Client, ClientConfig, ClientFactory
from a2a.helpers import get_message_text
from a2a.types.a2a_pb2 import (
    AgentCard,
    AgentInterface,
    Message,
    Part,
    Role,
    SendMessageRequest,
    StreamResponse,
    TaskState,
)
from a2a.utils.constants import TransportProtocol

from a2a_kafka import KAFKA_PROTOCOL_BINDING, KafkaClients, KafkaConfig, with_kafka_interface
from bench.agent import bench_card
from bench.floor import FloorClient, floor_topic
from bench.procs import BenchError
from bench.tuning import Tuning

STREAM_PAYLOAD = b"x" * 64
"""What a floor stream request carries (A2A's stream requests are small too)."""


class System(Protocol):
    """What every scenario does to a system."""

    name: str

    async def send(self, payload: str) -> None:
        """One blocking request/reply round trip carrying ``payload`` both ways."""

    async def stream(self, events: int) -> list[float]:
        """A stream of ``events`` events; the perf_counter time each one arrived."""

    async def conversation(self, turns: int) -> None:
        """``turns`` request/replies of one conversation, one after another."""


def user_message(text: str, *, task_id: str = "", context_id: str = "") -> SendMessageRequest:
    """A user message of one text part."""
    message = Message(
        role=Role.ROLE_USER,
        message_id=uuid.uuid4().hex,
        parts=[Part(text=text)],
        task_id=task_id,
        context_id=context_id,
    )
    return SendMessageRequest(message=message)


class A2ASystem:
    """A system reached through a2a's `Client` (Kafka or HTTP alike)."""

    def __init__(self, name: str, blocking: Client, streaming: Client) -> None:
        self.name = name
        self._blocking = blocking
        self._streaming = streaming

    async def _one(self, request: SendMessageRequest) -> StreamResponse:
        events = [event async for event in self._blocking.send_message(request)]
        if len(events) != 1:
            raise BenchError(f"{self.name}: {len(events)} responses to a blocking send")
        return events[0]

    async def send(self, payload: str) -> None:
        reply = await self._one(user_message(f"echo {payload}"))
        if len(get_message_text(reply.message)) != len(payload):
            raise BenchError(f"{self.name}: the echo is not the payload sent")

    async def stream(self, events: int) -> list[float]:
        arrivals = []
        async for _ in self._streaming.send_message(user_message(f"stream {events}")):
            arrivals.append(time.perf_counter())
        if len(arrivals) != events:
            raise BenchError(f"{self.name}: {len(arrivals)} of {events} stream events")
        return arrivals

    async def conversation(self, turns: int) -> None:
        task = (await self._one(user_message("turn"))).task
        for turn in range(2, turns + 1):
            text = "done" if turn == turns else "turn"
            task = (
                await self._one(user_message(text, task_id=task.id, context_id=task.context_id))
            ).task
        if task.status.state != TaskState.TASK_STATE_COMPLETED:
            raise BenchError(f"{self.name}: the conversation ended {task.status.state}")


class FloorSystem:
    """Raw aiokafka request/reply (`bench.floor`)."""

    name = "floor"

    def __init__(self, client: FloorClient) -> None:
        self._client = client

    async def send(self, payload: str) -> None:
        await self._client.call(payload.encode())

    async def stream(self, events: int) -> list[float]:
        return await self._client.call(STREAM_PAYLOAD, events)

    async def conversation(self, turns: int) -> None:
        for _ in range(turns):
            await self._client.call(STREAM_PAYLOAD)


@contextlib.asynccontextmanager
async def kafka_system(
    config: KafkaConfig, agent: str, name: str = "kafka"
) -> AsyncIterator[A2ASystem]:
    """A2A over Kafka: one `KafkaClients` (one requester) shared by both clients."""
    card = with_kafka_interface(bench_card(agent), config, agent)
    async with KafkaClients(config, ClientConfig(streaming=False)) as clients:
        streaming = ClientFactory(
            ClientConfig(streaming=True, supported_protocol_bindings=[KAFKA_PROTOCOL_BINDING])
        )
        clients.register(streaming)
        yield A2ASystem(name, clients.create(card), streaming.create(card))


POOL_REQUESTS = 8
"""Requests in flight per httpx connection pool of the HTTP system."""


def http_card(port: int, agent: str) -> AgentCard:
    """The card of the run's HTTP server: one JSON-RPC interface."""
    url = f"http://127.0.0.1:{port}/"
    interface = AgentInterface(
        url=url, protocol_binding=TransportProtocol.JSONRPC, protocol_version="1.0"
    )
    return bench_card(agent, [interface])


@dataclass
class _Pool:
    system: A2ASystem
    in_flight: int = 0


class HttpPools:
    """A2A over HTTP JSON-RPC: a2a's `Client`s, one httpx pool per `POOL_REQUESTS` in flight.

    httpcore's pool walks every connection it holds on each request and event
    (``AsyncConnectionPool._assign_requests_to_connections`` → ``has_expired`` →
    a ``getpeername`` and a readability poll per idle connection), so one pool
    of 64 connections cost the client 6–9 ms of CPU per request at 64 in flight
    against about 2 ms at 8, and HTTP's column measured the client. Small pools
    keep that walk short; the server sees the same connections. A request takes
    the least busy pool; a pool is added when every pool is full.
    """

    name = "http"

    def __init__(self, card: AgentCard) -> None:
        self._card = card
        self._pools: list[_Pool] = []
        self._http: list[httpx.AsyncClient] = []

    def _new_pool(self) -> _Pool:
        limits = httpx.Limits(
            max_connections=POOL_REQUESTS, max_keepalive_connections=POOL_REQUESTS
        )
        http = httpx.AsyncClient(limits=limits, timeout=60.0)
        self._http.append(http)
        clients = [
            ClientFactory(
                ClientConfig(
                    streaming=streaming,
                    httpx_client=http,
                    supported_protocol_bindings=[TransportProtocol.JSONRPC],
                )
            ).create(self._card)
            for streaming in (False, True)
        ]
        pool = _Pool(A2ASystem(self.name, *clients))
        self._pools.append(pool)
        return pool

    @contextlib.contextmanager
    def _pool(self) -> Iterator[A2ASystem]:
        pool = min(self._pools, key=lambda p: p.in_flight, default=None)
        if pool is None or pool.in_flight >= POOL_REQUESTS:
            pool = self._new_pool()
        pool.in_flight += 1
        try:
            yield pool.system
        finally:
            pool.in_flight -= 1

    async def send(self, payload: str) -> None:
        with self._pool() as system:
            await system.send(payload)

    async def stream(self, events: int) -> list[float]:
        with self._pool() as system:
            return await system.stream(events)

    async def conversation(self, turns: int) -> None:
        with self._pool() as system:
            await system.conversation(turns)

    async def aclose(self) -> None:
        for http in self._http:
            await http.aclose()


@contextlib.asynccontextmanager
async def http_system(port: int, agent: str) -> AsyncIterator[HttpPools]:
    """A2A over HTTP JSON-RPC through `HttpPools`."""
    system = HttpPools(http_card(port, agent))
    try:
        yield system
    finally:
        await system.aclose()


@contextlib.asynccontextmanager
async def one_pool_http_system(port: int, agent: str) -> AsyncIterator[A2ASystem]:
    """The benchmark's earlier HTTP client: one httpx pool of up to 1,024 connections."""
    limits = httpx.Limits(max_connections=1024, max_keepalive_connections=1024)
    async with httpx.AsyncClient(limits=limits, timeout=60.0) as http:
        config = ClientConfig(
            streaming=False,
            httpx_client=http,
            supported_protocol_bindings=[TransportProtocol.JSONRPC],
        )
        client = ClientFactory(config).create(http_card(port, agent))
        yield A2ASystem("http-one-pool", client, client)


@contextlib.asynccontextmanager
async def plain_http_system(port: int, agent: str) -> AsyncIterator[A2ASystem]:
    """A2A over HTTP as a user gets it: a2a's `ClientFactory`, its own default httpx client."""
    client = ClientFactory(ClientConfig(streaming=False)).create(http_card(port, agent))
    try:
        yield A2ASystem("http-plain", client, client)
    finally:
        await client.close()


@contextlib.asynccontextmanager
async def floor_system(
    config: KafkaConfig, agent: str, tuning: Tuning
) -> AsyncIterator[FloorSystem]:
    """The raw floor: a `FloorClient` of ``agent``'s floor topic."""
    client = FloorClient(config, floor_topic(agent), tuning)
    await client.start()
    try:
        yield FloorSystem(client)
    finally:
        await client.aclose()


@contextlib.asynccontextmanager
async def open_system(
    kind: str, config: KafkaConfig, agent: str, port: int, tuning: Tuning
) -> AsyncIterator[System]:
    """The client side of system ``kind``: ``kafka``, ``http``, ``floor``, or a reference client.

    The reference clients of HTTP: ``http-plain`` (`plain_http_system`) and
    ``http-one-pool`` (`one_pool_http_system`).
    """
    opened: contextlib.AbstractAsyncContextManager[System]
    if kind == "kafka":
        opened = kafka_system(config, agent)
    elif kind == "http":
        opened = http_system(port, agent)
    elif kind == "http-plain":
        opened = plain_http_system(port, agent)
    elif kind == "http-one-pool":
        opened = one_pool_http_system(port, agent)
    else:
        opened = floor_system(config, agent, tuning)
    async with opened as system:
        yield system
