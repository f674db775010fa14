"""The binding over SASL/SCRAM and TLS, and one clear error for wrong credentials.

Runs against the ``secured_kafka`` broker: a private Apache Kafka node with a
``SASL_PLAINTEXT`` (SCRAM) listener, an ``SSL`` listener whose certificate a
throwaway CA signed, and a ``SASL_SSL`` listener (SCRAM over TLS, as MSK's port
9096), with the SCRAM users alice, bob and mallory. It checks ACLs: alice serves
agents and bob calls them with exactly the ACLs of `a2a_kafka.acls`; mallory
has none.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator

import pytest
from a2a.helpers import get_artifact_text
from a2a.types.a2a_pb2 import (
    Message,
    Part,
    Role,
    SendMessageRequest,
    StreamResponse,
    TaskState,
)
from scripted_agent import agent_card, request_handler

from a2a_kafka import (
    AgentRegistry,
    BrokerAuthenticationError,
    BrokerError,
    KafkaClients,
    KafkaConfig,
    KafkaConsumerHandler,
    with_kafka_interface,
)
from a2a_kafka.acls import agent_acls, caller_acls
from a2a_kafka.pytest_plugin import UniqueNames
from a2a_kafka.testing import SecuredCluster

CLI = [sys.executable, "-m", "a2a_kafka.cli.main"]
WRONG = "not-the-password"
PROMPTLY = 10.0
"""Seconds within which a rejected login must be reported: no hang, no retry loop."""

LISTENERS = ["SASL_PLAINTEXT/SCRAM-SHA-512", "SASL_PLAINTEXT/SCRAM-SHA-256", "SSL", "SASL_SSL"]


def secured_config(cluster: SecuredCluster, listener: str, user: str) -> KafkaConfig:
    """``user`` (its own password) on ``listener``; SSL has no SASL user."""
    if listener == "SSL":
        return cluster.tls()
    if listener == "SASL_SSL":
        return cluster.scram(user, tls=True)
    return cluster.scram(user, mechanism="SCRAM-SHA-256" if "256" in listener else "SCRAM-SHA-512")


def request(text: str) -> SendMessageRequest:
    message = Message(role=Role.ROLE_USER, message_id=str(uuid.uuid4()), parts=[Part(text=text)])
    return SendMessageRequest(message=message)


async def collect(stream: AsyncIterator[StreamResponse]) -> list[StreamResponse]:
    return [event async for event in stream]


@pytest.mark.parametrize("listener", LISTENERS)
async def test_an_agent_is_served_and_called_over_a_secured_listener(
    secured_kafka: SecuredCluster, unique_names: UniqueNames, listener: str
) -> None:
    server = secured_config(secured_kafka, listener, "alice")
    caller = secured_config(secured_kafka, listener, "bob")
    name = unique_names.agent()
    card = agent_card(name)
    await secured_kafka.grant(
        [*agent_acls(server, name, "User:alice"), *caller_acls(caller, "User:bob", [name])]
    )
    async with (
        KafkaConsumerHandler(name, request_handler(card), server, agent_card=card),
        KafkaClients(caller) as clients,
    ):
        client = await clients.connect(name)  # the card, read from the registry
        events = await collect(client.send_message(request(f"echo {listener}")))
    artifacts = [e.artifact_update.artifact for e in events if e.HasField("artifact_update")]
    assert [get_artifact_text(a) for a in artifacts] == [f"echo: {listener}"]
    assert events[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED


@pytest.mark.parametrize("user", ["alice", "nobody"])
async def test_a_rejected_login_fails_the_callers_first_call_at_once(
    secured_kafka: SecuredCluster, unique_names: UniqueNames, user: str
) -> None:
    wrong = secured_kafka.scram(user, WRONG)
    name = unique_names.agent()
    card = with_kafka_interface(agent_card(name), secured_kafka.scram("alice"), name)
    expected = rf"authentication to Kafka at {wrong.bootstrap_servers} failed: .*'{user}'"
    async with asyncio.timeout(PROMPTLY), KafkaClients(wrong) as clients:
        with pytest.raises(BrokerAuthenticationError, match=expected):
            await AgentRegistry(wrong).cards()
        with pytest.raises(BrokerAuthenticationError, match=expected):
            await clients.connect(name)
        with pytest.raises(BrokerAuthenticationError, match=expected):  # KafkaTransport
            await collect(clients.create(card).send_message(request("echo hi")))


async def test_a_rejected_login_fails_the_servers_start_at_once(
    secured_kafka: SecuredCluster, unique_names: UniqueNames
) -> None:
    wrong = secured_kafka.scram("alice", WRONG, tls=True)
    name = unique_names.agent()
    card = agent_card(name)
    handler = KafkaConsumerHandler(name, request_handler(card), wrong, agent_card=card)
    async with asyncio.timeout(PROMPTLY):
        with pytest.raises(BrokerAuthenticationError, match="KAFKA_SASL_PASSWORD"):
            await handler.start()
        await handler.aclose()


async def test_a_principal_without_acls_is_denied_clearly(
    secured_kafka: SecuredCluster, unique_names: UniqueNames
) -> None:
    mallory = secured_kafka.scram("mallory")
    name = unique_names.agent()
    handler = KafkaConsumerHandler(name, request_handler(agent_card(name)), mallory)
    denied = rf"Kafka at {mallory.bootstrap_servers} denied a request: .*TopicAuthorization"
    async with asyncio.timeout(PROMPTLY):
        with pytest.raises(BrokerError, match=denied):
            await handler.start()
        await handler.aclose()
        with pytest.raises(BrokerError, match=rf"{denied}.*'a2a.agent-cards'.*ACLs"):
            await AgentRegistry(mallory).cards()


async def test_an_untrusted_broker_certificate_is_a_clear_error(
    secured_kafka: SecuredCluster,
) -> None:
    untrusting = secured_kafka.tls(trust_broker_ca=False)
    async with asyncio.timeout(PROMPTLY):
        with pytest.raises(BrokerAuthenticationError, match=r"not trusted.*KAFKA_SSL_CAFILE"):
            await AgentRegistry(untrusting).cards()


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "A2A_KAFKA_"))}


def cli_env(cluster: SecuredCluster, password: str) -> dict[str, str]:
    """The environment of a CLI that logs in as alice over SASL_SSL, as on MSK."""
    return {
        **clean_env(),
        "KAFKA_BOOTSTRAP_SERVERS": cluster.scram("alice", tls=True).bootstrap_servers,
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SASL_USERNAME": "alice",
        "KAFKA_SASL_PASSWORD": password,
        "KAFKA_SSL_CAFILE": cluster.ca_file,
    }


async def run_cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *CLI, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_cli_grants_acls_then_logs_in_from_environment_variables(
    secured_kafka: SecuredCluster,
) -> None:
    admin = {**clean_env(), "KAFKA_BOOTSTRAP_SERVERS": secured_kafka.plaintext.bootstrap_servers}
    code, out, _ = await run_cli(admin, "acls", "caller", "--principal", "User:alice", "--apply")
    assert (code, out) == (0, f"created 7 ACL(s) on {admin['KAFKA_BOOTSTRAP_SERVERS']}\n")
    code, _, err = await run_cli(cli_env(secured_kafka, "alice-secret"), "agents")
    assert (code, err) == (0, "")


async def test_the_cli_reports_a_wrong_password_in_one_line(
    secured_kafka: SecuredCluster,
) -> None:
    env = cli_env(secured_kafka, WRONG)
    code, out, err = await run_cli(env, "agents")
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(
        f"error: authentication to Kafka at {env['KAFKA_BOOTSTRAP_SERVERS']} failed: "
        "SASL SCRAM-SHA-512 user 'alice' was rejected"
    )
    assert WRONG not in err
