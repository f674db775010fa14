"""Shared test setup: the a2a-kafka pytest plugin (``kafka_config``, ``unique_names``).

The agents' default task state (a SQLite file per agent, `a2a_kafka.cluster.database`)
goes to a folder of this test session, inherited by the processes the tests start.
"""

import os
import tempfile

from a2a_kafka.cluster.database import STATE_DIR_ENV

pytest_plugins = ["a2a_kafka.pytest_plugin"]

os.environ.setdefault(STATE_DIR_ENV, tempfile.mkdtemp(prefix="a2a-kafka-state-"))
