"""Is the task state of an agent's group shared? Each instance says which one it uses.

Every instance of an agent puts the fingerprint of its state in the client id
of its group consumer (``<client id>.state-<fingerprint>``), which the broker
shows to anyone describing the group (``a2a-kafka status`` does). The
fingerprint is the random id stored in the shared database
(`a2a_kafka.cluster.dedupe_store.state_fingerprint`): instances on one PostgreSQL
database, or on one SQLite file, share it; two files, two databases or an
in-memory store (``memory-<instance>``) do not.

`StateCheck` describes the group every `CHECK_INTERVAL` seconds. When the
members advertise different fingerprints it logs one loud error line (again
when the set changes, and once when it is resolved), and `conflict` says why,
for the request processor to put in the error of a task operation it cannot
answer correctly (a task "not found" here may live in another instance's state).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient

from a2a_kafka.config import KafkaConfig
from a2a_kafka.monitoring import describe_group, fingerprint_in

logger = logging.getLogger(__name__)

CHECK_INTERVAL = 3.0
"""Seconds between two looks at the group: a mismatch is reported within ~2 intervals."""


def client_id_with(client_id: str, fingerprint: str) -> str:
    """The group consumer's client id that advertises ``fingerprint``."""
    return f"{client_id}.state-{fingerprint}"


def conflict_of(agent: str, fingerprints: Iterable[str]) -> str | None:
    """Why the group's members do not share one state, or None when they do."""
    found = sorted(set(fingerprints))
    if len(found) <= 1:
        return None
    return (
        f"the instances of agent {agent!r} do not share one task state (state fingerprints "
        f"{', '.join(found)}): each sees only its own tasks; give every instance the same "
        "--state postgresql://... (A2A_KAFKA_STATE_URL), or run them on one machine with "
        "the default state folder"
    )


class StateCheck:
    """Watches one agent's consumer group for members with another state."""

    def __init__(self, config: KafkaConfig, agent: str, group_id: str) -> None:
        self._config = config
        self._agent = agent
        self._group = group_id
        self.conflict: str | None = None
        """Why the group's state is not shared; None while it is (or is not known)."""

    async def fingerprints(self, admin: AIOKafkaAdminClient) -> list[str]:
        """The fingerprints the group's members advertise now."""
        description = await describe_group(admin, self._group)
        return [fingerprint_in(str(m.get("client_id", ""))) for m in description.get("members", [])]

    async def run(self) -> None:
        """Look every `CHECK_INTERVAL` seconds until cancelled; failures are retried."""
        admin = self._config.kafka.admin(**self._config.client_options())
        started = False
        try:
            while True:
                try:
                    if not started:
                        await admin.start()
                        started = True
                    self._update(conflict_of(self._agent, await self.fingerprints(admin)))
                except Exception as exc:  # broker away: keep the last verdict, look again
                    logger.debug("state check of %s: %r", self._agent, exc)
                await asyncio.sleep(CHECK_INTERVAL)
        finally:
            if started:
                await admin.close()

    def _update(self, conflict: str | None) -> None:
        if conflict == self.conflict:
            return
        if conflict is not None:
            logger.error("STATE NOT SHARED: %s", conflict)
        else:
            logger.warning("agent %s: every instance now shares one task state", self._agent)
        self.conflict = conflict
