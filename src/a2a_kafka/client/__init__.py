"""Client side of the binding: `KafkaTransport` and what it stands on.

Internal package: its modules are not part of the public API; use what `a2a_kafka` exports.
"""
