"""Serving an agent over Kafka with a counting executor, for the reliability tests."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.tasks import InMemoryTaskStore
from a2a.types.a2a_pb2 import Message, Part, Role, SendMessageRequest

sys.path.insert(0, str(Path(__file__).parent.parent / "faults"))

from fault_agent import FaultAgent, fault_card

from a2a_kafka import (
    KafkaConfig,
    KafkaConsumerHandler,
    KafkaTransport,
    with_kafka_interface,
)
from a2a_kafka.cluster.database import create_engine
from a2a_kafka.cluster.dedupe_store import DatabaseDedupeStore
from a2a_kafka.server.retry import RetryPolicy


def message(text: str, message_id: str | None = None) -> SendMessageRequest:
    """A user message; a fresh message id unless one is given."""
    return SendMessageRequest(
        message=Message(
            role=Role.ROLE_USER, message_id=message_id or str(uuid.uuid4()), parts=[Part(text=text)]
        )
    )


@dataclass
class Served:
    """A running agent: its name, executor, server, and a way to make transports."""

    name: str
    agent: FaultAgent
    server: KafkaConsumerHandler
    dedupe: DatabaseDedupeStore
    transport: Callable[..., KafkaTransport]
    """``transport(caller_id=None)``: a new caller (its own caller id unless given)."""


class serve:  # noqa: N801 - used like a function
    """``async with serve(config, name, folder, **handler_options) as served``."""

    def __init__(self, config: KafkaConfig, name: str, folder: Path, **options: Any) -> None:
        self.config, self.name, self.options = config, name, options
        self.engine = create_engine(f"sqlite+aiosqlite:///{folder / f'{name}.db'}")
        self.transports: list[KafkaTransport] = []

    async def __aenter__(self) -> Served:
        agent = FaultAgent()
        card = with_kafka_interface(fault_card(self.name), self.config, self.name)
        handler = DefaultRequestHandler(agent, InMemoryTaskStore(), card)
        self.dedupe = DatabaseDedupeStore(self.engine, lease=self.options.pop("lease", 15.0))
        options = {"retry": RetryPolicy(attempts=3, initial_backoff=0.05), **self.options}
        self.server = KafkaConsumerHandler(
            self.name, handler, self.config, dedupe=self.dedupe, **options
        )
        await self.server.start()

        def transport(caller_id: str | None = None) -> KafkaTransport:
            config = self.config.with_(caller_id=caller_id)
            made = KafkaTransport.create(config, self.name, card)
            self.transports.append(made)
            return made

        return Served(self.name, agent, self.server, self.dedupe, transport)

    async def __aexit__(self, *exc: object) -> None:
        for transport in self.transports:
            await transport.close()
        await self.server.aclose()
        await self.engine.dispose()
