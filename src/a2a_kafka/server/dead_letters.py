"""Dead letters: request records nobody could answer, kept on ``agent.<name>.requests.dlq``.

A dead letter is the original record (same key, same value, same headers) plus
headers that say why it is there:

=============================== ===============================================
``a2a-kafka-dlq-error-type``    the failure's class name, e.g. ``MalformedRecordError``
``a2a-kafka-dlq-error-message`` the failure, one line
``a2a-kafka-dlq-topic``         the topic the record was read from
``a2a-kafka-dlq-partition``     its partition (decimal)
``a2a-kafka-dlq-offset``        its offset (decimal)
``a2a-kafka-dlq-attempts``      how many times processing was tried
``a2a-kafka-dlq-time``          when it was dead-lettered, Unix ms
``a2a-kafka-dlq-replays``       how many times it was replayed before (absent: never)
=============================== ===============================================

A batch that cannot be read at all (`a2a_kafka.lenient_records`) is dead-lettered as
its placeholder: no key, and as value the JSON object `placeholder` makes, naming
the topic, partition and offsets lost and why (the headers as above).

What goes there: records without a reply address or with undecodable headers
(at once: retrying cannot help), and requests whose retriable steps (producing
the reply, the dedupe store) still failed after the `RetryPolicy`. Malformed
requests that *do* have a reply address are answered with a JSON-RPC error
instead and are not dead-lettered: their caller has its terminal outcome, and
replaying them could only produce the same error.

Credentials are not kept: the value of every header in ``secret_headers``
(``Authorization``, API-key headers) is replaced by ``[redacted]``, so a dead
letter of an agent that authenticates callers is rejected when replayed
(`UnauthenticatedError`) instead of running with a credential nobody should
have read.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from a2a_kafka.wire import Headers

DLQ_PREFIX = "a2a-kafka-dlq-"
ERROR_TYPE = "a2a-kafka-dlq-error-type"
ERROR_MESSAGE = "a2a-kafka-dlq-error-message"
ORIGINAL_TOPIC = "a2a-kafka-dlq-topic"
ORIGINAL_PARTITION = "a2a-kafka-dlq-partition"
ORIGINAL_OFFSET = "a2a-kafka-dlq-offset"
ATTEMPTS = "a2a-kafka-dlq-attempts"
TIME = "a2a-kafka-dlq-time"
REPLAYS = "a2a-kafka-dlq-replays"

_MAX_MESSAGE = 1000
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key"})
"""Lower-cased names of headers whose values are never dead-lettered."""
REDACTED = b"[redacted]"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A record read back from a dead-letter topic."""

    partition: int
    """Its partition in the dead-letter topic."""
    offset: int
    """Its offset in the dead-letter topic."""
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    """Every header: the original request's and the ``a2a-kafka-dlq-*`` ones."""

    def annotation(self, name: str) -> str:
        """The value of header ``name`` (text), or ``""``."""
        for header, raw in self.headers:
            if header == name and isinstance(raw, bytes):  # any bytes: a value may be null
                return raw.decode(errors="replace")
        return ""

    @property
    def error_type(self) -> str:
        return self.annotation(ERROR_TYPE)

    @property
    def error_message(self) -> str:
        return self.annotation(ERROR_MESSAGE)

    @property
    def attempts(self) -> int:
        return _int(self.annotation(ATTEMPTS))

    @property
    def replays(self) -> int:
        return _int(self.annotation(REPLAYS))

    @property
    def origin(self) -> str:
        """``topic/partition@offset`` of the original record."""
        return (
            f"{self.annotation(ORIGINAL_TOPIC)}/{self.annotation(ORIGINAL_PARTITION)}"
            f"@{self.annotation(ORIGINAL_OFFSET)}"
        )

    def request_headers(self) -> list[tuple[str, bytes]]:
        """The original request's headers, with the replay count raised by one."""
        kept = [(n, v) for n, v in self.headers if not n.startswith(DLQ_PREFIX)]
        return [*kept, (REPLAYS, str(self.replays + 1).encode())]


def dead_letter_headers(
    record: Any,
    error_type: str,
    message: str,
    attempts: int,
    *,
    now: float | None = None,
    secret_headers: frozenset[str] = SECRET_HEADERS,
) -> list[tuple[str, bytes]]:
    """The headers of the dead letter of ``record`` (an aiokafka `ConsumerRecord`)."""
    original: Headers = record.headers or ()
    kept = [
        (n, REDACTED if str(n).lower() in secret_headers else v)
        for n, v in original
        if not n.startswith(DLQ_PREFIX) or n == REPLAYS
    ]
    one_line = " ".join(message.split())[:_MAX_MESSAGE]
    return [
        *kept,
        (ERROR_TYPE, error_type.encode()),
        (ERROR_MESSAGE, one_line.encode()),
        (ORIGINAL_TOPIC, str(record.topic).encode()),
        (ORIGINAL_PARTITION, str(record.partition).encode()),
        (ORIGINAL_OFFSET, str(record.offset).encode()),
        (ATTEMPTS, str(attempts).encode()),
        (TIME, str(int((now or time.time()) * 1000)).encode()),
    ]


def placeholder(record: Any, reason: str) -> bytes:
    """The dead letter's value for the placeholder ``record`` of unreadable records."""
    where = {"topic": record.topic, "partition": record.partition, "offset": record.offset}
    return json.dumps({**where, "reason": reason, "unreadable": True}).encode()


def from_record(record: Any) -> DeadLetter:
    """A `DeadLetter` from a consumed record."""
    headers: Sequence[tuple[str, bytes]] = record.headers or ()
    return DeadLetter(record.partition, record.offset, record.key, record.value, tuple(headers))


def _int(text: str) -> int:
    return int(text) if text.isascii() and text.isdigit() else 0
