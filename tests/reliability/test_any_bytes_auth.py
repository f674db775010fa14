"""Property: to an agent that requires credentials, no record without valid ones reaches the agent.

Hypothesis writes batches of request records with the caller's reply address, each a
SendMessage the fault agent would run (``work 0``) or arbitrary bytes, carrying arbitrary
credentials: none, junk, ``Bearer`` with junk, tokens forged with another key, expired or
for another audience, unsigned (``alg: none``), wrong API keys, in any letter case and
repeated. After each batch every record was answered with an error (never a result), the
agent ran none of them, and an authenticated request still runs at once.

Short in CI (`EXAMPLES`); ``A2A_KAFKA_FULL_ANY_BYTES=1`` runs the long form.
"""

from __future__ import annotations

import asyncio
import os
import uuid
import warnings
from collections.abc import AsyncIterator
from typing import Any, cast

import jwt
import pytest
from aiokafka import AIOKafkaProducer
from auth_serving import AUDIENCE, OTHER_KEY, credentials, token
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisDeprecationWarning
from serving import Served, message

from a2a_kafka import KafkaConfig, KafkaTransport, Requester
from a2a_kafka.topics import AgentTopics
from a2a_kafka.wire import encode_request

FULL = os.environ.get("A2A_KAFKA_FULL_ANY_BYTES", "") in ("1", "true", "yes")
EXAMPLES = 100 if FULL else 6
TIMEOUT = 60.0

bad_tokens = st.one_of(
    st.text(max_size=60),
    st.builds(lambda: token(key=OTHER_KEY)),  # forged: another key
    st.builds(lambda: token(ttl=-3600)),  # expired
    st.builds(lambda: token(audience="another-agent")),
    st.builds(
        lambda: jwt.encode({"sub": "root", "aud": AUDIENCE}, cast(Any, None), algorithm="none")
    ),
    st.builds(lambda t: t[:-4] + "AAAA", st.builds(token)),  # signature tampered with
)
authorization = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda kind, t: f"{kind} {t}", st.sampled_from(["Bearer", "bearer", "Basic"]), bad_tokens
    ),
)
credential_headers = st.lists(
    st.tuples(
        st.sampled_from(["Authorization", "authorization", "X-API-Key", "x-api-key"]),
        authorization,
    ),
    max_size=3,
)
bodies = st.one_of(
    st.builds(lambda: None),  # a SendMessage the agent would run: filled in below
    st.binary(max_size=200),
    st.sampled_from(["GetTask", "ListTasks", "CancelTask", "SubscribeToTask"]),
)
batches = st.lists(st.tuples(bodies, credential_headers), min_size=1, max_size=6)


@pytest.fixture
async def requester(kafka_config: KafkaConfig) -> AsyncIterator[Requester]:
    started = Requester(kafka_config)
    await started.start()
    yield started
    await started.aclose()


def record(
    requester: Requester, body: bytes | str | None, extra: list[tuple[str, str]]
) -> tuple[str, bytes, list[tuple[str, bytes]]]:
    """(correlation id, value, headers) of a request with ``requester``'s reply address."""
    cid = str(uuid.uuid4())
    method = body if isinstance(body, str) else "SendMessage"
    params = {"id": "t"} if isinstance(body, str) else {"message": _work()}
    value, headers = encode_request(
        method,
        params,
        correlation_id=cid,
        reply_to=requester.reply_to,
        deadline=None,
        service_parameters={"A2A-Version": "1.0"},
    )
    if isinstance(body, bytes):
        value = body
    return cid, value, [*((n, v.encode()) for n, v in extra), *headers]


def _work() -> dict[str, object]:
    return {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": "work 0"}]}


async def run_batch(
    config: KafkaConfig,
    served: Served,
    requester: Requester,
    batch: list[tuple[bytes | str | None, list[tuple[str, str]]]],
) -> None:
    router = requester._router
    assert router is not None
    executions = served.agent.executions
    made = [record(requester, body, extra) for body, extra in batch]
    waiting = [router.register(cid) for cid, _, _ in made]
    producer = AIOKafkaProducer(**config.client_options())
    await producer.start()
    try:
        topic = AgentTopics.of(config, served.name).requests
        for _, value, headers in made:
            await producer.send(topic, value, headers=headers)
        await producer.flush()
    finally:
        await producer.stop()
    for pending in waiting:
        reply = await pending.get(TIMEOUT)
        assert reply.body is not None
        assert "error" in reply.body, reply.body  # never a result
        router.forget(pending.correlation_id)
    assert served.agent.executions == executions  # nothing reached the agent


async def test_no_record_without_valid_credentials_reaches_the_agent(
    kafka_config: KafkaConfig, auth_served: Served, requester: Requester
) -> None:
    loop = asyncio.get_running_loop()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=not FULL,
    )
    @given(batches)
    def check(batch: list[tuple[bytes | str | None, list[tuple[str, str]]]]) -> None:
        job = run_batch(kafka_config, auth_served, requester, batch)
        asyncio.run_coroutine_threadsafe(job, loop).result(TIMEOUT * 2)

    def quietly() -> None:  # the server's retries use `random` on the loop's thread meanwhile
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", HypothesisDeprecationWarning)
            check()

    await asyncio.to_thread(quietly)
    assert auth_served.server.stats.unauthenticated > 0
    transport = KafkaTransport(requester, auth_served.name)
    async with asyncio.timeout(10):  # an authenticated caller is served at once
        reply = await transport.send_message(message("work 0"), context=credentials(token()))
    assert reply.task.id
    assert auth_served.agent.executions == 1
