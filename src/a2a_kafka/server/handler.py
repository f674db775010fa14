"""`KafkaConsumerHandler`: serves an agent's request topic with a2a's `RequestHandler`.

Contract:

- **Group.** Every instance of an agent joins the consumer group
  ``a2a.agent.<name>`` (configurable); each request is handled by one instance.
- **Concurrency.** Up to ``max_in_flight`` requests run at once, each in its own
  task, so a long stream never blocks other requests. When full, fetching is
  paused (memory stays bounded) and resumed as requests finish.
- **Commits.** Offsets are committed only up to the oldest unfinished request of
  each partition, after the replies were acknowledged by the broker, at most
  every `COMMIT_INTERVAL`: a crash redelivers every unfinished request (and
  those finished in the last interval, answered from the dedupe store).
- **Redelivery.** A redelivered SendMessage is never run twice: messages are
  claimed in a `DedupeStore` (`a2a_kafka.server.dedupe`) and duplicates get the
  recorded answer.
- **Replies.** To the reply topic and partition named in the request's headers.
- **Bad input and failures.** A malformed request gets a JSON-RPC error reply when
  it has a reply address; one without goes to the dead-letter topic, and so does
  a request whose replies still cannot be produced after the `RetryPolicy`
  (`a2a_kafka.server.requests`). The consumer carries on.
- **Deadlines.** Requests whose caller's deadline has passed are skipped.
- **Observability.** `stats` counts every outcome (`HandlerStats`); changes are
  logged every ``stats_interval`` seconds.
- **Shared state.** The group consumer's client id advertises the fingerprint of
  the instance's state (`a2a_kafka.server.state_check`); a group whose members
  do not share one is logged loudly, and a task operation answered "not found"
  then says why instead.
- **Failover.** A killed instance leaves the group after ``session_timeout_ms``
  (`GROUP_DEFAULTS`, 6 s, the broker's minimum); its claims count as abandoned
  once their lease (10 s) ran out, and are decided by the next instance that
  sees them (`RequestProcessor.sweep`, each heartbeat).
- **Supervision.** The consume loop survives any failure of a poll: it is logged at
  once, counted (``loop_failures``) and retried with backoff; after `LOOP_RETRIES`
  in a row, or when no poll happened for `GIVE_UP_STUCK` seconds, the handler has
  *failed*: `failed` says why, `serve_forever` raises and ``a2a-kafka serve`` exits
  non-zero. `health` tells a serving loop from a stuck or failed one; it is reported
  every housekeeping tick on ``agent.<name>.health`` for ``a2a-kafka status``
  (`a2a_kafka.server.liveness`).
- **Shutdown.** `aclose()` stops fetching, lets in-flight requests finish
  (bounded by ``drain_timeout``), commits, then leaves the group.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from a2a.server.request_handlers.request_handler import RequestHandler
from a2a.types.a2a_pb2 import AgentCard
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, KafkaError

from a2a_kafka.auth.policy import AuthPolicy
from a2a_kafka.closing import close_producer, close_quietly
from a2a_kafka.config import KafkaConfig
from a2a_kafka.errors import A2AKafkaError, BrokerError, ConfigurationError
from a2a_kafka.registry import publish_card, with_kafka_interface
from a2a_kafka.server import liveness, router
from a2a_kafka.server.dead_letters import SECRET_HEADERS
from a2a_kafka.server.dedupe import DedupeStore, MemoryDedupeStore
from a2a_kafka.server.housekeeping import keep_house
from a2a_kafka.server.offsets import OffsetTracker
from a2a_kafka.server.replies import ReplySender
from a2a_kafka.server.requests import InterruptTask, RequestProcessor, Settings
from a2a_kafka.server.retry import RetryPolicy
from a2a_kafka.server.state_check import StateCheck, client_id_with
from a2a_kafka.server.stats import HandlerStats
from a2a_kafka.telemetry.hooks import processing
from a2a_kafka.topics import AgentTopics, ensure_topics

logger = logging.getLogger(__name__)

ASSIGN_TIMEOUT = 60.0
"""Seconds `start()` waits for the consumer group to assign this instance its partitions."""
COMMIT_INTERVAL = 0.1
"""Seconds between offset commits while running; revocation and close commit at once."""

LOOP_RETRIES = 8
"""Consecutive failures of the consume loop (each logged at once, retried after a growing
pause of up to `LOOP_BACKOFF_MAX` s) after which the handler gives up: `failed` is set
and `serve_forever` raises."""
LOOP_BACKOFF_MAX = 5.0

STUCK_AFTER = 60.0
"""Seconds without a poll after which `health` says ``stuck`` (logged each housekeeping tick).
A serving loop polls at least every 0.5 s (``getmany`` waits 200 ms; a full handler waits
0.5 s for a free slot), so 60 s (10 session timeouts) is never a slow but live loop."""
LOOP_STOP_TIMEOUT = 10.0
"""Seconds `aclose()` waits for the consume loop to end its poll before cancelling it."""
REPORT_TIMEOUT = 5.0
"""Longest wait for producing one health report (`a2a_kafka.server.liveness`)."""
GIVE_UP_STUCK = 300.0
"""Seconds without a poll after which the handler gives up as if the loop had failed."""

COMMIT_TIMEOUT = 10.0
"""Longest wait for one commit: aiokafka retries it until a coordinator answers, which
is for ever while the broker is down. What was not committed is committed next time,
or redelivered to the partition's next owner."""

