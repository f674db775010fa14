"""What happens to one request record, from its headers to its terminal outcome.

Every record ends in exactly one of these (counted in `HandlerStats`):

1. **dead-lettered at once**: no reply address or correlation id, or headers
   that cannot be decoded (nobody to answer, retrying cannot help);
2. **expired**: the caller's deadline has passed, the request is skipped;
3. **rejected**: malformed but addressable: a JSON-RPC error reply;
4. **answered**: routed to the agent's `RequestHandler`, its replies produced;
   a SendMessage / SendStreamingMessage is first claimed in the `DedupeStore`
   so that a redelivery never runs the agent twice (see `a2a_kafka.server.dedupe`);
   a claim whose instance died is decided here (`RequestProcessor.sweep` finds
   them too): the agent never started (its executor reports its start,
   `a2a_kafka.server.started`) -> the message runs; it started -> its task is
   marked FAILED (``Settings.interrupt_task``) and the caller gets an
   ``interrupted`` error with the task id, unless the agent re-runs
   interrupted work (``Settings.rerun_interrupted``);
5. **dead-lettered after retries**: a retriable step (producing the replies,
   the dedupe store) still failed after the `RetryPolicy`.

`process` never raises: a failure nobody foresaw dead-letters the record too.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from a2a.server.context import ServerCallContext
from a2a.server.jsonrpc_models import InternalError, InvalidRequestError
from a2a.server.request_handlers.request_handler import RequestHandler
from a2a.server.request_handlers.response_helpers import build_error_response
from a2a.types.a2a_pb2 import GetTaskRequest, SendMessageRequest
from aiokafka import ConsumerRecord
from google.protobuf.json_format import MessageToDict

from a2a_kafka.lenient_records import UnreadableRecordError, unreadable
from a2a_kafka.methods import DEDUPED
from a2a_kafka.server import router
from a2a_kafka.server.dead_letters import SECRET_HEADERS, dead_letter_headers, placeholder
from a2a_kafka.server.dedupe import Claim, DedupeStore, MessageKey, Outcome
from a2a_kafka.server.replies import (
    CallerGoneError,
    ReplyRecord,
    ReplySender,
    UnusableAddressError,
)
from a2a_kafka.server.retry import RetriesExhaustedError, RetryPolicy
from a2a_kafka.server.started import STARTED_HOOK
from a2a_kafka.server.stats import HandlerStats
from a2a_kafka.server.stream_replies import StreamReplies
from a2a_kafka.wire import (
    MalformedRecordError,
    ReplyAddress,
    ReplyKind,
    RequestMeta,
    decode_request_meta,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEDUPED_METHODS = DEDUPED
CLAIM_LOST = "a2a_kafka.claim_lost"
"""``ServerCallContext.state`` flag: the start hook found the claim taken over."""
INTERRUPTED = "interrupted"
"""``error.data.reason`` of the reply to a request whose first run was cut off."""
STATE_NOT_SHARED = "state-not-shared"
"""``error.data.reason`` of a task operation this instance cannot answer correctly."""
TASK_NOT_FOUND = -32001
TASK_METHODS = frozenset({"GetTask", "CancelTask", "SubscribeToTask", *DEDUPED_METHODS})

InterruptTask = Callable[[str, str, str, str], Awaitable[dict[str, Any] | None]]
"""``(task id, context id, owner scope, reason)``: mark the task of a cut-off run FAILED unless it
is terminal already; returns that terminal task (as JSON), the run's real outcome."""


