"""pytest fixtures for a2a-kafka: a real Kafka cluster and fresh names per test.

Installed with ``pip install 'a2a-kafka[pytest]'``, it is enabled in every pytest run
through the ``pytest11`` entry point (no ``pytest_plugins`` line is needed; pass ``-p
no:a2a_kafka`` to disable it). Without pytest-asyncio, the Kafka fixtures fail with what to
install, and the rest of the test run is unaffected.

- ``kafka_config`` (session): a `KafkaConfig` for a running cluster, from
  `a2a_kafka.testing.kafka_cluster_info`: ``KAFKA_BOOTSTRAP_SERVERS``, the running
  local broker, or a private broker started for the session and stopped after it.
  When no cluster can be had, tests using it *fail* under ``CI=true`` and are
  skipped elsewhere, with the one-line reason.
- ``secured_kafka`` (session): a `SecuredCluster`, a private broker with
  SASL/SCRAM and TLS listeners (`a2a_kafka.testing.secured_kafka_cluster`),
  checking ACLs, with the users of `SECURED_USERS`, started on first use
  (a few seconds). Fails
  under ``CI=true``, else skips, when it cannot start (no Java).
- ``unique_names``: `UniqueNames`, fresh topic / group / agent names per test.

Tests that use ``kafka_config`` or ``secured_kafka`` get the ``kafka`` marker (``-m "not kafka"``
runs the rest). The header and the summary say which broker and version ran.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any, NoReturn

import pytest

from a2a_kafka.broker import KAFKA_VERSION
from a2a_kafka.config import KafkaConfig
from a2a_kafka.errors import A2AKafkaError
from a2a_kafka.testing import (
    ClusterInfo,
    SecuredCluster,
    kafka_cluster_info,
    secured_kafka_cluster,
)

_INFO = pytest.StashKey[ClusterInfo]()
_KAFKA_FIXTURES = ("kafka_config", "secured_kafka")

SECURED_USERS = {"alice": "alice-secret", "bob": "bob-secret", "mallory": "mallory-secret"}
"""SCRAM users of the ``secured_kafka`` broker: name → password. It checks ACLs: they may
do only what a test grants them (`SecuredCluster.grant`)."""


class UniqueNames:
    """Makes names no other test (or earlier run) uses: ``<kind>-<test>-<label>-<random>``."""

    def __init__(self, test_name: str) -> None:
        self._test = re.sub(r"[^A-Za-z0-9]+", "-", test_name).strip("-")[:40] or "test"

    def _make(self, kind: str, label: str) -> str:
        parts = [kind, self._test, label, uuid.uuid4().hex[:8]]
        return "-".join(p for p in parts if p)

    def topic(self, label: str = "") -> str:
        """A topic name (valid Kafka topic characters only)."""
        return self._make("t", label)

    def group(self, label: str = "") -> str:
        """A consumer group id."""
        return self._make("g", label)

    def agent(self, label: str = "") -> str:
        """An agent name, valid for `a2a_kafka.topics.check_agent_name`."""
        return self._make("a", label)


def pytest_report_header(config: pytest.Config) -> str:
    servers = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if servers:
        return f"kafka: existing cluster at {servers} (KAFKA_BOOTSTRAP_SERVERS)"
    return (
        f"kafka: local Apache Kafka {KAFKA_VERSION} broker (KRaft), "
        "the running one or one started for this session on first use"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(name in _KAFKA_FIXTURES for name in getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.kafka)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    info = terminalreporter.config.stash.get(_INFO, None)
    if info is not None:
        terminalreporter.write_line(f"kafka: used {info.describe()}")


def _async_fixture(function: Any) -> Any:
    """A session fixture on the session's event loop, or one saying what is missing."""
    try:
        import pytest_asyncio
    except ImportError:  # the plugin loads in any pytest run; only these fixtures need it
        pass
    else:
        return pytest_asyncio.fixture(scope="session", loop_scope="session")(function)

    @pytest.fixture(scope="session", name=function.__name__)
    def missing() -> NoReturn:
        pytest.fail(
            f"the {function.__name__} fixture needs pytest-asyncio: "
            "pip install 'a2a-kafka[pytest]'",
            pytrace=False,
        )

    return missing


@_async_fixture
async def kafka_config(pytestconfig: pytest.Config) -> AsyncIterator[KafkaConfig]:
    """A `KafkaConfig` for a running Kafka cluster, shared by the session."""
    async with contextlib.AsyncExitStack() as stack:
        failure = None
        try:
            info = await stack.enter_async_context(kafka_cluster_info())
        except A2AKafkaError as exc:
            failure = f"no Kafka cluster for the tests: {exc}"
        if failure is not None:  # outside `except`: one message, no exception chain
            unavailable(failure)
        pytestconfig.stash[_INFO] = info
        _announce(pytestconfig, f"kafka: {info.describe()}")
        yield info.config


@_async_fixture
async def secured_kafka() -> AsyncIterator[SecuredCluster]:
    """A private broker with SASL/SCRAM and TLS listeners, shared by the session."""
    async with contextlib.AsyncExitStack() as stack:
        failure = None
        try:
            secured = secured_kafka_cluster(SECURED_USERS, authorize=True)
            cluster = await stack.enter_async_context(secured)
        except A2AKafkaError as exc:
            failure = f"no secured Kafka broker for the tests: {exc}"
        if failure is not None:  # outside `except`: one message, no exception chain
            unavailable(failure)
        yield cluster


@pytest.fixture
def unique_names(request: pytest.FixtureRequest) -> UniqueNames:
    """Fresh topic, group and agent names for this test."""
    return UniqueNames(request.node.name)


def unavailable(reason: str) -> NoReturn:
    """Something a test needs (Kafka, Java, Maven) is missing: fail under CI, else skip."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _announce(config: pytest.Config, line: str) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        return
    with capture.global_and_fixture_disabled():
        reporter.ensure_newline()
        reporter.write_line(line)
