"""Fixtures of the reliability tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from auth_serving import POLICY
from serving import Served, serve

from a2a_kafka import KafkaConfig
from a2a_kafka.cluster.pytest_fixtures import database_url, postgres_url
from a2a_kafka.pytest_plugin import UniqueNames


@pytest.fixture
async def served(
    kafka_config: KafkaConfig, unique_names: UniqueNames, tmp_path: Path
) -> AsyncIterator[Served]:
    """The fault agent, served over Kafka with a SQLite dedupe store."""
    async with serve(kafka_config, unique_names.agent(), tmp_path) as running:
        yield running


@pytest.fixture
async def auth_served(
    kafka_config: KafkaConfig, unique_names: UniqueNames, tmp_path: Path
) -> AsyncIterator[Served]:
    """The fault agent, requiring credentials (`auth_serving.POLICY`)."""
    async with serve(kafka_config, unique_names.agent(), tmp_path, auth=POLICY) as running:
        yield running


__all__ = ["auth_served", "database_url", "postgres_url", "served"]
