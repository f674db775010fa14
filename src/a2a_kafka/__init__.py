"""a2a-kafka: the A2A (Agent2Agent) protocol carried over Apache Kafka."""

from a2a_kafka import lenient_records
from a2a_kafka.client.connect import KafkaClients
from a2a_kafka.client.requester import Requester
from a2a_kafka.client.transport import KafkaTransport
from a2a_kafka.cluster import KafkaTaskEventStream, SharedTaskState
from a2a_kafka.config import KafkaConfig, SecurityConfig
from a2a_kafka.errors import (
    A2AKafkaError,
    AgentNotFoundError,
    BrokerAuthenticationError,
    BrokerError,
    ConfigurationError,
    KafkaTimeoutError,
    KafkaTransportError,
    LocalBrokerError,
)
from a2a_kafka.registry import (
    KAFKA_PROTOCOL_BINDING,
    AgentRegistry,
    kafka_interface,
    kafka_url,
    with_kafka_interface,
)
from a2a_kafka.server.handler import KafkaConsumerHandler

lenient_records.install()  # every consumer of this project reads records of any bytes

__all__ = [
    "KAFKA_PROTOCOL_BINDING",
    "A2AKafkaError",
    "AgentNotFoundError",
    "AgentRegistry",
    "BrokerAuthenticationError",
    "BrokerError",
    "ConfigurationError",
    "KafkaClients",
    "KafkaConfig",
    "KafkaConsumerHandler",
    "KafkaTaskEventStream",
    "KafkaTimeoutError",
    "KafkaTransport",
    "KafkaTransportError",
    "LocalBrokerError",
    "Requester",
    "SecurityConfig",
    "SharedTaskState",
    "kafka_interface",
    "kafka_url",
    "with_kafka_interface",
]
