"""One chat turn with an agent over Kafka, as page events, with every failure made explicit.

`ChatService.turn` sends the user's text (continuing a task and context when given), maps
each stream event with `EventMapper`, and always ends with a ``done`` event (which a turn
that did not fail follows with its ``trace``, when the process records spans). Failures become
one ``error`` event before it, never an exception and never a silent stall:

| ``kind`` | cause |
| --- | --- |
| ``agent-not-found`` | no card registered under that name (`AgentNotFoundError`) |
| ``timeout`` | no next event within `ChatSettings.idle_timeout` (`KafkaTimeoutError`), or the whole turn exceeded `ChatSettings.turn_timeout`; the message names the agents whose requests are still unanswered on the wire |
| ``broker-down`` | Kafka cannot be reached (`BrokerError`, or a timeout while the broker does not answer) |
| ``transport`` | a request could not be produced (`KafkaTransportError`) |
| ``agent-error`` | the agent replied with an A2A error |

After a timeout the service asks the agent to cancel the task (best effort), so that a stalled
task does not run on unseen.
"""  # noqa: E501

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from a2a.client import ClientCallContext
from a2a.client.errors import A2AClientTimeoutError
from a2a.helpers import new_text_part
from a2a.types import CancelTaskRequest, Message, Role, SendMessageRequest
from a2a.utils.errors import A2AError

from a2a_kafka import (
    AgentNotFoundError,
    BrokerError,
    KafkaConfig,
    KafkaTransportError,
)
from a2a_kafka.broker import probe
from a2a_kafka.telemetry import waterfall
from game_balance.connectors import Connector
from game_balance.gui.events import Event, EventMapper
from game_balance.gui.wire import Row

logger = logging.getLogger(__name__)

CANCEL_TIMEOUT_S = 3.0
TRACE_SETTLE_S = 5.0
"""Longest wait after a turn for its agents' spans to end (they end as their last reply is
acknowledged, a moment after the caller has it)."""

Unanswered = Callable[[float, float], list[Row]]
"""``(older_than, since)`` → requests seen on the wire since ``since`` (`time.monotonic`) and
at least ``older_than`` seconds ago, with no reply yet (`WireObserver.unanswered`)."""


@dataclass(frozen=True)
class ChatSettings:
    """Deadlines of the page's requests."""

    idle_timeout: float = 30.0
    """Seconds to wait for each next event of a turn (the request's `ClientCallContext`
    timeout); an agent that stops answering shows as an error after this long."""

    turn_timeout: float = 600.0
    """Seconds a whole turn may take, however lively its stream."""


