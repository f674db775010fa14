"""``a2a-kafka serve --workers N``: N worker processes of one command, supervised.

`supervise` runs each command of ``commands`` (worker ``i`` runs ``commands[i]``) as a
child process with this process's environment, and relays every line the children
print, prefixed ``[worker i] `` (a line that is a JSON object, as the log lines of
``--log-format json`` are, gets a ``"worker": i`` field instead, so it stays JSON). A
child reports it serves by printing a line that starts with `READY` (``serve --workers 1``
does; the lines naming its agent, which may be called ``serving...``, do not); once
every child has, the supervisor prints its own ``serving with N workers; ...`` line,
the only line of its output that starts with ``serving``. Each start of a child
prints ``[worker i] pid P``. Worker 0 starts first, the others once it serves, so what
a first start creates (the task state's tables, topics, an agent's data files) is
created by one process, not raced for by N.

The children run in their own session: a Ctrl-C in the terminal reaches the supervisor
only, which stops them with one SIGTERM each (a second signal to a draining ``serve``
would kill it). A hang-up (SIGHUP: the terminal or SSH session closed) stops them the
same way, as it would stop one ``serve`` (unless ignored, as under ``nohup``). Output
the supervisor cannot write (its terminal or pipe gone) is dropped; the workers keep
serving.

- SIGTERM, SIGINT or SIGHUP (said on stderr): SIGTERM to every child (each lets its
  in-flight requests finish); once all have exited, the exit code is 0 when every child
  exited 0, else the first non-zero code (a child killed by signal ``s`` counts as
  ``128 + s``). A second signal kills the children (SIGKILL).
- A child that exits before it ever reported it serves (bad configuration, broker
  unreachable): the others are stopped as above, and the supervisor exits with that
  child's code; no restart, so a broken command line does not loop.
- A child that exits by itself after it served (killed, out of memory, its consumer
  failed): restarted after a backoff of 1 s, doubling up to 30 s, back to 1 s once a
  child has served for 60 s; each restart is logged on stderr with the exit code. The
  other workers keep serving meanwhile. A stop during the backoff, or of a child still
  starting (killed by the SIGTERM it could not handle yet), counts as clean (0).

A child's standard input is a pipe from the supervisor that it never writes
(`SUPERVISED_ENV` tells the child so): when the supervisor is gone, however it died
(SIGKILL included), the pipe ends and the child stops as on SIGTERM (`stop_with_supervisor`),
so no worker serves on unsupervised.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Sequence
from typing import TextIO

FIRST_DELAY = 1.0
"""Seconds before the first restart of a worker that died."""
MAX_DELAY = 30.0
"""The longest wait before a restart (the delay doubles from `FIRST_DELAY`)."""
RESET_AFTER = 60.0
"""A worker that served this long before it died is restarted after `FIRST_DELAY` again."""
LINE_LIMIT = 1 << 20
"""The longest line relayed from a child; longer lines are dropped (and said so)."""
SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
READY = "serving;"
"""How the line of a child that serves starts (``serving; stop with ...``)."""
SUPERVISED_ENV = "A2A_KAFKA_SUPERVISED"
"""Set (to ``1``) in a worker's environment: its standard input is the supervisor's pipe."""


def stop_with_supervisor() -> None:
    """In a worker: SIGTERM to this process once the supervisor's pipe (standard input)
    ends, i.e. once the supervisor is gone; a no-op unless `SUPERVISED_ENV` is set."""
    if os.environ.get(SUPERVISED_ENV) != "1":
        return

    def watch() -> None:  # the raw descriptor: a daemon thread in a buffered read would
        with contextlib.suppress(OSError):  # abort the interpreter's shutdown
            while os.read(0, 4096):
                pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="a2a-kafka-supervisor-pipe", daemon=True).start()


async def supervise(commands: Sequence[Sequence[str]]) -> int:
    """Run ``commands`` as supervised workers until a signal; the exit code (see above)."""
    return await _Supervisor(commands).run()


class _Worker:
    """One worker slot: the child process running ``command`` now, restarted as needed."""

    def __init__(self, index: int, command: Sequence[str], stopping: asyncio.Event) -> None:
        self.index = index
        self.command = list(command)
        self.stopping = stopping
        self.process: asyncio.subprocess.Process | None = None
        self.served = asyncio.Event()
        """Set once any process of this slot reported ``serving``."""
        self._serving_since: float | None = None

    async def run(self) -> int:
        """Run (and restart) the child until stopped or it fails before serving; its code."""
        delay = FIRST_DELAY
        while True:
            code = await self._run_once()
            if self.stopping.is_set() and self._serving_since is None and code == -signal.SIGTERM:
                return 0  # our SIGTERM came before it could handle one: it served nothing yet
            if self.stopping.is_set() or not self.served.is_set():
                return code
            if self._serving_since is not None and self._served_for() >= RESET_AFTER:
                delay = FIRST_DELAY
            pid = self.process.pid if self.process is not None else "?"
            said = f"pid {pid} exited with {_described(code)}; restarting in {delay:g} s"
            self._say(said, sys.stderr)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self.stopping.wait()
                return 0  # stopped while nothing ran in this slot: a clean stop
            delay = min(delay * 2, MAX_DELAY)

    def signal(self, sig: signal.Signals) -> None:
        """Send ``sig`` to the running child, if any."""
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(sig)

    async def _run_once(self) -> int:
        self._serving_since = None
        process = await asyncio.create_subprocess_exec(
            *self.command,
            stdin=asyncio.subprocess.PIPE,  # never written; its end tells the child we are gone
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=LINE_LIMIT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", SUPERVISED_ENV: "1"},
            start_new_session=True,  # signals come from the supervisor only
        )
        self.process = process
        if self.stopping.is_set():  # stopped while it was starting
            self.signal(signal.SIGTERM)
        self._say(f"pid {process.pid}", sys.stdout)
        assert process.stdout is not None
        assert process.stderr is not None
        await asyncio.gather(
            self._relay(process.stdout, sys.stdout), self._relay(process.stderr, sys.stderr)
        )
        return await process.wait()

    async def _relay(self, stream: asyncio.StreamReader, out: TextIO) -> None:
        async for raw in _lines(stream):
            if raw is None:
                self._say(f"(a line longer than {LINE_LIMIT} bytes was dropped)", out)
                continue
            line = raw.decode(errors="replace").rstrip("\n")
            self._say(line, out)
            if out is sys.stdout and line.startswith(READY):
                self._serving_since = time.monotonic()
                self.served.set()

    def _served_for(self) -> float:
        assert self._serving_since is not None
        return time.monotonic() - self._serving_since

    def _say(self, line: str, out: TextIO) -> None:
        _write(out, _tagged(line, self.index))


class _Supervisor:
    def __init__(self, commands: Sequence[Sequence[str]]) -> None:
        self.stopping = asyncio.Event()
        self.workers = [_Worker(i, command, self.stopping) for i, command in enumerate(commands)]
        self.codes: list[int] = []
        """Exit codes of the workers, in the order they finished."""
        self._signals = 0

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        # one ignored when this started stays ignored (nohup's SIGHUP), as in the workers
        handled = [sig for sig in SIGNALS if signal.getsignal(sig) is not signal.SIG_IGN]
        for sig in handled:
            loop.add_signal_handler(sig, self._on_signal)
        announcer = asyncio.create_task(self._announce())
        try:
            await asyncio.gather(*(self._watch(worker) for worker in self.workers))
        finally:
            self._stop(signal.SIGTERM)  # none left serving unwatched if this failed
            announcer.cancel()
            for sig in handled:
                loop.remove_signal_handler(sig)
        return next((code for code in self.codes if code), 0)

    async def _watch(self, worker: _Worker) -> None:
        if worker.index:  # after worker 0 served: it made what a first start makes
            await _either(self.workers[0].served, self.stopping)
            if self.stopping.is_set():
                return
        code = _exit_code(await worker.run())
        self.codes.append(code)
        if not self.stopping.is_set():  # it exited before it ever served
            self._stop(signal.SIGTERM)

    async def _announce(self) -> None:
        await asyncio.gather(*(worker.served.wait() for worker in self.workers))
        _write(
            sys.stdout,
            f"serving with {len(self.workers)} workers; stop with Ctrl-C or SIGTERM "
            "(in-flight requests finish first)",
        )

    def _on_signal(self) -> None:
        self._signals += 1
        if self._signals == 1:
            said = "stopping the workers (their in-flight requests finish); again to kill them"
        else:
            said = "killing the workers"
        _write(sys.stderr, said)
        self._stop(signal.SIGTERM if self._signals == 1 else signal.SIGKILL)

    def _stop(self, sig: signal.Signals) -> None:
        self.stopping.set()
        for worker in self.workers:
            worker.signal(sig)


async def _either(*events: asyncio.Event) -> None:
    """Return once one of ``events`` is set."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def _lines(stream: asyncio.StreamReader) -> AsyncIterator[bytes | None]:
    """The lines of ``stream``; None for each longer than `LINE_LIMIT`, dropped whole."""
    dropping = False  # inside a long line: the rest of it is dropped too
    while True:
        try:
            line = await stream.readuntil(b"\n")
        except asyncio.LimitOverrunError as exc:  # the buffer holds LINE_LIMIT bytes of it
            await stream.readexactly(exc.consumed)
            if not dropping:
                yield None
            dropping = True
            continue
        except asyncio.IncompleteReadError as exc:  # the end; a last line without "\n"
            if exc.partial and not dropping:
                yield exc.partial
            return
        if not dropping:
            yield line
        dropping = False


def _write(out: TextIO, line: str) -> None:
    """Write ``line`` to ``out`` now; dropped when ``out`` is gone (a closed pipe or tty)."""
    with contextlib.suppress(OSError):
        out.write(f"{line}\n")
        out.flush()


def _tagged(line: str, index: int) -> str:
    """``line`` of worker ``index`` as relayed: a JSON object gets a field, else a prefix."""
    if line.startswith("{"):
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            if isinstance(record, dict):
                return json.dumps({**record, "worker": index}, ensure_ascii=False)
    return f"[worker {index}] {line}"


def _exit_code(returncode: int) -> int:
    """A child's return code as a shell reports it (killed by signal ``s``: ``128 + s``)."""
    return 128 - returncode if returncode < 0 else returncode


def _described(returncode: int) -> str:
    if returncode >= 0:
        return f"code {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:  # a real-time signal: SIGRTMIN+1 and on have no name
        name = f"signal {-returncode}"
    return f"code {_exit_code(returncode)} (killed by {name})"
