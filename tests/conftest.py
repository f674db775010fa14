"""Shared test setup.

The a2a-kafka pytest plugin (``kafka_config``, ``secured_kafka``, ``unique_names``) is
registered by the installed package's ``pytest11`` entry point, so it needs no
``pytest_plugins`` line here (one would register it twice).
"""
