"""Callers are who they say they are: A2A-level authentication over the real broker.

An agent with an `AuthPolicy` (bearer JWTs signed with an ES256 key, and API keys)
is served over Kafka; callers use a2a's own ``AuthInterceptor`` through `KafkaClients`.
Every refusal is checked at the executor (it never ran) and in the server's stats; every
token and key used here is then looked for in the logs, the dead letters and the
``audit`` / ``dlq list`` output.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from a2a.client import Client, ClientCallContext
from a2a.client.auth import AuthInterceptor
from a2a.client.interceptors import ClientCallInterceptor
from a2a.helpers import new_task_from_user_message
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types.a2a_pb2 import (
    AgentCapabilities,
    AgentCard,
    AgentSkill,
    CancelTaskRequest,
    GetTaskRequest,
    ListTasksRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
    StreamResponse,
    SubscribeToTaskRequest,
    TaskState,
)
from a2a.utils.errors import TaskNotFoundError
from aiokafka import AIOKafkaProducer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from a2a_kafka import KafkaClients, KafkaConfig, KafkaConsumerHandler
from a2a_kafka.auth import AuthPolicy, JwtSettings, StaticCredentials, UnauthenticatedError
from a2a_kafka.pytest_plugin import UniqueNames
from a2a_kafka.server.dlq_tools import Listing, read_dead_letters
from a2a_kafka.topics import AgentTopics
from a2a_kafka.wire import CORRELATION_ID

ISSUER = "https://issuer.test"
API_KEY = "k3y-" + uuid.uuid4().hex


def _pem(key: ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


SIGNING_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_KEY = ec.generate_private_key(ec.SECP256R1())  # not the agent's: a forged token


def token(user: str, audience: str, *, key: Any = SIGNING_KEY, expires_in: float = 600) -> str:
    now = time.time()
    claims = {"sub": user, "aud": audience, "iss": ISSUER, "iat": now, "exp": now + expires_in}
    return jwt.encode(claims, key, algorithm="ES256")


class WhoAmI(AgentExecutor):
    """Records who each run was for; ``ask`` leaves the task waiting for input."""

    def __init__(self) -> None:
        self.runs: list[str] = []

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        assert context.message is not None
        user = context.call_context.user.user_name
        self.runs.append(user)
        task = context.current_task or new_task_from_user_message(context.message)
        if context.current_task is None:
            await event_queue.enqueue_event(task)
        up = TaskUpdater(event_queue, task.id, task.context_id)
        if context.get_user_input() == "ask":
            await up.requires_input(up.new_agent_message([Part(text="which one?")]))
            return
        await up.add_artifact([Part(text=f"hello {user}")], name="greeting")
        await up.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        assert context.current_task is not None
        up = TaskUpdater(event_queue, context.current_task.id, context.current_task.context_id)
        await up.cancel()


class SecretWatch(logging.Handler):
    """Keeps every log line of the module's tests, to look for secrets in them."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def watch() -> Iterator[SecretWatch]:
    handler = SecretWatch()
    handler.setFormatter(logging.Formatter("%(name)s %(message)s %(exc_text)s"))
    root = logging.getLogger()
    before = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for noisy in ("aiokafka", "asyncio", "sqlalchemy"):
        logging.getLogger(noisy).setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(before)


@dataclass
class Secured:
    name: str
    executor: WhoAmI
    server: KafkaConsumerHandler
    clients: KafkaClients
    card: AgentCard
    secrets: list[str] = field(default_factory=list)

    def token(self, user: str, **options: Any) -> str:
        made = token(user, self.name, **options)
        self.secrets.append(made)
        return made

    def client(self, **credentials: str) -> Client:
        """A client of the agent's card with these credentials (``bearer=``, ``apiKey=``)."""
        interceptors: list[ClientCallInterceptor] = (
            [AuthInterceptor(StaticCredentials(credentials))] if credentials else []
        )
        return self.clients.create(self.card, interceptors)


