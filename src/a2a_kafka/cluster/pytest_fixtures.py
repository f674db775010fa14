"""pytest fixtures for tests of shared task state: ``postgres_url``, ``database_url``.

Import them into a ``conftest.py``::

    from a2a_kafka.cluster.pytest_fixtures import database_url, postgres_url

- ``postgres_url`` (session): ``A2A_KAFKA_POSTGRES_URL``, else the project's
  private cluster (``scripts/postgres url``, started with ``scripts/postgres
  start`` when it is not running). When there is none, tests using it *fail*
  under ``CI=true`` and are skipped elsewhere, with the reason.
- ``database_url``: parametrized, a fresh SQLite file and PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

POSTGRES_URL_ENV = "A2A_KAFKA_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_url(pytestconfig: pytest.Config) -> str:
    """The SQLAlchemy URL of a running PostgreSQL database."""
    if url := os.environ.get(POSTGRES_URL_ENV):
        return url
    script = pytestconfig.rootpath / "scripts" / "postgres"
    if not script.exists():
        _unavailable(f"{POSTGRES_URL_ENV} is not set and {script} does not exist")
    errors = ""
    for action in ("url", "start"):
        done = subprocess.run(
            [str(script), action], capture_output=True, text=True, timeout=300, check=False
        )
        if done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip().splitlines()[-1]
        errors = done.stderr.strip()[-500:]
    return _unavailable(f"`scripts/postgres start` failed: {errors}")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database for shared task state: a SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def _unavailable(reason: str) -> NoReturn:
    message = f"no PostgreSQL for the tests: {reason}"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
