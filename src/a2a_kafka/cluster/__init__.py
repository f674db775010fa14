"""Several instances of one agent: shared task state, task events over Kafka.

::

    database      the shared database's URL and engine (SQLite or PostgreSQL)
    dedupe_store  DatabaseDedupeStore: dedupe claims in a table of that database
    event_stream  KafkaTaskEventStream: a2a's TaskEventStream over a Kafka topic
    interrupted   TaskInterrupter: the task of a run cut off by a crash ends FAILED
    remote_cancel RemoteCancellation: stop a task cancelled on another instance
    state         SharedTaskState: all of it wired for a2a and KafkaConsumerHandler

Needs SQLAlchemy: ``pip install 'a2a-kafka[sqlite]'`` or ``'a2a-kafka[postgresql]'``.

Internal package: its modules are not part of the public API; use what `a2a_kafka` exports.
"""

from a2a_kafka.cluster.database import (
    DATABASE_URL_ENV,
    STATE_URL_ENV,
    create_engine,
    database_url,
)
from a2a_kafka.cluster.event_stream import KafkaTaskEventStream, task_events_topic
from a2a_kafka.cluster.remote_cancel import RemoteCancellation
from a2a_kafka.cluster.state import SharedTaskState

__all__ = [
    "DATABASE_URL_ENV",
    "STATE_URL_ENV",
    "KafkaTaskEventStream",
    "RemoteCancellation",
    "SharedTaskState",
    "create_engine",
    "database_url",
    "task_events_topic",
]
