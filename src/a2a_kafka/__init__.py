"""a2a-kafka: the A2A (Agent2Agent) protocol carried over Apache Kafka."""

from a2a_kafka.config import KafkaConfig, SecurityConfig
from a2a_kafka.errors import (
    A2AKafkaError,
    AgentNotFoundError,
    BrokerError,
    ConfigurationError,
    KafkaTimeoutError,
    KafkaTransportError,
    LocalBrokerError,
)

__all__ = [
    "A2AKafkaError",
    "AgentNotFoundError",
    "BrokerError",
    "ConfigurationError",
    "KafkaConfig",
    "KafkaTimeoutError",
    "KafkaTransportError",
    "LocalBrokerError",
    "SecurityConfig",
]