@dataclass(slots=True)
class Settings:
    """The parts of `KafkaConsumerHandler`'s configuration a request needs."""

    agent: str
    instance: str
    dead_letter_topic: str
    max_request_bytes: int
    retry: RetryPolicy
    duplicate_wait: float
    """Longest wait, in seconds, for another instance's run of the same message."""
    build_context: router.ContextBuilder
    dead_letter_backoff: float = 1.0
    secret_headers: frozenset[str] = SECRET_HEADERS
    """Headers whose values are redacted in dead letters (lower-cased names)."""
    reports_start: bool = False
    """The executor reports its start (`a2a_kafka.server.started`): a claim without a
    task means the agent never started."""
    rerun_interrupted: bool = False
    """Run a message again whose run was cut off (idempotent agents only)."""
    interrupt_task: InterruptTask | None = None
    state_conflict: Callable[[], str | None] = lambda: None
    """Why this instance cannot answer for the whole group (its state is not shared)."""


@dataclass(slots=True)
class RequestProcessor:
    """Takes request records to their terminal outcome (see the module docstring)."""

    settings: Settings
    handler: RequestHandler
    replies: ReplySender
    dedupe: DedupeStore
    stats: HandlerStats
    stopping: Callable[[], bool] = field(default=lambda: False)

    async def process(self, record: ConsumerRecord[Any, Any]) -> None:
        """Handle one record; never raises (except on cancellation)."""
        self.stats.received += 1
        where = f"{record.topic}/{record.partition}@{record.offset}"
        if (why := unreadable(record)) is not None:
            self.stats.unreadable += 1
            logger.warning("%s: unreadable records, a placeholder dead-lettered: %s", where, why)
            await self._dead_letter(record, UnreadableRecordError(why), 1, placeholder(record, why))
            return
        try:
            meta = decode_request_meta(record.headers)
            if meta.reply_to is None or meta.correlation_id is None:
                raise MalformedRecordError("no reply address or correlation id")
        except MalformedRecordError as exc:
            self.stats.unroutable += 1
            logger.warning("%s: unroutable request, dead-lettered: %s", where, exc)
            await self._dead_letter(record, exc, 1)
            return
        if meta.expired():
            self.stats.expired += 1
            logger.info("%s: skipped, the caller's deadline has passed", where)
            return
        request = _Request(record.value, meta)
        try:
            await self._retrying("checking the reply topic", lambda: self.replies.check(request.to))
            await self._answer(request)
        except CallerGoneError as exc:
            self.stats.caller_gone += 1
            logger.info("%s: skipped, its caller is gone (%s)", where, exc)
        except UnusableAddressError as exc:
            self.stats.unroutable += 1
            logger.warning("%s: unusable reply address, dead-lettered: %s", where, exc)
            await self._dead_letter(record, exc, 1)
        except RetriesExhaustedError as exc:
            logger.error("%s: dead-lettered: %s", where, exc)
            await self._dead_letter(record, exc.last, exc.attempts)
        except Exception as exc:
            logger.exception("%s: unexpected failure, dead-lettered", where)
            await self._tell_failure(request, exc)
            await self._dead_letter(record, exc, 1)

    async def _tell_failure(self, request: _Request, exc: BaseException) -> None:
        """Best effort: the caller gets an internal error instead of its timeout."""
        body = _error_body(request.cid, f"the request could not be processed: {exc!r}"[:500])
        try:
            await self.replies.send(
                request.to, request.cid, [ReplyRecord(ReplyKind.RESULT, 0, body)]
            )
        except Exception as failure:
            logger.warning("error reply %s not produced: %r", request.cid, failure)

    async def _answer(self, request: _Request) -> None:
        try:
            call = self._parse(request)
        except router.RejectedError as rejected:
            self.stats.rejected += 1
            self.stats.unauthenticated += rejected.unauthenticated
            logger.warning("rejected request %s: %s", request.cid, rejected)
            await self._reply(request, [ReplyRecord(ReplyKind.RESULT, 0, rejected.response)])
            return
        key = self._message_key(call, request.meta)
        claim = Claim("new")
        if key is not None:
            owner = self.settings.instance
            claim = await self._retrying("dedupe claim", lambda: self.dedupe.claim(key, owner))
            if claim.state != "new":
                claim = await self._await_first_run(key, claim, request)
                if claim.state == "new":  # gone while we waited: a sweep released it (its
                    # instance died before the agent started); it is nobody's, claim it here
                    claim = await self._retrying(
                        "dedupe claim", lambda: self.dedupe.claim(key, owner)
                    )
            if claim.state == "abandoned":
                claim = await self._decide_abandoned(key, claim, take_over=True)
            if claim.state == "new" and self.settings.reports_start:
                call.context.state[STARTED_HOOK] = self._start_hook(key, call.context)
            logger.debug("message %s, call %s: claim %s", key.message_id, request.cid, claim.state)
        if claim.state != "new":
            assert key is not None
            await self._duplicate(call, request, key, claim)
        elif call.streaming:
            await self._stream(call, request, key)
            self.stats.answered += 1
        else:
            await self._unary(call, request, key)
            self.stats.answered += 1

    def _parse(self, request: _Request) -> router.Call:
        if request.value is not None and len(request.value) > self.settings.max_request_bytes:
            error = InvalidRequestError(message="Payload too large")
            raise router.RejectedError(request.cid, error)
        if request.meta.malformed is not None:
            error = InvalidRequestError(message=request.meta.malformed)
            raise router.RejectedError(request.cid, error)
        return router.parse(request.value, request.meta, self.settings.build_context)

    def _message_key(self, call: router.Call, meta: RequestMeta) -> MessageKey | None:
        if call.method not in DEDUPED_METHODS or not isinstance(call.request, SendMessageRequest):
            return None
        message_id = call.request.message.message_id
        if not message_id:
            return None
        user = call.context.user.user_name
        return MessageKey(self.settings.agent, user, message_id, meta.caller_id or "")

    def _start_hook(
        self, key: MessageKey, context: ServerCallContext
    ) -> Callable[[str, str], Awaitable[None]]:
        owner = self.settings.instance

        async def started(task_id: str, context_id: str) -> None:
            noted = await self._retrying(
                "dedupe start", lambda: self.dedupe.note_task(key, owner, task_id, context_id)
            )
            if not noted:  # taken for dead and taken over: the other instance runs it
                context.state[CLAIM_LOST] = True
                raise ClaimLostError(
                    f"message {key.message_id} was taken over by another instance; "
                    "the agent does not start here"
                )

        return started

    def _explained(self, call: router.Call, body: dict[str, Any]) -> dict[str, Any]:
        """``body``, or, for a task this instance cannot see in an unshared group, why."""
        error = body.get("error")
        if call.method not in TASK_METHODS or not isinstance(error, dict):
            return body
        if error.get("code") != TASK_NOT_FOUND or not (why := self.settings.state_conflict()):
            return body
        message = (
            f"{error.get('message') or 'task not found'} on this instance, which cannot tell: {why}"
        )
        data = {"reason": STATE_NOT_SHARED}
        return build_error_response(body.get("id"), InternalError(message=message, data=data))

    async def _unary(self, call: router.Call, request: _Request, key: MessageKey | None) -> None:
        body = self._explained(call, await router.unary(self.handler, call))
        if key is not None and call.context.state.get(CLAIM_LOST):
            await self._answer_from_owner(call, request, key)
            return
        try:
            await self._reply(request, [ReplyRecord(ReplyKind.RESULT, 0, body)])
        finally:  # after the reply (a crash before it leaves a terminal task), even if it failed
            if key is not None:
                await self._record(key, _outcome(body))

    async def _stream(self, call: router.Call, request: _Request, key: MessageKey | None) -> None:
        """Produce each event as it happens, in order, without waiting for the broker
        (`StreamReplies`), the end record after them; return once all are acknowledged.

        A record not acknowledged is produced again (the client drops what it has):
        at once when it failed mid-stream, else at the end. If that fails too, the
        caller gets an error record, which ends its stream (never a silent gap).
        """
        window = StreamReplies(self.replies, request.to, request.cid)
        count = 0
        last: dict[str, Any] | None = None
        task_id: str | None = None
        try:
            async for raw in router.stream(self.handler, call):
                if key is not None and call.context.state.get(CLAIM_LOST):
                    break  # the instance that took the message over answers (below)
                body = self._explained(call, raw) if count == 0 else raw
                record = ReplyRecord(ReplyKind.EVENT, count, body)
                count, last = count + 1, body
                noting = key is not None and not self.settings.reports_start  # else the hook did
                if task_id is None and (task_id := _task_id(body)) is not None and noting:
                    assert key is not None
                    await self._best_effort(
                        self.dedupe.note_task(key, self.settings.instance, task_id)
                    )
                await window.add(record)
                if window.failed:
                    await self._reply(request, await window.settle())
            if key is not None and call.context.state.get(CLAIM_LOST):
                await window.settle()
                await self._answer_from_owner(call, request, key)
                return
            try:
                await window.add(ReplyRecord(ReplyKind.END, count, None))
                if left := await window.settle():
                    await self._reply(request, left)
            finally:  # after the reply (a crash before it leaves a terminal task), even if failed
                if key is not None:
                    await self._record(key, await self._final_outcome(call, last, task_id))
        except RetriesExhaustedError as exc:  # others: `process` tells the caller
            await self._tell_failure(request, exc)
            raise

    async def _final_outcome(
        self, call: router.Call, last: dict[str, Any] | None, task_id: str | None
    ) -> Outcome:
        if last is None or "error" in last:
            return _outcome(last or _error_body(call.request_id, "the stream ended empty"))
        return await self._task_outcome(call, task_id) or _outcome(last)

    async def _task_outcome(self, call: router.Call, task_id: str | None) -> Outcome | None:
        """``{"result": {"task": ...}}`` with the task as stored now, if it can be read."""
        if not task_id:
            return None
        try:
            task = await self.handler.on_get_task(GetTaskRequest(id=task_id), call.context)
        except Exception as exc:
            logger.warning("task %s unavailable: %r", task_id, exc)
            return None
        return {"result": {"task": MessageToDict(task)}} if task is not None else None

    async def _duplicate(
        self, call: router.Call, request: _Request, key: MessageKey, claim: Claim
    ) -> None:
        self.stats.duplicates += 1
        logger.info(
            "message %s of %s was delivered before (call %s: %s)",
            key.message_id,
            self.settings.agent,
            request.cid,
            claim.state,
        )
        outcome = claim.outcome or await self._snapshot(call, claim)
        body = {"jsonrpc": "2.0", "id": call.request_id, **outcome}
        # One ``result`` record, for a stream too: its caller may still wait on the first
        # run's stream (cut by a crash after records 0..n), and would drop an ``event`` 0
        # and ``end`` 1 as duplicates, then time out; a ``result`` record ends a stream
        # whatever its sequence number (binding §4.2, `a2a_kafka.client.replies.iterate`).
        await self._reply(request, [ReplyRecord(ReplyKind.RESULT, 0, body)])

    async def _await_first_run(self, key: MessageKey, claim: Claim, request: _Request) -> Claim:
        """Poll a ``running`` claim until it is decided, the caller gives up, or time is up."""
        give_up = time.time() + self.settings.duplicate_wait
        if request.deadline is not None:
            give_up = min(give_up, request.deadline)
        pause = 0.05
        while claim.state == "running" and time.time() < give_up and not self.stopping():
            await asyncio.sleep(pause)
            pause = min(pause * 2, 1.0)
            claim = await self._retrying("dedupe look-up", lambda: self.dedupe.look(key))
        return claim

    async def _answer_from_owner(
        self, call: router.Call, request: _Request, key: MessageKey
    ) -> None:
        """Another instance took this message over before the agent started here (this
        one's lease had lapsed): answer with that instance's run, as for a duplicate."""
        claim = await self._retrying("dedupe look-up", lambda: self.dedupe.look(key))
        claim = await self._await_first_run(key, claim, request)
        await self._duplicate(call, request, key, claim)

    async def sweep(self) -> None:
        """Decide the claims of dead instances that no redelivery decided (yet).

        A claim whose request is never redelivered (the caller's deadline passed,
        so the request is skipped) would otherwise leave its task WORKING.
        """
        claims = await self.dedupe.abandoned()
        for found in claims:
            if self.stopping():
                return
            if found.owner == self.settings.instance:
                continue  # its lease lapsed (a stalled loop), but this instance is alive
            claim = Claim("abandoned", None, found.owner, found.task_id, found.context_id)
            await self._decide_abandoned(found.key, claim, take_over=False)

    async def _decide_abandoned(self, key: MessageKey, claim: Claim, *, take_over: bool) -> Claim:
        """Decide a claim whose instance died; ``Claim("new")`` if this instance runs it now.

        Whichever instance decides first wins; the others read its decision.
        """
        started = claim.task_id is not None or not self.settings.reports_start
        if not started or self.settings.rerun_interrupted:
            owner = self.settings.instance
            if not take_over:  # no request here: its redelivery will claim and run it
                await self._retrying("dedupe release", lambda: self.dedupe.release(key))
                return Claim("new")
            if await self._retrying("dedupe take-over", lambda: self.dedupe.take_over(key, owner)):
                logger.info("message %s: its instance died, running it here", key.message_id)
                return Claim("new")
            # decided meanwhile, or released by a sweep: claim it anew ("new" = ours)
            return await self._retrying("dedupe claim", lambda: self.dedupe.claim(key, owner))
        if claim.task_id and self.settings.interrupt_task is not None:
            reason = (
                f"interrupted: the instance running message {key.message_id} stopped before "
                "the agent finished; the agent is not run twice"
            )
            try:
                finished = await self.settings.interrupt_task(
                    claim.task_id, claim.context_id, key.scope, reason
                )
            except Exception as exc:  # the claim is still decided; GetTask may show WORKING
                logger.error("interrupted task %s not marked FAILED: %r", claim.task_id, exc)
                finished = None
            if finished is not None:  # it ran to its end; only the record was lost
                logger.info("message %s: its instance died after the agent ended", key.message_id)
                return await self._decide(key, claim, {"result": {"task": finished}})
        return await self._interrupt(key, claim)

    async def _interrupt(self, key: MessageKey, claim: Claim) -> Claim:
        """Decide an abandoned claim as interrupted (once, whichever instance comes first)."""
        message = (
            f"interrupted: the instance that ran message {key.message_id} stopped before "
            "answering; the agent is not run twice"
            + (f"; task {claim.task_id} is FAILED (GetTask shows it)" if claim.task_id else "")
        )
        data = {"reason": INTERRUPTED, "taskId": claim.task_id or ""}
        outcome = _outcome(build_error_response(None, InternalError(message=message, data=data)))
        decided = await self._decide(key, claim, outcome)
        if decided.outcome is outcome:
            self.stats.interrupted += 1
        return decided

    async def _decide(self, key: MessageKey, claim: Claim, outcome: Outcome) -> Claim:
        """Record ``outcome`` for an abandoned claim, or read who decided it first."""
        won = await self._retrying(
            "dedupe record", lambda: self.dedupe.complete(key, None, outcome)
        )
        if won:
            return Claim("done", outcome, claim.owner, claim.task_id)
        return await self._retrying("dedupe look-up", lambda: self.dedupe.look(key))

    async def _snapshot(self, call: router.Call, claim: Claim) -> Outcome:
        """The answer while the first run goes on elsewhere: its task as it is now."""
        found = await self._task_outcome(call, claim.task_id)
        busy = "this message is still being processed by another instance"
        return found or _outcome(_error_body(call.request_id, busy))

    async def _record(self, key: MessageKey, outcome: Outcome) -> None:
        """Record the outcome (after the reply: the reply does not wait for it). If this
        instance dies first, the claim is decided from the task as stored, which is
        terminal by then; a failure here only costs a later duplicate that reads it."""
        owner = self.settings.instance
        try:
            await self._retrying("dedupe record", lambda: self.dedupe.complete(key, owner, outcome))
        except RetriesExhaustedError as exc:
            logger.error("outcome of message %s not recorded: %s", key.message_id, exc)

    async def _reply(self, request: _Request, records: list[ReplyRecord]) -> None:
        """Produce the replies; while the caller still waits (a broker restart can take
        longer than the retry policy), rounds of retries go on; then it is dead-lettered."""
        while True:
            try:
                await self._retrying(
                    "producing the reply",
                    lambda: self.replies.send(request.to, request.cid, records),
                )
                return
            except RetriesExhaustedError:
                waiting = request.deadline is not None and time.time() < request.deadline
                if not waiting or self.stopping():
                    raise
                logger.warning("reply %s not produced yet; the caller waits, retrying", request.cid)

    async def _retrying(self, step: str, action: Callable[[], Awaitable[T]]) -> T:
        return await self.settings.retry.run(step, action, on_retry=self._count_retry)

    def _count_retry(self, attempt: int, exc: Exception) -> None:
        self.stats.retries += 1

    async def _best_effort(self, action: Awaitable[Any]) -> None:
        try:
            await action
        except Exception as exc:
            logger.warning("dedupe store: %r", exc)

    async def _dead_letter(
        self,
        record: ConsumerRecord[Any, Any],
        error: BaseException,
        attempts: int,
        value: bytes | None = None,
    ) -> None:
        """Produce the dead letter; retried until it is written or the handler stops.

        Until it is written the record stays unfinished, so its offset is not
        committed and a restart redelivers it: a dead letter is never lost.
        """
        headers = dead_letter_headers(
            record,
            type(error).__name__,
            str(error),
            attempts,
            secret_headers=self.settings.secret_headers,
        )
        topic = self.settings.dead_letter_topic
        while True:
            try:
                value = record.value if value is None else value
                await self.replies.dead_letter(topic, record.key, value, headers)
                self.stats.dead_lettered += 1
                return
            except Exception as exc:
                if self.stopping():
                    raise
                logger.error("dead letter to %s not produced, retrying: %r", topic, exc)
                await asyncio.sleep(self.settings.dead_letter_backoff)


