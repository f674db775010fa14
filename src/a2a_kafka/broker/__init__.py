"""The local Apache Kafka broker: assembled from Maven Central, run as a KRaft node.

For development and tests only; production uses a real cluster (set
``KAFKA_BOOTSTRAP_SERVERS``). Modules::

    layout        where jars, data, logs and state live; ports
    jars          find Java; fetch the classpath with Maven (once, cached)
    config_files  server.properties, log4j config, storage formatting
    security      secured listeners for tests: SASL/SCRAM users, TLS, ACL checks
    tls           a throwaway CA and the broker's keystore, made with keytool
    process       is the pid our broker; SIGTERM then SIGKILL
    probe         does the port answer a Kafka ApiVersions request
    local         LocalBroker: start / stop / status
"""

from a2a_kafka.broker.layout import (
    DEFAULT_PORT,
    KAFKA_VERSION,
    BrokerLayout,
    resolve_controller_port,
    resolve_port,
)
from a2a_kafka.broker.local import BrokerStatus, LocalBroker

__all__ = [
    "DEFAULT_PORT",
    "KAFKA_VERSION",
    "BrokerLayout",
    "BrokerStatus",
    "LocalBroker",
    "resolve_controller_port",
    "resolve_port",
]
