"""Running the game-balance agents over a transport, and talking to them like a client would.

`SYSTEMS` maps a transport name (HTTP, Kafka) to an async context manager that serves the three
agents over that transport (reading the given `GameData`) and yields a `Connector` to reach them.
`send` talks to an agent through a2a's real `Client` and records every stream event with its
arrival time.

`GatedGameData` lets tests hold the agents' scans after their first chunk (`gate`), to prove
that thinking reaches the client while the work is still running.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from a2a.helpers import new_text_part
from a2a.types import Message, Role, SendMessageRequest, StreamResponse, TaskState
from google.protobuf.json_format import MessageToDict

from a2a_kafka import KafkaClients, KafkaConfig
from game_balance.agents.delegation import Reply
from game_balance.connectors import Connector
from game_balance.data import GameData
from game_balance.data.queries import (
    Dimension,
    FeedbackFilter,
    MatchFilter,
    ProgressCallback,
    ScanProgress,
)
from game_balance.data.stats import FeedbackTally, MatchTally
from game_balance.serve_http import http_connector, run_http_agents
from game_balance.serve_kafka import kafka_connector, run_kafka_agents

CALL_TIMEOUT_S = 30.0


class GatedGameData(GameData):
    """`GameData` whose scans wait at `gate` after their first chunk (the gate starts open)."""

    def __init__(self, path: Path, *, chunk_rows: int) -> None:
        super().__init__(path, chunk_rows=chunk_rows)
        self.gate = asyncio.Event()
        self.gate.set()

    def _gated(self, on_progress: ProgressCallback) -> ProgressCallback:
        async def report(progress: ScanProgress) -> None:
            await on_progress(progress)
            if progress.chunk == 1:
                await self.gate.wait()

        return report

    async def tally_matches(
        self,
        selection: MatchFilter | None = None,
        group_by: Dimension | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> MatchTally:
        return await super().tally_matches(selection, group_by, self._gated(_or_none(on_progress)))

    async def tally_feedback(
        self,
        selection: FeedbackFilter | None = None,
        top: int = 5,
        on_progress: ProgressCallback | None = None,
    ) -> FeedbackTally:
        return await super().tally_feedback(selection, top, self._gated(_or_none(on_progress)))


def _or_none(callback: ProgressCallback | None) -> ProgressCallback:
    async def ignore(progress: ScanProgress) -> None:
        return None

    return callback or ignore


@asynccontextmanager
async def _http_system(data: GameData) -> AsyncIterator[Connector]:
    async with run_http_agents(data) as urls:
        yield http_connector(urls)


@asynccontextmanager
async def _kafka_system(data: GameData, config: KafkaConfig) -> AsyncIterator[Connector]:
    config = config.with_(topic_prefix=f"t{uuid.uuid4().hex[:8]}.")  # this run's own topics
    async with run_kafka_agents(config, data), KafkaClients(config) as clients:
        yield kafka_connector(clients)


SYSTEMS: dict[str, Callable[[GameData, KafkaConfig], AbstractAsyncContextManager[Connector]]] = {
    "http": lambda data, _: _http_system(data),
    "kafka": _kafka_system,
}
"""Transport name → serves the three agents over it, yields a `Connector` to them."""


@dataclass
class AgentSystem:
    """The three agents running over one transport, and the data they read."""

    transport: str
    connector: Connector
    data: GatedGameData

    def sql(self) -> closing[sqlite3.Connection]:
        """A plain connection to the agents' data set, for independent expectations."""
        return closing(sqlite3.connect(self.data.path))


@dataclass
class Arrival:
    """One stream event and when the client received it."""

    at: float
    response: StreamResponse

    @property
    def thinking(self) -> dict[str, Any] | None:
        """The metadata of a thinking update (WORKING status with a message), else None."""
        update = self.response.status_update
        if not self.response.HasField("status_update") or not update.status.HasField("message"):
            return None
        if update.status.state != TaskState.TASK_STATE_WORKING:
            return None
        return MessageToDict(update.status.message.metadata)


@dataclass
class Exchange(Reply):
    """Everything one message to an agent produced, with arrival times."""

    sent_at: float = 0.0
    arrivals: list[Arrival] = field(default_factory=list)

    @property
    def thinking(self) -> list[Arrival]:
        """The thinking updates, in arrival order."""
        return [a for a in self.arrivals if a.thinking is not None]

    @property
    def answered_at(self) -> float:
        """When the first answer artifact arrived."""
        return next(a.at for a in self.arrivals if a.response.HasField("artifact_update"))

    def record(self, arrival: Arrival) -> None:
        """Record one event."""
        self.arrivals.append(arrival)
        self.absorb(arrival.response)


async def send(
    system: AgentSystem,
    agent: str,
    text: str,
    follow_up: Exchange | None = None,
    on_arrival: Callable[[Exchange, Arrival], Awaitable[None]] | None = None,
) -> Exchange:
    """Send `text` to `agent` (continuing `follow_up`'s task if given) and collect the stream."""
    message = Message(
        role=Role.ROLE_USER,
        message_id=str(uuid.uuid4()),
        parts=[new_text_part(text)],
        task_id=follow_up.task_id if follow_up else "",
        context_id=follow_up.context_id if follow_up else "",
    )
    exchange = Exchange(agent, sent_at=time.perf_counter())
    async with asyncio.timeout(CALL_TIMEOUT_S), system.connector(agent) as client:
        async for response in client.send_message(SendMessageRequest(message=message)):
            arrival = Arrival(time.perf_counter(), response)
            exchange.record(arrival)
            if on_arrival is not None:
                await on_arrival(exchange, arrival)
    return exchange
