"""No record, whatever its bytes, stops a consumer of this project (one test per defect)."""

from __future__ import annotations

import asyncio

from hostile import produce_raw
from serving import Served, message
from test_dead_letters import letters_when

from a2a_kafka import KafkaConfig
from a2a_kafka.topics import AgentTopics

NOT_UTF8 = b"\xff\xfe-key"


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
