"""`Requester` without a broker: closing while calls are under way."""

from __future__ import annotations

import asyncio

import pytest

from a2a_kafka import KafkaConfig, Requester
from a2a_kafka.client.replies import ReplyRouter
from a2a_kafka.errors import KafkaTransportError
from a2a_kafka.wire import ReplyAddress

TOPIC = "agent.x.requests"


class StoppedProducer:
    async def stop(self) -> None:
        return None


@pytest.fixture
def requester(monkeypatch: pytest.MonkeyPatch) -> Requester:
    """A requester as started (not connected), closed while a call checks its topic."""
    config = KafkaConfig()
    address = ReplyAddress("replies", 0)
    requester = Requester(config, reply_to=address)
    requester._router = ReplyRouter(config, address)
    requester._producer = StoppedProducer()

    async def closed_meanwhile(_: KafkaConfig) -> set[str]:
        await requester.aclose()
        return {TOPIC}

    monkeypatch.setattr("a2a_kafka.client.requester.existing_topics", closed_meanwhile)
    return requester


async def test_a_call_racing_close_fails_as_closed(requester: Requester) -> None:
    async with asyncio.timeout(2):
        with pytest.raises(KafkaTransportError, match="closed"):
            await requester.call(TOPIC, "GetTask", {}, service_parameters={}, timeout=30, agent="x")


async def test_a_stream_racing_close_fails_as_closed(requester: Requester) -> None:
    stream = requester.stream(
        TOPIC, "SubscribeToTask", {}, service_parameters={}, idle_timeout=30, agent="x"
    )
    async with asyncio.timeout(2):
        with pytest.raises(KafkaTransportError, match="closed"):
            await anext(stream)