class ChatService:
    """Talks to agents through ``connector`` for the page.

    Args:
        connector: opens a client to an agent by name (`game_balance.serve_kafka.kafka_connector`).
        config: the cluster (to tell a broker that is down from an agent that is silent).
        settings: the deadlines.
        unanswered: the wire observer's view of requests still waiting for a reply.
        recent: spans of this process (`a2a_kafka.telemetry.waterfall.install`); with it,
            each turn ends with a ``trace`` event: the waterfall of its calls.
    """

    def __init__(
        self,
        connector: Connector,
        config: KafkaConfig,
        settings: ChatSettings | None = None,
        unanswered: Unanswered | None = None,
        recent: waterfall.RecentSpans | None = None,
    ) -> None:
        self.recent = recent
        self.connector = connector
        self.config = config
        self.settings = settings or ChatSettings()
        self.unanswered = unanswered

    async def turn(
        self, agent: str, text: str, task_id: str = "", context_id: str = ""
    ) -> AsyncIterator[Event]:
        """Send ``text`` to ``agent`` and yield the page events of its reply (see module doc).

        The exchange runs in its own task (deadlines never straddle a ``yield``); closing this
        iterator early (the page went away) cancels it.
        """
        message = Message(
            role=Role.ROLE_USER,
            message_id=str(uuid.uuid4()),
            parts=[new_text_part(text)],
            task_id=task_id,
            context_id=context_id,
        )
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        worker = asyncio.create_task(self._turn(agent, message, queue.put_nowait))
        try:
            while (event := await queue.get()) is not None:
                yield event
        finally:
            if not worker.done():
                worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    async def _turn(
        self, agent: str, message: Message, emit: Callable[[Event | None], None]
    ) -> None:
        mapper = EventMapper()
        failed = False
        with waterfall.root(f"chat {agent}") as root:
            try:
                async with asyncio.timeout(self.settings.turn_timeout):
                    await self._exchange(agent, message, mapper, emit)
            except Exception as exc:  # every failure becomes one visible error event
                failed = True
                emit(await self._error(agent, exc, mapper))
                if isinstance(exc, TimeoutError | A2AClientTimeoutError) and mapper.task_id:
                    await self._cancel(agent, mapper.task_id)
        emit(
            {
                "type": "done",
                "state": "failed" if failed else mapper.state,
                "task_id": mapper.task_id,
                "context_id": mapper.context_id or message.context_id,
                "elapsed": mapper.elapsed(),
            }
        )
        if root is not None and self.recent is not None and not failed:
            emit(await self._trace(root, mapper))  # after done: the page is free already
        emit(None)

    async def _exchange(
        self, agent: str, message: Message, mapper: EventMapper, emit: Callable[[Event], None]
    ) -> None:
        idle = self.settings.idle_timeout
        async with contextlib.AsyncExitStack() as stack:
            opening = stack.enter_async_context(self.connector(agent))
            client = await asyncio.wait_for(opening, idle)  # the card lookup
            async for response in client.send_message(
                SendMessageRequest(message=message), context=ClientCallContext(timeout=idle)
            ):
                for event in mapper(response):
                    emit(event)

    async def _trace(self, root: Any, mapper: EventMapper) -> Event:
        """The ``trace`` event: the turn's calls as waterfall rows (see `waterfall.rows`)."""
        assert self.recent is not None
        context = root.get_span_context()
        await self.recent.settled(context.trace_id, TRACE_SETTLE_S)
        rows = waterfall.rows(self.recent.spans(context.trace_id), context.span_id)
        trace_id = f"{context.trace_id:032x}"
        return {"type": "trace", "trace_id": trace_id, "rows": rows, "elapsed": mapper.elapsed()}

    async def _cancel(self, agent: str, task_id: str) -> None:
        """Ask ``agent`` to cancel ``task_id``; best effort, bounded by `CANCEL_TIMEOUT_S`."""
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CANCEL_TIMEOUT_S), self.connector(agent) as client:
                await client.cancel_task(CancelTaskRequest(id=task_id))

    async def _error(self, agent: str, exc: Exception, mapper: EventMapper) -> Event:
        elapsed = mapper.elapsed()
        if isinstance(exc, AgentNotFoundError):
            return _error("agent-not-found", str(exc), elapsed)
        if isinstance(exc, BrokerError):
            return _error("broker-down", str(exc), elapsed)
        if isinstance(exc, TimeoutError | A2AClientTimeoutError):  # KafkaTimeoutError is one
            return await self._timeout(agent, mapper)
        if isinstance(exc, KafkaTransportError):
            return _error("transport", str(exc), elapsed)
        if isinstance(exc, A2AError):
            return _error(
                "agent-error", f"the {agent} agent answered with an error: {exc}", elapsed
            )
        logger.exception("chat turn with %s failed", agent)
        return _error("error", f"{type(exc).__name__}: {exc}", elapsed)

    async def _timeout(self, agent: str, mapper: EventMapper) -> Event:
        elapsed = mapper.elapsed()
        if await broker_answers(self.config) is False:
            return _error(
                "broker-down",
                f"Kafka at {self.config.bootstrap_servers} does not answer (waited "
                f"{elapsed:.1f} s for the {agent} agent)",
                elapsed,
            )
        message = f"No reply from the {agent} agent within {self.settings.idle_timeout:g} s."
        stalled = []
        if self.unanswered is not None:
            stalled = self.unanswered(self.settings.idle_timeout / 2, mapper.started)
        waiting = sorted({row["agent"] for row in stalled if row.get("agent")})
        if waiting:
            message += " Still waiting for: " + "; ".join(
                _waiting(row) for row in stalled if row.get("agent")
            )
            message += f". Is the {', '.join(waiting)} agent running?"
        else:
            message += f" Is the {agent} agent running?"
        return _error("timeout", message, elapsed, waiting=waiting)


def _waiting(row: Row) -> str:
    return (
        f"{row['agent']} ({row['method'] or 'request'} on {row['topic']}, "
        f"no reply for {row['waiting_s']:.1f} s)"
    )


def _error(kind: str, message: str, elapsed: float, **extra: object) -> Event:
    return {"type": "error", "kind": kind, "message": message, "elapsed": elapsed, **extra}


async def broker_answers(config: KafkaConfig) -> bool | None:
    """Whether the first bootstrap broker answers (None: cannot tell without TLS/SASL)."""
    if config.security.protocol != "PLAINTEXT":
        return None
    host, _, port = config.bootstrap_servers.split(",")[0].strip().rpartition(":")
    if not port.isdigit():
        return None
    return await probe.answers(host.strip("[]") or "127.0.0.1", int(port), within=2.0)
