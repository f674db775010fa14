"""`LocalBroker`: start, stop and inspect the project's single-node Kafka broker.

The broker is a real Apache Kafka (`KAFKA_VERSION`) KRaft node, combined
broker and controller, listening on 127.0.0.1 only. Its pid, ports and log
path live in ``<home>/broker.json``; concurrent starts of one home are
serialized by a file lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from a2a_kafka.broker import probe, process
from a2a_kafka.broker.config_files import ensure_formatted, write_configs
from a2a_kafka.broker.errors import broker_error, tail
from a2a_kafka.broker.jars import ensure_jars, find_java
from a2a_kafka.broker.layout import HOST, KAFKA_VERSION, BrokerLayout, port_in_use
from a2a_kafka.broker.security import BrokerSecurity
from a2a_kafka.broker.tls import make_tls_files
from a2a_kafka.config import KafkaConfig

JVM_OPTIONS = ("-Xms256m", "-Xmx1g", "-XX:+UseG1GC", "-Djava.awt.headless=true")
"""Heap and GC settings of the broker JVM, sized for a 2-core machine."""

_VERSION_LINE = re.compile(rb"Kafka version: (\S+)")


@dataclass(frozen=True, slots=True)
class BrokerStatus:
    """What `LocalBroker` knows about its broker."""

    running: bool
    """A broker process started from this home is alive."""

    answering: bool
    """The broker answered a Kafka request on its port."""

    bootstrap_servers: str
    """``127.0.0.1:<port>``: where clients connect."""

    pid: int | None
    """The broker's process id while it runs."""

    version: str
    """The Kafka version, from the broker's log line ``Kafka version: ...`` when present."""

    log_file: Path
    """The broker's log."""

    started: bool = False
    """`LocalBroker.start` started it now (False: it was already running)."""

    elapsed: float = 0.0
    """Seconds `LocalBroker.start` took."""

    def config(self, **overrides: Any) -> KafkaConfig:
        """A `KafkaConfig` for this broker (other fields from the environment)."""
        return KafkaConfig.from_env(bootstrap_servers=self.bootstrap_servers, **overrides)


