"""Shared test setup.

The a2a-kafka pytest plugin (``kafka_config``, ``secured_kafka``, ``unique_names``) is
registered by the installed package's ``pytest11`` entry point, so it needs no
``pytest_plugins`` line here (one would register it twice).

The agents' default task state (a SQLite file per agent, `a2a_kafka.cluster.database`)
goes to a folder of this test session, inherited by the processes the tests start.
"""

import os
import tempfile

from a2a_kafka.cluster.database import STATE_DIR_ENV

os.environ.setdefault(STATE_DIR_ENV, tempfile.mkdtemp(prefix="a2a-kafka-state-"))