GROUP_DEFAULTS = {
    "session_timeout_ms": 6000,
    "heartbeat_interval_ms": 1000,
    "retry_backoff_ms": 100,
    "metadata_max_age_ms": 30000,
}
"""Group consumer settings chosen from the failover figures (docs/reliability.md): a
killed instance leaves the group after 6 s (aiokafka's default is 10 s; the broker
accepts 6 s at least by default); ``consumer_options`` override them."""


class KafkaConsumerHandler:
    """Consumes ``agent.<name>.requests`` and answers through ``request_handler``.

    Args:
        agent: the agent's name.
        request_handler: a2a's handler, e.g. ``DefaultRequestHandler(executor, task_store)``.
        config: the cluster and client settings.
        agent_card: published to the card registry on start, with a Kafka interface added.
        group_id: the consumer group; ``a2a.agent.<name>`` by default.
        max_in_flight: bound on concurrently running requests of this instance.
        max_request_bytes: larger request records are rejected with an error reply.
        drain_timeout: seconds `aclose()` waits for in-flight requests.
        context_builder: builds each request's ``ServerCallContext`` (authentication hook).
        auth: the callers this agent accepts (`a2a_kafka.auth.AuthPolicy`): the card
            declares its schemes, each request is verified (the context builder
            becomes the policy's), its credential headers are redacted in dead letters.
            None: every caller is anonymous.
        card_signer: signs the card as published (`a2a_kafka.auth.cards.card_signer`).
        dedupe: where SendMessage claims live; a `DatabaseDedupeStore` on the task
            store's database for several instances. Default: this process's memory.
        retry: retries of producing replies and of dedupe-store calls before a
            request is dead-lettered.
        duplicate_wait: longest wait, in seconds, for another instance's run of a
            redelivered message (then the caller gets the task as it is).
        stats_interval: seconds between log lines with the changed `stats`; None: never.
        instance_id: this instance's name in dedupe claims; random by default.
        state_fingerprint: the fingerprint of the task state this instance uses
            (`a2a_kafka.server.state_check`); by default the dedupe database's, or
            ``memory-<instance>`` for a `MemoryDedupeStore`.
        reports_start: the executor reports its start (`a2a_kafka.server.started`).
        rerun_interrupted: run again a message whose instance died mid-run (for
            idempotent agents); default: never twice, its task is marked FAILED.
        interrupt_task: marks the task of a cut-off run FAILED
            (`a2a_kafka.cluster.interrupted.TaskInterrupter.fail`).
    """

    def __init__(
        self,
        agent: str,
        request_handler: RequestHandler,
        config: KafkaConfig,
        *,
        agent_card: AgentCard | None = None,
        group_id: str | None = None,
        max_in_flight: int = 64,
        max_request_bytes: int = 8 * 1024 * 1024,
        drain_timeout: float = 30.0,
        context_builder: router.ContextBuilder = router.default_context,
        dedupe: DedupeStore | None = None,
        retry: RetryPolicy | None = None,
        duplicate_wait: float = 30.0,
        stats_interval: float | None = 60.0,
        instance_id: str | None = None,
        auth: AuthPolicy | None = None,
        card_signer: Callable[[AgentCard], AgentCard] | None = None,
        state_fingerprint: str | None = None,
        reports_start: bool = False,
        rerun_interrupted: bool = False,
        interrupt_task: InterruptTask | None = None,
    ) -> None:
        if auth is not None:
            if context_builder is not router.default_context:
                raise ConfigurationError("pass either auth or a context_builder, not both")
            agent_card = auth.secure_card(agent_card) if agent_card is not None else None
            context_builder = auth.context_builder()
        self.agent = agent
        self.topics = AgentTopics.of(config, agent)
        self.config = config
        self.group_id = group_id or config.topic(f"a2a.agent.{agent}")
        self.instance_id = instance_id or uuid.uuid4().hex
        self._last_commit = 0.0
        self.dedupe: DedupeStore = dedupe if dedupe is not None else MemoryDedupeStore()
        self._handler = request_handler
        self._card = agent_card
        self._card_signer = card_signer
        self._max_in_flight = max_in_flight
        self._drain_timeout = drain_timeout
        self._stats_interval = stats_interval
        self._settings = Settings(
            agent=agent,
            instance=self.instance_id,
            dead_letter_topic=self.topics.dead_letters,
            max_request_bytes=max_request_bytes,
            retry=retry or RetryPolicy(),
            duplicate_wait=duplicate_wait,
            build_context=context_builder,
            secret_headers=SECRET_HEADERS | (auth.secret_headers if auth else frozenset()),
            reports_start=reports_start,
            rerun_interrupted=rerun_interrupted,
            interrupt_task=interrupt_task,
            state_conflict=lambda: self._state_check.conflict,
        )
        self._fingerprint = state_fingerprint
        self._state_check = StateCheck(config, agent, self.group_id)
        self._checking: asyncio.Task[None] | None = None
        self._reporting: asyncio.Task[None] | None = None
        self._report_failed = False
        self._stats = HandlerStats()
        self._offsets = OffsetTracker()
        self._tasks: set[asyncio.Task[None]] = set()
        self._slot_freed = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self._producer: AIOKafkaProducer | None = None
        self._processor: RequestProcessor | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._housekeeping: asyncio.Task[None] | None = None
        self._stopping = False
        self._last_poll = time.monotonic()
        self._failure: BrokerError | None = None
        self._failed = asyncio.Event()

    @property
    def failed(self) -> BrokerError | None:
        """Why this handler cannot go on serving (set once), or None."""
        return self._failure

    async def wait_failed(self) -> BrokerError:
        """Return once the handler cannot go on serving; the reason."""
        await self._failed.wait()
        assert self._failure is not None
        return self._failure

    @property
    def health(self) -> Health:
        """Whether the consume loop is serving, stuck (no poll for `STUCK_AFTER` s) or failed."""
        since = time.monotonic() - self._last_poll
        if self._failure is not None:
            return Health("failed", since, repr(self._failure))
        if self._loop_task is None:
            return Health("closed" if self._stopping else "not started", since, None)
        if since > STUCK_AFTER:
            return Health("stuck", since, f"no poll for {since:.0f} s")
        return Health("serving", since, None)

    def _fail(self, reason: BaseException) -> None:
        if self._failure is None and not self._stopping:
            if not isinstance(reason, BrokerError):
                message = f"agent {self.agent!r} stopped consuming: {reason!r}"
                wrapped = BrokerError(message)
                wrapped.__cause__ = reason
                reason = wrapped
            logger.error("%s", reason)
            self._failure = reason
            self._failed.set()

    def _check_health(self) -> None:
        """Run by housekeeping: report health, log a stuck loop, give up when stuck too long."""
        health = self.health
        if self._reporting is None or self._reporting.done():
            self._reporting = asyncio.create_task(self._report(liveness.encode(health)))
        if health.state == "stuck":
            logger.warning("agent %s: consume loop stuck: %s", self.agent, health.detail)
            if health.since_poll > GIVE_UP_STUCK:
                self._fail(
                    BrokerError(f"agent {self.agent!r}: consume loop stuck: {health.detail}")
                )

    async def _report(self, value: bytes | None) -> None:
        """Produce this instance's health report (None: a tombstone); a failure is logged."""
        if self._producer is None:
            return
        topic = liveness.health_topic(self.config, self.agent)
        try:
            async with asyncio.timeout(REPORT_TIMEOUT):
                await self._producer.send_and_wait(topic, value, key=self.instance_id.encode())
        except Exception as exc:
            if not self._report_failed:
                logger.warning("agent %s: health report to %s failed: %r", self.agent, topic, exc)
            self._report_failed = True
        else:
            self._report_failed = False

    @property
    def stats(self) -> HandlerStats:
        """A snapshot of what this instance did so far (see `HandlerStats`)."""
        return self._stats.snapshot(in_flight=len(self._tasks))

    @property
    def state_conflict(self) -> str | None:
        """Why this agent's instances do not share one task state; None while they do."""
        return self._state_check.conflict

    @property
    def assignment(self) -> frozenset[TopicPartition]:
        """The request-topic partitions this instance consumes now."""
        return frozenset(self._consumer.assignment()) if self._consumer else frozenset()

    async def __aenter__(self) -> KafkaConsumerHandler:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def start(self) -> None:
        """Create topics, join the group, publish the card; returns once assigned.

        If any step fails (or ``start`` is cancelled), what was started is closed again.
        """
        if self._stopping:
            raise A2AKafkaError(f"the handler of agent {self.agent!r} was closed; make a new one")
        if self._loop_task is not None:
            return
        topics = [self.topics.requests, self.topics.responses, self.topics.dead_letters]
        await ensure_topics(self.config, topics)
        health = liveness.health_topic(self.config, self.agent)
        await ensure_topics(self.config, [health], topic_configs=liveness.TOPIC_CONFIG)
        await self.dedupe.start()
        try:
            fingerprint = await self._state_fingerprint()
            self._producer = self.config.kafka.producer(**self.config.producer_kwargs())
            await self._producer.start()
            self._processor = RequestProcessor(
                self._settings,
                self._handler,
                ReplySender(self._producer, kept_on=self.topics.responses),
                self.dedupe,
                self._stats,
                stopping=lambda: self._stopping,
            )
            self._consumer = self.config.kafka.consumer(
                **self.config.consumer_kwargs(
                    group_id=self.group_id,
                    auto_offset_reset="earliest",
                    client_id=client_id_with(self.config.client_id, fingerprint),
                    **GROUP_DEFAULTS,
                )
            )
            await self._consumer.start()
            await _until_listed(self._consumer, self.topics.requests)
            assigned = asyncio.Event()
            self._consumer.subscribe([self.topics.requests], listener=_Rebalance(self, assigned))
            self._last_poll = time.monotonic()
            self._loop_task = asyncio.create_task(self._run(), name=f"a2a-kafka-{self.agent}")
            self._loop_task.add_done_callback(self._loop_ended)
            self._housekeeping = asyncio.create_task(
                keep_house(
                    self.agent,
                    self.instance_id,
                    self.dedupe,
                    lambda: self.stats,
                    self._stats_interval,
                    self._check_health,
                    sweep=self._processor.sweep,
                )
            )
            self._housekeeping.add_done_callback(self._housekeeping_ended)
            self._checking = asyncio.create_task(self._state_check.run())
            await self._wait_assigned(assigned)
            await self._report(liveness.encode(self.health))  # `status` shows it at once
            if self._card is not None:
                card = with_kafka_interface(self._card, self.config, self.agent)
                if self._card_signer is not None:
                    card = self._card_signer(card)
                await publish_card(self._producer, self.config, self.agent, card)
        except BaseException as exc:  # whatever failed, leave the group and stop it all
            await self.aclose()
            if isinstance(exc, KafkaError):
                raise BrokerError(f"agent {self.agent!r} cannot start on Kafka: {exc!r}") from exc
            raise

    async def _state_fingerprint(self) -> str:
        if self._fingerprint is not None:
            return self._fingerprint
        shared = getattr(self.dedupe, "state_fingerprint", None)  # DatabaseDedupeStore's
        if shared is not None:
            return str(await shared())
        return f"memory-{self.instance_id[:12]}"

    async def _wait_assigned(self, assigned: asyncio.Event) -> None:
        assert self._loop_task is not None
        waiter = asyncio.ensure_future(assigned.wait())
        done, _ = await asyncio.wait(
            {waiter, self._loop_task}, timeout=ASSIGN_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if waiter in done:
            return
        waiter.cancel()
        if self._loop_task in done:
            self._loop_task.result()  # re-raises the loop's failure
        raise BrokerError(
            f"agent {self.agent!r}: no partitions of {self.topics.requests} assigned to group "
            f"{self.group_id!r} within {ASSIGN_TIMEOUT:g} s (is the group coordinator up?)"
        )

    async def serve_forever(self) -> None:
        """Start if needed and run until `aclose()` is called or the handler fails.

        A failure (see `failed`) is raised as `BrokerError`; call `aclose()` after it.
        """
        await self.start()
        assert self._loop_task is not None
        failed = asyncio.ensure_future(self.wait_failed())
        try:
            await asyncio.wait({failed, self._loop_task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            failed.cancel()
        if self._failure is not None:
            raise self._failure

    def _loop_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and (exc := task.exception()) is not None:
            self._fail(exc)

    def _housekeeping_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and (exc := task.exception()) is not None:
            self._fail(exc)

    async def _run(self) -> None:
        """Poll until stopped; a failed poll is logged, counted and retried with backoff."""
        failures = 0
        while not self._stopping:
            try:
                await self._poll()
                failures = 0
            except Exception as exc:
                failures += 1
                self._stats.loop_failures += 1
                if failures >= LOOP_RETRIES:
                    raise
                pause = min(LOOP_BACKOFF_MAX, 0.1 * 2**failures)
                logger.error(
                    "agent %s: poll failed (%d in a row), again in %.1f s: %r",
                    self.agent,
                    failures,
                    pause,
                    exc,
                    exc_info=failures == 1,
                )
                await asyncio.sleep(pause)

    async def _poll(self) -> None:
        consumer = self._consumer
        assert consumer is not None
        self._last_poll = time.monotonic()
        free = self._max_in_flight - len(self._tasks)
        if free <= 0:
            if not consumer.paused():
                self._stats.paused += 1
            consumer.pause(*consumer.assignment())
            self._slot_freed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.5):
                    await self._slot_freed.wait()
        else:
            consumer.resume(*consumer.paused())
            batches = await consumer.getmany(timeout_ms=200, max_records=free)
            for tp, records in batches.items():
                for record in records:
                    self._offsets.started(tp, record.offset)
                    self._spawn(tp, record)
        await self._commit_due()

    async def _commit_due(self) -> None:
        """Commit at most every `COMMIT_INTERVAL` while running (each commit is a broker call)."""
        now = time.monotonic()
        if now - self._last_commit >= COMMIT_INTERVAL:
            self._last_commit = now
            await self._commit()

    def _spawn(self, tp: TopicPartition, record: ConsumerRecord[Any, Any]) -> None:
        assert self._processor is not None
        task = asyncio.create_task(processing(self, record, self._processor.process))
        self._tasks.add(task)

        def done(t: asyncio.Task[None]) -> None:
            self._tasks.discard(t)
            # Cut short by shutdown: left unfinished, so it is never committed.
            if not t.cancelled() and (exc := t.exception()) is None:
                self._offsets.finished(tp, record.offset)
            elif not t.cancelled():  # process() never raises; a bug if it did
                logger.error("request %s@%d failed: %r", tp, record.offset, exc, exc_info=exc)
            self._slot_freed.set()

        task.add_done_callback(done)

    async def _commit(self, partitions: set[TopicPartition] | None = None) -> None:
        positions = self._offsets.committable(partitions)
        if not positions or self._consumer is None:
            return
        try:
            async with asyncio.timeout(COMMIT_TIMEOUT):
                await self._consumer.commit(positions)
        except (CommitFailedError, KafkaError, TimeoutError) as exc:  # the new owner redelivers
            logger.warning("commit of %s failed: %r", self.agent, exc)
            return
        self._offsets.mark_committed(positions)

    async def _drain(self, partitions: set[TopicPartition] | None = None) -> None:
        """Wait (bounded) for in-flight requests, of ``partitions`` or all, then commit."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._drain_timeout):
                while self._tasks and (
                    partitions is None or any(self._offsets.in_flight(tp) for tp in partitions)
                ):
                    self._slot_freed.clear()
                    await self._slot_freed.wait()
        await self._commit(partitions)

    async def aclose(self) -> None:
        """Stop fetching, drain in-flight requests, commit, leave the group. Idempotent.

        Bounded and quiet whatever the broker's state (see `a2a_kafka.closing`):
        every client is closed, no error escapes.
        """
        self._stopping = True
        if self._loop_task is not None:
            # a live loop ends within a poll (0.5 s); a stuck one is cancelled
            await asyncio.wait({self._loop_task}, timeout=LOOP_STOP_TIMEOUT)
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # reported by _fail
                await self._loop_task
            self._loop_task = None
        if self._consumer is not None:
            drain_bound = self._drain_timeout + COMMIT_TIMEOUT + 1
            await close_quietly(f"{self.agent}'s in-flight requests", self._drain, drain_bound)
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await close_quietly(f"{self.agent}'s consumer", self._consumer.stop)
            self._consumer = None
        for chore in (self._housekeeping, self._checking):
            if chore is not None:
                chore.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await chore
        self._housekeeping = self._checking = None
        if self._reporting is not None:
            self._reporting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reporting
        final = liveness.encode(self.health) if self._failure is not None else None
        await self._report(final)  # bounded, quiet
        if self._producer is not None:
            await close_producer(f"{self.agent}'s producer", self._producer)
            self._producer = None
        await close_quietly(f"{self.agent}'s dedupe store", self.dedupe.aclose)


@dataclass(frozen=True, slots=True)
class Health:
    """What `KafkaConsumerHandler.health` reports."""

    state: Literal["not started", "serving", "stuck", "failed", "closed"]
    since_poll: float
    """Seconds since the consume loop last polled."""
    detail: str | None
    """Why it is stuck or failed."""


async def _until_listed(consumer: AIOKafkaConsumer, topic: str) -> None:
    """Wait until the cluster's metadata lists ``topic``, which was perhaps just created.

    A group that forms before it is listed assigns nobody its partitions ("No partition
    metadata") until the consumer's next metadata refresh, minutes later: requests wait.
    """
    try:
        async with asyncio.timeout(ASSIGN_TIMEOUT):
            while topic not in await consumer.topics():  # noqa: ASYNC110 (no event exists)
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise BrokerError(
            f"{topic} is not listed by the cluster {ASSIGN_TIMEOUT:g} s after its creation"
        ) from None


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, owner: KafkaConsumerHandler, assigned: asyncio.Event) -> None:
        self._owner = owner
        self._assigned = assigned

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._owner._drain(set(revoked))
        self._owner._offsets.forget(set(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self._assigned.set()