@pytest.fixture
async def secured(
    kafka_config: KafkaConfig, unique_names: UniqueNames, watch: SecretWatch
) -> AsyncIterator[Secured]:
    name = unique_names.agent()
    executor = WhoAmI()
    card = AgentCard(
        name=name,
        description="tells callers who they are",
        version="1.0",
        capabilities=AgentCapabilities(streaming=True),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=[AgentSkill(id="whoami", name="who am I", description="greets", tags=["test"])],
    )
    policy = AuthPolicy(
        JwtSettings(key=_pem(SIGNING_KEY), issuer=ISSUER, audience=name, algorithms=("ES256",)),
        api_keys={API_KEY: "robot"},
    )
    handler = DefaultRequestHandler(executor, InMemoryTaskStore(), card)
    server = KafkaConsumerHandler(name, handler, kafka_config, agent_card=card, auth=policy)
    async with server, KafkaClients(kafka_config) as clients:
        registered = await clients.registry.get(name)
        running = Secured(name, executor, server, clients, registered, [API_KEY])
        yield running
        assert_no_secret(watch.lines, running.secrets)
    await handler.aclose()


def user_message(text: str, message_id: str | None = None, **ids: Any) -> SendMessageRequest:
    return SendMessageRequest(
        message=Message(
            role=Role.ROLE_USER,
            message_id=message_id or str(uuid.uuid4()),
            parts=[Part(text=text)],
            **ids,
        )
    )


async def events(client: Client, text: str, message_id: str | None = None) -> list[StreamResponse]:
    context = ClientCallContext(timeout=30)
    return [e async for e in client.send_message(user_message(text, message_id), context=context)]


def assert_no_secret(texts: list[str], secrets: list[str]) -> None:
    everything = "\n".join(texts)
    for secret in secrets:
        for piece in {secret, *secret.split(".")}:  # a JWT's signature alone is a secret too
            if len(piece) >= 16:
                assert piece not in everything, "a credential leaked"


async def test_the_card_declares_the_schemes_a2a_clients_understand(secured: Secured) -> None:
    schemes = secured.card.security_schemes
    assert schemes["bearer"].http_auth_security_scheme.scheme == "Bearer"
    assert schemes["apiKey"].api_key_security_scheme.name == "X-API-Key"
    assert [list(r.schemes) for r in secured.card.security_requirements] == [
        ["bearer"],
        ["apiKey"],
    ]


