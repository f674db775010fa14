"""Shared test setup: the a2a-kafka pytest plugin (``kafka_config``, ``unique_names``)."""

pytest_plugins = ["a2a_kafka.pytest_plugin"]
