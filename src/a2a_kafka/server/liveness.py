"""Each instance's consume-loop health on ``agent.<name>.health``, for ``a2a-kafka status``.

Every housekeeping tick (a few seconds) a `KafkaConsumerHandler` writes its `Health`
there as JSON, keyed by its instance id: ``{"state", "since_poll", "detail"}``. The
topic is compacted (one record per instance) and its records are deleted after a day.
A clean close writes a tombstone; a failed handler's last report (``failed`` and why)
stays, so ``status`` shows why an instance went away.

`read_reports` (what ``status`` shows) gives each instance's last report and its
age. An instance is ``serving``, ``stuck`` (no poll returned for
`~a2a_kafka.server.handler.STUCK_AFTER` s, 10 times the group's session timeout),
``failed``, or ``silent``: no report for `SILENT_AFTER` s, i.e. the process was
killed or its event loop is blocked. Ages compare the reporting machine's clock (the
record's timestamp) with the reader's, so clocks must agree to a few seconds (NTP).

A report that cannot be produced is logged and tried next tick: serving never waits
for it. Internal module: not part of the public API.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from a2a_kafka.config import KafkaConfig
from a2a_kafka.records import json_object, read_to_end
from a2a_kafka.topics import AgentTopics

if TYPE_CHECKING:
    from a2a_kafka.server.handler import Health

logger = logging.getLogger(__name__)

SILENT_AFTER = 30.0
"""Seconds without a report after which an instance is shown ``silent``."""
TOPIC_CONFIG = {"cleanup.policy": "compact,delete", "retention.ms": str(24 * 3600 * 1000)}


def health_topic(config: KafkaConfig, agent: str) -> str:
    """``agent.<name>.health`` (with the config's topic prefix)."""
    return AgentTopics.of(config, agent).requests.removesuffix(".requests") + ".health"


def encode(health: Health) -> bytes:
    """The report of ``health``."""
    since = round(health.since_poll, 3)
    return json.dumps(
        {"state": health.state, "since_poll": since, "detail": health.detail}
    ).encode()


@dataclass(frozen=True, slots=True)
class InstanceHealth:
    """One instance's last report, as ``a2a-kafka status`` shows it."""

    instance: str
    state: str
    """``serving``, ``stuck``, ``failed``, ``silent`` (no report for `SILENT_AFTER` s) ..."""
    since_poll: float
    """Seconds since its consume loop last polled, when it reported."""
    detail: str | None
    """Why it is stuck or failed; for ``silent``, what it last said."""
    age: float
    """Seconds since the report."""


async def read_reports(config: KafkaConfig, agents: list[str]) -> dict[str, list[InstanceHealth]]:
    """The last report of each instance of each of ``agents``, read in one pass (an agent
    whose topic does not exist has none).

    Records that are not reports (any bytes) are skipped. Raises `BrokerError`.
    """
    topics = {health_topic(config, agent): agent for agent in agents}
    last: dict[str, dict[str, Any]] = {agent: {} for agent in agents}
    async for record in read_to_end(config, list(topics)):
        key = record.key.decode(errors="replace") if record.key else ""
        last[topics[record.topic]][key] = record
    now = time.time()
    return {
        agent: [
            report
            for instance, record in sorted(records.items())
            if instance and (report := _report(instance, record, now)) is not None
        ]
        for agent, records in last.items()
    }


def _report(instance: str, record: Any, now: float) -> InstanceHealth | None:
    body = json_object(record.value)
    if body is None:  # a tombstone (a clean close) or not a report
        return None
    state, since, detail = body.get("state"), body.get("since_poll"), body.get("detail")
    if not isinstance(state, str) or not isinstance(since, int | float):
        return None
    detail = detail if isinstance(detail, str) else None
    age = max(0.0, now - record.timestamp / 1000)
    if age > SILENT_AFTER and state != "failed":
        detail, state = f"no report for {age:.0f} s; it last said {state}", "silent"
    return InstanceHealth(instance, state, float(since), detail, age)
