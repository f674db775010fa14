"""`SharedTaskState`: what the instances of one agent share, wired for a2a and Kafka.

- tasks: a2a's `VersionedDatabaseTaskStore` (compare-and-swap saves) on the
  shared database (`a2a_kafka.cluster.database`);
- task events: a `KafkaTaskEventStream`, so ``SubscribeToTask`` and
  ``CancelTask`` work from any instance within milliseconds;
- remote cancels: `RemoteCancellation` stops a task's run on its instance;
- dedupe claims: a `DatabaseDedupeStore` in the same database.

Typical server::

    async with SharedTaskState.open(config, "planner") as state:
        handler = state.request_handler(MyExecutor(), card)
        async with state.consumer_handler(handler, agent_card=card) as server:
            await server.serve_forever()
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from a2a.server.agent_execution import AgentExecutor
from a2a.server.cluster import VersionedDatabaseTaskStore
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.request_handlers.request_handler import RequestHandler
from a2a.types.a2a_pb2 import AgentCard
from sqlalchemy.ext.asyncio import AsyncEngine

from a2a_kafka.cluster.database import create_engine
from a2a_kafka.cluster.dedupe_store import DatabaseDedupeStore
from a2a_kafka.cluster.event_stream import KafkaTaskEventStream
from a2a_kafka.cluster.remote_cancel import RemoteCancellation
from a2a_kafka.config import KafkaConfig
from a2a_kafka.server.handler import KafkaConsumerHandler


@dataclass
class SharedTaskState:
    """The shared task store, event stream and dedupe store of one agent instance."""

    config: KafkaConfig
    agent: str
    instance_id: str
    engine: AsyncEngine
    task_store: VersionedDatabaseTaskStore
    events: KafkaTaskEventStream
    dedupe: DatabaseDedupeStore
    _cancellations: list[RemoteCancellation] = field(default_factory=list)

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        config: KafkaConfig,
        agent: str,
        database_url: str | None = None,
        *,
        instance_id: str | None = None,
        dedupe_ttl: float = 24 * 3600.0,
        lease: float = 15.0,
    ) -> AsyncIterator[SharedTaskState]:
        """Connect to the database and the task-event topic; close both on exit.

        ``database_url``: see `a2a_kafka.cluster.database.database_url`.
        ``lease``: seconds after which the claims of a silent instance count as
        abandoned (see `a2a_kafka.server.dedupe`).
        """
        instance = instance_id or uuid.uuid4().hex
        engine = create_engine(database_url)
        task_store = VersionedDatabaseTaskStore(engine)
        dedupe = DatabaseDedupeStore(engine, ttl=dedupe_ttl, lease=lease)
        events = KafkaTaskEventStream(config, agent, instance_id=instance)
        state = cls(config, agent, instance, engine, task_store, events, dedupe)
        try:
            await task_store.initialize()
            await dedupe.start()
            await events.start()
            yield state
        finally:
            await state.aclose()

    def request_handler(
        self, executor: AgentExecutor, card: AgentCard, **options: Any
    ) -> DefaultRequestHandler:
        """a2a's `DefaultRequestHandler` over the shared store and stream.

        ``options`` go to `DefaultRequestHandler` (push config store, extended card, ...).
        """
        handler = DefaultRequestHandler(
            executor, self.task_store, card, event_stream=self.events, **options
        )
        self._cancellations.append(RemoteCancellation(handler, self.events))
        return handler

    def consumer_handler(
        self, request_handler: RequestHandler, **options: Any
    ) -> KafkaConsumerHandler:
        """A `KafkaConsumerHandler` for this agent using the shared dedupe store."""
        return KafkaConsumerHandler(
            self.agent,
            request_handler,
            self.config,
            dedupe=self.dedupe,
            instance_id=self.instance_id,
            **options,
        )

    async def aclose(self) -> None:
        """Stop the event stream and dispose of the engine. Idempotent."""
        for cancellation in self._cancellations:
            await cancellation.aclose()
        await self.events.aclose()
        await self.engine.dispose()
