"""`SharedTaskState`: what the instances of one agent share, wired for a2a and Kafka.

- tasks: a2a's `VersionedDatabaseTaskStore` (compare-and-swap saves) on the
  shared database (`a2a_kafka.cluster.database`), without its event log
  (`KafkaStreamedTaskStore`);
- task events: a `KafkaTaskEventStream`, so ``SubscribeToTask`` and
  ``CancelTask`` work from any instance within milliseconds;
- remote cancels: `RemoteCancellation` stops a task's run on its instance;
- dedupe claims: a `DatabaseDedupeStore` in the same database;
- interrupted runs: `TaskInterrupter` marks the task of an instance that died
  FAILED; the executor reports when the agent really starts (`ReportsStart`),
  so a message whose agent never started runs on the next instance;
- the state's fingerprint, advertised in the consumer group
  (`a2a_kafka.server.state_check`).

Where the database is: `a2a_kafka.cluster.database.database_url` (by default a
SQLite file in the agent's state folder, which every process of the agent on
one machine shares; ``postgresql://...`` across machines).

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
from a2a.server.cluster import TaskVersion, VersionedDatabaseTaskStore
from a2a.server.context import ServerCallContext
from a2a.server.events import Event
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.request_handlers.request_handler import RequestHandler
from a2a.types.a2a_pb2 import AgentCard, Task
from sqlalchemy.ext.asyncio import AsyncEngine

from a2a_kafka.cluster.database import create_engine
from a2a_kafka.cluster.database import database_url as resolve_url
from a2a_kafka.cluster.dedupe_store import DatabaseDedupeStore, state_fingerprint
from a2a_kafka.cluster.event_stream import KafkaTaskEventStream
from a2a_kafka.cluster.interrupted import TaskInterrupter
from a2a_kafka.cluster.remote_cancel import RemoteCancellation
from a2a_kafka.cluster.subscriptions import SharedRequestHandler
from a2a_kafka.config import KafkaConfig
from a2a_kafka.server.handler import KafkaConsumerHandler
from a2a_kafka.server.started import ReportsStart

PARKED_TIMEOUT = 300.0
"""Seconds a task waiting for input stays in an instance's memory."""


class KafkaStreamedTaskStore(VersionedDatabaseTaskStore):
    """a2a's `VersionedDatabaseTaskStore` that does not also log each event in a table.

    That log (``task_events``) is the replay source of a2a's polling
    `DatabaseTaskEventStream`; here the events travel on Kafka
    (`KafkaTaskEventStream`), nothing reads the table, and its insert was one
    more statement in every save on the reply's path.
    """

    async def save(
        self,
        task: Task,
        *,
        event: Event | None = None,
        prev: Task | None = None,
        prev_version: TaskVersion,
        context: ServerCallContext,
    ) -> TaskVersion:
        del event
        return await super().save(task, prev=prev, prev_version=prev_version, context=context)


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
    url: str = ""
    """The database's URL (see `a2a_kafka.cluster.database`)."""
    fingerprint: str = ""
    """The database's fingerprint, shared by every instance that uses it."""
    rerun_interrupted: bool = False
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
        lease: float = 10.0,
        rerun_interrupted: bool = False,
    ) -> AsyncIterator[SharedTaskState]:
        """Connect to the database and the task-event topic; close both on exit.

        ``database_url``: see `a2a_kafka.cluster.database.database_url` (default:
        ``A2A_KAFKA_STATE_URL``, else the agent's SQLite file in the state folder).
        ``lease``: seconds after which the claims of a silent instance count as
        abandoned (see `a2a_kafka.server.dedupe`).
        ``rerun_interrupted``: the agent is idempotent; run again what an instance
        that died was running, instead of failing its task.
        """
        instance = instance_id or uuid.uuid4().hex
        url = resolve_url(database_url, config=config, agent=agent)
        engine = create_engine(url)
        task_store = KafkaStreamedTaskStore(engine)
        dedupe = DatabaseDedupeStore(engine, ttl=dedupe_ttl, lease=lease)
        events = KafkaTaskEventStream(config, agent, instance_id=instance)
        state = cls(
            config,
            agent,
            instance,
            engine,
            task_store,
            events,
            dedupe,
            url,
            rerun_interrupted=rerun_interrupted,
        )
        try:
            await task_store.initialize()
            await dedupe.start()
            state.fingerprint = await state_fingerprint(engine)
            await events.start()
            yield state
        finally:
            await state.aclose()

    def request_handler(
        self, executor: AgentExecutor, card: AgentCard, **options: Any
    ) -> DefaultRequestHandler:
        """a2a's `DefaultRequestHandler` over the shared store and stream
        (`SharedRequestHandler`: subscriptions through the stream).

        The executor is wrapped in `ReportsStart`. ``options`` go to
        `DefaultRequestHandler` (push config store, extended card, ...); a task
        waiting for input is released from this instance's memory after
        ``interrupted_task_timeout`` (`PARKED_TIMEOUT`) seconds, since its answer
        may run on any instance.
        """
        options.setdefault("interrupted_task_timeout", PARKED_TIMEOUT)
        handler = SharedRequestHandler(
            ReportsStart(executor), card, self.task_store, self.events, **options
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
            state_fingerprint=self.fingerprint,
            reports_start=True,
            rerun_interrupted=self.rerun_interrupted,
            interrupt_task=TaskInterrupter(self.task_store, self.events).fail,
            **options,
        )

    async def aclose(self) -> None:
        """Stop the event stream and dispose of the engine. Idempotent."""
        for cancellation in self._cancellations:
            await cancellation.aclose()
        await self.events.aclose()
        await self.engine.dispose()