class LocalBroker:
    """The local broker of one `BrokerLayout`.

    ``port``/``controller_port`` are used when the broker is started; a broker
    that is already running keeps the ports it was started with.
    ``detach=True`` puts the broker in its own session so it outlives the
    starting process (the CLI); otherwise it shares the caller's terminal
    signals (Ctrl-C stops both). ``security`` adds secured listeners (SASL/SCRAM,
    TLS) next to the PLAINTEXT one; their TLS files are made anew in
    ``layout.tls_dir`` on every start.
    """

    def __init__(
        self,
        layout: BrokerLayout,
        port: int,
        controller_port: int | None = None,
        *,
        detach: bool = True,
        security: BrokerSecurity | None = None,
    ) -> None:
        self.layout = layout
        self.port = port
        self.controller_port = controller_port or port + 1
        self.detach = detach
        self.security = security

    async def start(self, ready_within: float = 120.0) -> BrokerStatus:
        """Start the broker and return once it answers requests.

        Idempotent: when this home's broker already runs, waits until it answers
        and returns its status with ``started=False``. Raises `LocalBrokerError`
        with a one-line remedy (and the log's tail when the JVM died) on failure;
        a process it started and that failed to become ready is stopped again.
        """
        began = time.monotonic()
        deadline = asyncio.get_running_loop().time() + ready_within
        async with self._locked():
            state = self._live_state()
            if state is None:
                await self._launch(deadline)
            else:
                await self._await_ready(int(state["pid"]), int(state["port"]), deadline)
        status = await self.status()
        return _replace_timing(status, started=state is None, began=began)

    async def stop(self, grace: float = 20.0) -> bool:
        """Stop the broker started from this home; True if one was running.

        Sends SIGTERM, then SIGKILL after ``grace`` seconds; returns when the
        process is gone. Ends only the process recorded in ``broker.json`` and
        only if it still is that broker.
        """
        async with self._locked():
            state = self._live_state()
            if state is not None:
                await process.terminate(int(state["pid"]), self.layout.properties, grace)
            self.layout.state_file.unlink(missing_ok=True)
            return state is not None

    async def status(self) -> BrokerStatus:
        """The broker's current status (one ApiVersions probe when it runs)."""
        state = self._live_state()
        port = int(state["port"]) if state else self.port
        answering = state is not None and await probe.answers(HOST, port, within=2.0)
        return BrokerStatus(
            running=state is not None,
            answering=answering,
            bootstrap_servers=f"{HOST}:{port}",
            pid=int(state["pid"]) if state else None,
            version=self._logged_version() or KAFKA_VERSION,
            log_file=self.layout.log_file,
        )

    async def _launch(self, deadline: float) -> None:
        java = find_java()
        self._check_ports()
        await ensure_jars(self.layout.lib)
        tls = None
        if self.security is not None and self.security.needs_tls:
            tls = await make_tls_files(self.layout.tls_dir, java)
        write_configs(self.layout, self.port, self.controller_port, self.security, tls)
        await ensure_formatted(self.layout, java, self.port, self.controller_port, self.security)
        pid = self._spawn(java)
        self._write_state(pid)
        try:
            await self._await_ready(pid, self.port, deadline)
        except BaseException:
            await process.terminate(pid, self.layout.properties, grace=5.0)
            self.layout.state_file.unlink(missing_ok=True)
            raise

    def _check_ports(self) -> None:
        secured = self.security.listeners if self.security else {}
        ports = [(self.port, "broker"), (self.controller_port, "controller")]
        ports += [(port, f"{name} listener") for name, port in secured.items()]
        for port, what in ports:
            if port_in_use(port):
                raise broker_error(
                    f"port {port} on {HOST} (for the Kafka {what}) is already in use",
                    "choose other ports with `a2a-kafka broker start --port N` or "
                    "A2A_KAFKA_PORT=N (the controller uses N+1; A2A_KAFKA_CONTROLLER_PORT "
                    "overrides it)",
                )

    def _spawn(self, java: str) -> int:
        command = [
            java,
            *JVM_OPTIONS,
            f"-Dlog4j2.configurationFile={self.layout.log4j_config}",
            "-cp",
            f"{self.layout.lib}/*",
            "kafka.Kafka",
            str(self.layout.properties),
        ]
        return process.spawn(command, self.layout.log_file, detach=self.detach)

    async def _await_ready(self, pid: int, port: int, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        while not await probe.answers(HOST, port, within=1.0):
            if not process.is_broker(pid, self.layout.properties):
                raise broker_error(
                    f"the Kafka broker (pid {pid}) exited during start-up",
                    "fix the cause shown at the end of its log (below) and retry",
                    details=self._log_tail(),
                )
            if loop.time() >= deadline:
                raise broker_error(
                    f"the Kafka broker (pid {pid}) did not answer on {HOST}:{port} in time",
                    "see the end of its log (below), then `a2a-kafka broker stop` and retry",
                    details=self._log_tail(),
                )
            await asyncio.sleep(0.1)

    def _live_state(self) -> dict[str, int] | None:
        try:
            state = json.loads(self.layout.state_file.read_text())
            pid = int(state["pid"])
            alive = process.is_broker(pid, self.layout.properties)
            return {"pid": pid, "port": int(state["port"])} if alive else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write_state(self, pid: int) -> None:
        state = {
            "pid": pid,
            "port": self.port,
            "controller_port": self.controller_port,
            "version": KAFKA_VERSION,
            "log_file": str(self.layout.log_file),
        }
        self.layout.state_file.write_text(json.dumps(state, indent=2) + "\n")

    def _logged_version(self) -> str | None:
        try:
            with self.layout.log_file.open("rb") as log:
                match = _VERSION_LINE.search(log.read(1 << 20))
        except OSError:
            return None
        return match.group(1).decode() if match else None

    def _log_tail(self) -> str:
        try:
            text = self.layout.log_file.read_text(errors="replace")
        except OSError:
            text = "(no log)"
        return f"end of {self.layout.log_file}:\n{tail(text, 20)}"

    @contextlib.asynccontextmanager
    async def _locked(self) -> AsyncIterator[None]:
        self.layout.home.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.layout.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def _replace_timing(status: BrokerStatus, *, started: bool, began: float) -> BrokerStatus:
    return replace(status, started=started, elapsed=time.monotonic() - began)
