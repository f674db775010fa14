"""Kafka client settings under test, applied alike to the A2A binding and the raw floor.

The library's own defaults are repeated here for the floor, so that (a) and (c)
differ only by A2A processing. A `Tuning` overrides them on both sides, through
`KafkaConfig.producer_options` / `consumer_options` for the library.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from a2a_kafka import KafkaConfig

LIBRARY_PRODUCER: Mapping[str, Any] = {"acks": "all", "enable_idempotence": True, "linger_ms": 0}
"""`AIOKafkaProducer` options the library sets (requester and server alike)."""

LIBRARY_CONSUMER: Mapping[str, Any] = {"fetch_max_wait_ms": 100}
"""`AIOKafkaConsumer` options the library sets (reply router and server alike)."""


@dataclass(frozen=True, slots=True)
class Tuning:
    """Overrides of the library's Kafka client settings."""

    name: str = "library defaults"
    producer: Mapping[str, Any] = field(default_factory=dict)
    consumer: Mapping[str, Any] = field(default_factory=dict)
    experiments: tuple[str, ...] = ()
    """Names of `bench.experiments` patches applied in every process."""

    def with_experiments(self, names: list[str]) -> Tuning:
        """These settings plus the named experiments."""
        if not names:
            return self
        label = f"{self.name} + {', '.join(names)}"
        return Tuning(label, self.producer, self.consumer, (*self.experiments, *names))

    def apply(self, config: KafkaConfig) -> KafkaConfig:
        """``config`` with the producer and consumer overrides in its escape-hatch options.

        Every client the library makes for ``config`` gets them (`KafkaConfig.producer_kwargs`
        and `consumer_kwargs` let those options win); nothing is patched.
        """
        return config.with_(
            producer_options={**config.producer_options, **self.producer},
            consumer_options={**config.consumer_options, **self.consumer},
        )

    def install(self) -> None:
        """In this process: the experiments (candidate library changes), patched in."""
        from bench import experiments

        experiments.apply(list(self.experiments))

    def producer_options(self) -> dict[str, Any]:
        """The floor's producer options: the library's, overridden."""
        return {**LIBRARY_PRODUCER, **self.producer}

    def consumer_options(self) -> dict[str, Any]:
        """The floor's consumer options: the library's, overridden."""
        return {**LIBRARY_CONSUMER, **self.consumer}

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "producer": dict(self.producer),
            "consumer": dict(self.consumer),
            "experiments": list(self.experiments),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> Tuning:
        data = json.loads(text)
        return cls(data["name"], data["producer"], data["consumer"], tuple(data["experiments"]))


DEFAULT = Tuning()

PRESETS: dict[str, Tuning] = {
    "default": DEFAULT,
    "fetch-wait-10": Tuning("fetch_max_wait_ms=10", consumer={"fetch_max_wait_ms": 10}),
    "fetch-wait-500": Tuning("fetch_max_wait_ms=500", consumer={"fetch_max_wait_ms": 500}),
    "acks-1": Tuning("acks=1, no idempotence", {"acks": 1, "enable_idempotence": False}),
    "linger-1": Tuning("linger_ms=1", {"linger_ms": 1}),
    "linger-5": Tuning("linger_ms=5", {"linger_ms": 5}),
}
"""Named tunings for ``--tuning``."""