async def test_the_right_token_makes_the_user_visible_to_the_agent(
    kafka_config: KafkaConfig, secured: Secured
) -> None:
    credentials = StaticCredentials({"bearer": secured.token("alice")})
    async with KafkaClients(kafka_config, credentials=credentials) as clients:
        client = await clients.connect(secured.name)
        replies = await events(client, "hi")
    assert replies[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED
    assert secured.executor.runs == ["alice"]
    api_key_replies = await events(secured.client(apiKey=API_KEY), "hi")
    assert api_key_replies[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED
    assert secured.executor.runs == ["alice", "robot"]
    assert secured.server.stats.unauthenticated == 0


REFUSED: dict[str, tuple[dict[str, Any], str]] = {
    "no credentials": ({}, "no credentials"),
    "wrong signature": ({"key": OTHER_KEY}, "signature does not verify"),
    "expired token": ({"expires_in": -3600}, "expired"),
    "wrong audience": ({"audience": "another-agent"}, "not for this agent"),
}


@pytest.mark.parametrize("case", list(REFUSED))
async def test_bad_credentials_are_refused_and_the_agent_does_not_run(
    secured: Secured, case: str
) -> None:
    options, reason = REFUSED[case]
    if case == "no credentials":
        client = secured.client()
    else:
        audience = options.pop("audience", secured.name)
        made = token("mallory", audience, **options)
        secured.secrets.append(made)
        client = secured.client(bearer=made)
    with pytest.raises(UnauthenticatedError, match=reason) as refused:
        await events(client, "hi")
    assert refused.value.data == {"schemes": "bearer,apiKey"}  # the challenge
    with pytest.raises(UnauthenticatedError):
        await client.get_task(GetTaskRequest(id="any"))  # every operation, not only sends
    assert secured.executor.runs == []
    assert secured.server.stats.unauthenticated == 2
    assert_no_secret([str(refused.value)], secured.secrets)


async def test_a_wrong_api_key_is_refused(secured: Secured) -> None:
    with pytest.raises(UnauthenticatedError, match="API key"):
        await events(secured.client(apiKey="not-" + API_KEY), "hi")
    assert secured.executor.runs == []


async def test_one_users_task_is_not_found_for_another(secured: Secured) -> None:
    alice = secured.client(bearer=secured.token("alice"))
    bob = secured.client(bearer=secured.token("bob"))
    asked = await events(alice, "ask")
    task_id = asked[0].task.id
    assert asked[-1].status_update.status.state == TaskState.TASK_STATE_INPUT_REQUIRED

    with pytest.raises(TaskNotFoundError):
        await bob.get_task(GetTaskRequest(id=task_id))
    with pytest.raises(TaskNotFoundError):
        await bob.cancel_task(CancelTaskRequest(id=task_id))
    with pytest.raises(TaskNotFoundError):
        async with asyncio.timeout(30):
            _ = [e async for e in bob.subscribe(SubscribeToTaskRequest(id=task_id))]
    assert [t.id for t in (await bob.list_tasks(ListTasksRequest())).tasks] == []

    assert (await alice.get_task(GetTaskRequest(id=task_id))).id == task_id  # hers, still
    assert [t.id for t in (await alice.list_tasks(ListTasksRequest())).tasks] == [task_id]
    cancelled = await alice.cancel_task(CancelTaskRequest(id=task_id))
    assert cancelled.status.state == TaskState.TASK_STATE_CANCELED


async def test_a_message_id_reused_by_another_user_runs_as_a_new_request(
    secured: Secured,
) -> None:
    alice = secured.client(bearer=secured.token("alice"))
    bob = secured.client(bearer=secured.token("bob"))
    message_id = str(uuid.uuid4())
    first = await events(alice, "hi", message_id)
    other = await events(bob, "hi", message_id)
    assert secured.executor.runs == ["alice", "bob"]
    assert other[0].task.id != first[0].task.id
    again = await events(alice, "hi", message_id)  # alice's own redelivery: deduplicated
    assert secured.executor.runs == ["alice", "bob"]
    assert again[0].task.id == first[0].task.id
    assert secured.server.stats.duplicates == 1


async def dead_letters_of(config: KafkaConfig, agent: str) -> Listing:
    """The agent's dead letters once there are any (read back from the topic: nothing notifies)."""
    async with asyncio.timeout(60):
        while True:
            listing = await read_dead_letters(config, agent)
            if listing.letters:
                return listing
            await asyncio.sleep(0.2)


CLI = [sys.executable, "-m", "a2a_kafka.cli.main"]


async def cli(config: KafkaConfig, *args: str) -> str:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": config.bootstrap_servers,
        "A2A_KAFKA_TOPIC_PREFIX": config.topic_prefix,
    }
    process = await asyncio.create_subprocess_exec(
        *CLI, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(120):
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode() + err.decode()


async def test_no_credential_in_dead_letters_audit_or_dlq_list(
    kafka_config: KafkaConfig, secured: Secured, watch: SecretWatch
) -> None:
    good = secured.token("alice")
    await events(secured.client(bearer=good), "hi")
    await events(secured.client(apiKey=API_KEY), "hi")
    with pytest.raises(UnauthenticatedError):
        await events(secured.client(bearer=secured.token("eve", key=OTHER_KEY)), "hi")
    # no reply address: dead-lettered at once, with the credentials it carried
    producer = AIOKafkaProducer(**kafka_config.client_options())
    await producer.start()
    try:
        headers = [
            ("Authorization", f"Bearer {good}".encode()),
            ("X-API-Key", API_KEY.encode()),
            (CORRELATION_ID, b"lost-1"),
        ]
        topic = AgentTopics.of(kafka_config, secured.name).requests
        await producer.send_and_wait(topic, b"{}", headers=headers)
    finally:
        await producer.stop()
    (letter,) = (await dead_letters_of(kafka_config, secured.name)).letters
    assert dict(letter.headers)["Authorization"] == b"[redacted]"
    assert dict(letter.headers)["X-API-Key"] == b"[redacted]"

    outputs = [
        await cli(kafka_config, "audit", secured.name, "--json"),
        await cli(kafka_config, "audit", secured.name),
        await cli(kafka_config, "dlq", "list", secured.name, "--json"),
        await cli(kafka_config, "dlq", "list", secured.name),
    ]
    assert outputs[0].count("\n") >= 4  # the audit did list the requests
    assert any("rejected request" in line for line in watch.lines)  # the logs were watched
    stored = [json.dumps([(n, v.decode()) for n, v in letter.headers]), str(letter.value)]
    assert_no_secret([*outputs, *stored, *watch.lines], secured.secrets)