class ClaimLostError(RuntimeError):
    """This instance's claim of a message was taken over before its agent started."""


@dataclass(frozen=True, slots=True)
class _Request:
    """A request record with a reply address: its value and its one `RequestMeta`."""

    value: bytes | None
    meta: RequestMeta

    @property
    def cid(self) -> str:
        """The correlation id (present: `process` checked it)."""
        assert self.meta.correlation_id is not None
        return self.meta.correlation_id

    @property
    def to(self) -> ReplyAddress:
        """The reply address (present: `process` checked it)."""
        assert self.meta.reply_to is not None
        return self.meta.reply_to

    @property
    def deadline(self) -> float | None:
        return self.meta.deadline


def _outcome(body: dict[str, Any]) -> Outcome:
    if "error" in body:
        return {"error": body["error"]}
    return {"result": body.get("result")}


def _error_body(request_id: str | int | None, message: str) -> dict[str, Any]:
    return build_error_response(request_id, InternalError(message=message))


def _task_id(body: dict[str, Any]) -> str | None:
    result = body.get("result")
    if not isinstance(result, dict):
        return None
    if isinstance(task := result.get("task"), dict):
        found = task.get("id")
    else:
        update = result.get("statusUpdate") or result.get("artifactUpdate") or {}
        found = update.get("taskId") if isinstance(update, dict) else None
    return found if isinstance(found, str) and found else None
