"""Candidate library changes, tried by patching a2a_kafka at run time (``--experiment``).

The library belongs to its own module owners; the benchmark measures a change
before anyone makes it. Each experiment is applied in every process of the run
(client and servers) before any a2a-kafka object is created. They are
measurement aids, not fixes: the one that moves the numbers is described in
docs/benchmarks.md as a change to make in ``src/a2a_kafka``.
"""

from __future__ import annotations

import asyncio
import time
import types
from collections.abc import Callable
from typing import Any


def commit_every(seconds: float) -> Callable[[], None]:
    """`KafkaConsumerHandler` commits at most every ``seconds`` from its fetch loop.

    Commits for revoked partitions and on shutdown (calls with ``partitions``
    given, or from the drain) still happen at once.
    """

    def apply() -> None:
        from a2a_kafka.server.handler import KafkaConsumerHandler

        original = KafkaConsumerHandler._commit

        async def _commit(self: Any, partitions: Any = None) -> None:
            now = time.monotonic()
            recent = now - getattr(self, "_bench_committed_at", 0.0) < seconds
            if partitions is None and not self._stopping and recent:
                return
            self._bench_committed_at = now
            await original(self, partitions)

        KafkaConsumerHandler._commit = _commit  # type: ignore[method-assign]

    return apply


def commit_in_background() -> None:
    """The fetch loop starts a commit and goes on fetching (one commit in flight at a time)."""
    from a2a_kafka.server.handler import KafkaConsumerHandler

    original = KafkaConsumerHandler._commit

    async def _commit(self: Any, partitions: Any = None) -> None:
        if partitions is not None or self._stopping:
            await original(self, partitions)
            return
        running: asyncio.Task[None] | None = getattr(self, "_bench_commit", None)
        if running is None or running.done():
            self._bench_commit = asyncio.create_task(original(self, None))

    KafkaConsumerHandler._commit = _commit  # type: ignore[method-assign]


def orjson_codec() -> None:
    """Record values encoded and decoded with orjson instead of the standard library's json."""
    import orjson

    from a2a_kafka import wire
    from a2a_kafka.server import router

    shim = types.SimpleNamespace(loads=orjson.loads, dumps=orjson.dumps)
    setattr(wire, "dumps", orjson.dumps)  # noqa: B010 (a module global, patched)
    for module in (wire, router):
        setattr(module, "json", shim)  # noqa: B010 (a module global, patched)


def stream_linger(linger_ms: int) -> Callable[[], None]:
    """Stream events after the first go through a second, lingering producer.

    Unary replies, a stream's first event and its end record keep the
    handler's ``linger_ms=0`` producer; the events in between batch up for
    ``linger_ms``, so a 20-event stream is a few produce requests instead of
    about twenty. The client already reorders a stream by sequence number.
    """

    def apply() -> None:
        from aiokafka import AIOKafkaProducer

        from a2a_kafka.server import handler, replies
        from a2a_kafka.wire import ReplyKind, encode_reply

        enqueue = replies.ReplySender.enqueue
        lingering: dict[int, AIOKafkaProducer] = {}

        async def _lingering(sender: Any) -> AIOKafkaProducer:
            key = id(sender._producer)
            if key not in lingering:
                client = sender._producer.client
                producer = AIOKafkaProducer(
                    bootstrap_servers=client._bootstrap_servers,
                    acks="all",
                    enable_idempotence=True,
                    linger_ms=linger_ms,
                )
                await producer.start()
                lingering[key] = producer
            return lingering[key]

        async def _enqueue(self: Any, to: Any, cid: str, reply: Any) -> Any:
            if reply.kind is not ReplyKind.EVENT or reply.sequence == 0:
                return await enqueue(self, to, cid, reply)
            producer = await _lingering(self)
            value, headers = encode_reply(cid, reply.kind, reply.sequence, reply.body)
            return await producer.send(
                to.topic, value, key=cid.encode(), partition=to.partition, headers=headers
            )

        replies.ReplySender.enqueue = _enqueue  # type: ignore[method-assign]
        aclose = handler.KafkaConsumerHandler.aclose

        async def _aclose(self: Any) -> None:
            await aclose(self)
            for producer in lingering.values():
                await producer.stop()
            lingering.clear()

        handler.KafkaConsumerHandler.aclose = _aclose  # type: ignore[method-assign]

    return apply


def stream_as_before() -> None:
    """The server's stream loop before `StreamReplies` (commit 1d9ec9f): no bound on the
    unacknowledged records, all of them scanned after each event, failed ones re-sent
    only at the end. For A/B against the library's current loop in one run."""
    from a2a_kafka.server import requests, router
    from a2a_kafka.server.replies import ReplyRecord
    from a2a_kafka.wire import ReplyKind

    def drop(unacked: dict[int, tuple[Any, Any]]) -> None:
        for sequence, (_, delivery) in list(unacked.items()):
            done = delivery is not None and delivery.done() and not delivery.cancelled()
            if done and delivery is not None and delivery.exception() is None:
                del unacked[sequence]

    async def live(self: Any, request: Any, record: Any) -> Any:
        try:
            delivery = await self.replies.enqueue(request.to, request.cid, record)
        except Exception:
            return None
        return asyncio.ensure_future(delivery)

    async def _stream(self: Any, call: Any, request: Any, key: Any) -> None:
        unacked: dict[int, tuple[Any, Any]] = {}
        count, last, task_id = 0, None, None
        async for raw in router.stream(self.handler, call):
            body = self._explained(call, raw) if count == 0 else raw
            record = ReplyRecord(ReplyKind.EVENT, count, body)
            count, last = count + 1, body
            noting = key is not None and not self.settings.reports_start
            if task_id is None and (task_id := requests._task_id(body)) is not None and noting:
                await self._best_effort(self.dedupe.note_task(key, self.settings.instance, task_id))
            unacked[record.sequence] = (record, await live(self, request, record))
            drop(unacked)
        end = ReplyRecord(ReplyKind.END, count, None)
        unacked[end.sequence] = (end, await live(self, request, end))
        pending = [delivery for _, delivery in unacked.values() if delivery is not None]
        await asyncio.gather(*pending, return_exceptions=True)
        drop(unacked)
        try:
            if unacked:
                await self._reply(request, [record for record, _ in unacked.values()])
        finally:
            if key is not None:
                await self._record(key, await self._final_outcome(call, last, task_id))

    requests.RequestProcessor._stream = _stream  # type: ignore[method-assign]


def trace_server() -> None:
    """Stamp the server's steps of each request (see `bench.trace`)."""
    from bench.trace import install_server

    install_server()


EXPERIMENTS: dict[str, Callable[[], None]] = {
    "trace": trace_server,
    "stream-linger-2": stream_linger(2),
    "stream-linger-5": stream_linger(5),
    "commit-100ms": commit_every(0.1),
    "commit-background": commit_in_background,
    "orjson": orjson_codec,
    "stream-as-before": stream_as_before,
}


def apply(names: list[str]) -> None:
    """Apply the named experiments in this process."""
    for name in names:
        EXPERIMENTS[name]()
