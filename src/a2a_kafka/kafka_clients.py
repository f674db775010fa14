"""The one place a2a-kafka builds its aiokafka clients: `KafkaClientFactory` (public).

Every producer, consumer and admin client of the library is made by the factory of its
`KafkaConfig` (``config.kafka``): `AIOKAFKA`, aiokafka's own classes, unless the config's
``client_factory`` names another. Tests, benchmarks and tools swap the factory instead of
patching module globals::

    config = KafkaConfig.from_env(client_factory=MyFactory())

(`a2a_kafka.memory_kafka.MemoryKafka` is an in-memory one for unit tests; integration
tests use the real broker.) Each method takes the keyword arguments aiokafka's
constructor would, built by `KafkaConfig.producer_kwargs` and friends. Importing this
module (as `a2a_kafka.config` does) installs `a2a_kafka.lenient_records`.
"""

from __future__ import annotations

from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from a2a_kafka import lenient_records

lenient_records.install()  # every consumer of this project reads records of any bytes


class KafkaClientFactory(Protocol):
    """Makes the aiokafka clients of a config (not started)."""

    def producer(self, **options: Any) -> AIOKafkaProducer:
        """A producer, as ``AIOKafkaProducer(**options)``."""
        ...

    def consumer(self, *topics: str, **options: Any) -> AIOKafkaConsumer:
        """A consumer, as ``AIOKafkaConsumer(*topics, **options)``."""
        ...

    def admin(self, **options: Any) -> AIOKafkaAdminClient:
        """An admin client, as ``AIOKafkaAdminClient(**options)``."""
        ...


class AIOKafkaFactory:
    """aiokafka's own clients: the default factory."""

    def producer(self, **options: Any) -> AIOKafkaProducer:
        return AIOKafkaProducer(**options)

    def consumer(self, *topics: str, **options: Any) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(*topics, **options)

    def admin(self, **options: Any) -> AIOKafkaAdminClient:
        return AIOKafkaAdminClient(**options)


AIOKAFKA = AIOKafkaFactory()
"""The factory of every config that names none."""
