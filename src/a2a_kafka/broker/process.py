"""The broker's operating-system process: is it alive and ours, and ending it.

A pid alone is not trusted: a process counts as the broker only when its
command line names ``kafka.Kafka`` and the broker's own ``server.properties``,
so a recycled pid is never signalled.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path


def spawn(command: list[str], log_file: Path, *, detach: bool) -> int:
    """Start ``command`` with stdout and stderr to ``log_file`` (truncated); return its pid.

    ``detach`` starts it in a new session, so it outlives the caller and its
    terminal's signals. No `subprocess.Popen` object is kept: the process is
    tracked by pid, and `is_broker` reaps it when it is our child.
    """
    log = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        actions = [
            (os.POSIX_SPAWN_DUP2, null, 0),
            (os.POSIX_SPAWN_DUP2, log, 1),
            (os.POSIX_SPAWN_DUP2, log, 2),
        ]
        pid = os.posix_spawn(command[0], command, os.environ, file_actions=actions, setsid=detach)
    finally:
        os.close(log)
        os.close(null)
    _await_exec(pid)
    return pid


async def run(*command: str) -> tuple[int, str]:
    """Run ``command`` to its end, stdin closed; return its exit code and its output.

    The output is stdout and stderr together, decoded leniently.
    """
    proc = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, output.decode(errors="replace")


def _await_exec(pid: int, within: float = 5.0) -> None:
    """Wait until ``pid`` shows its new command line (or is gone).

    posix_spawn returns while the child is still inside execve, when
    ``/proc/<pid>/cmdline`` is briefly empty; `is_broker` would then say no.
    """
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes():
                return
        except OSError:
            return
        time.sleep(0.001)


def is_broker(pid: int, properties: Path) -> bool:
    """True when ``pid`` is a live (not zombie) ``kafka.Kafka`` run of ``properties``."""
    _reap(pid)
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state != "Z" and b"kafka.Kafka" in cmdline and os.fsencode(properties) in cmdline


async def terminate(pid: int, properties: Path, grace: float) -> None:
    """SIGTERM the broker ``pid``; SIGKILL it if still alive after ``grace`` seconds.

    Returns when the process is gone. Does nothing if ``pid`` is not the broker.
    """
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
        if not is_broker(pid, properties):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        if await _gone(pid, properties, wait):
            return


async def _gone(pid: int, properties: Path, within: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while is_broker(pid, properties):
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(0.05)
    return True


def _reap(pid: int) -> None:
    """Collect ``pid``'s exit status if it is our own finished child."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
