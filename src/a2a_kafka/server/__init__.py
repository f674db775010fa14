"""Server side of the binding: `KafkaConsumerHandler` and what it stands on.

Internal package: its modules are not part of the public API; use what `a2a_kafka` exports.
"""
