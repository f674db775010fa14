"""The ``a2a-kafka`` wheel alone: only the library, the two base dependencies, the quickstart.

Builds the wheel from this checkout, installs it (pinned by constraints.txt) into a fresh
virtual environment and runs the README's quickstart with that environment's Python
against the test session's broker.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
import venv
import zipfile
from pathlib import Path

from a2a_kafka import KafkaConfig

ROOT = Path(__file__).resolve().parents[2]
EXTRAS_ONLY = frozenset(
    {"sqlalchemy", "uvicorn", "starlette", "sse-starlette", "asyncpg", "psycopg", "psycopg2"}
    | {"psycopg2-binary", "aiosqlite", "game-balance"}
)
"""Distributions that only an extra (or the demo) may bring."""


def run(*argv: str | Path, **options: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [str(a) for a in argv], capture_output=True, text=True, check=True, **options
    )


def build_wheel(out: Path) -> Path:
    """This checkout's a2a-kafka wheel (hatchling from the dev environment, no network)."""
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "--quiet", "-w", out, ROOT, timeout=300)  # fmt: skip
    (wheel,) = out.glob("a2a_kafka-*.whl")
    return wheel


def test_the_wheel_installs_only_the_transport_and_runs_the_quickstart(
    kafka_config: KafkaConfig, tmp_path: Path
) -> None:
    wheel = build_wheel(tmp_path / "dist")
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"a2a_kafka"}

    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "-c", ROOT / "constraints.txt", wheel, timeout=600)  # fmt: skip
    listed = run(python, "-m", "pip", "list", "--format=freeze").stdout.lower()
    installed = {line.split("==")[0] for line in listed.splitlines()}
    assert {"a2a-kafka", "a2a-sdk", "aiokafka"} <= installed
    assert installed.isdisjoint(EXTRAS_ONLY), installed & EXTRAS_ONLY

    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_config.bootstrap_servers,
        "A2A_KAFKA_TOPIC_PREFIX": f"whl{uuid.uuid4().hex[:8]}.",
        "PYTHONPATH": "",
    }
    done = run(python, ROOT / "examples" / "quickstart.py", env=env, cwd=tmp_path, timeout=120)
    assert done.stdout.strip() == "HI"
    version = run(env_dir / "bin" / "a2a-kafka", "--version", env=env, cwd=tmp_path)
    assert version.stdout.startswith("a2a-kafka ")

    # serve's shared task state needs an extra: without it, one clear error and the way out
    serve = [env_dir / "bin" / "a2a-kafka", "serve", "quickstart:shouter", "--app-dir"]
    refused = subprocess.run(
        [str(a) for a in [*serve, ROOT / "examples"]],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert refused.returncode == 1, refused.stderr
    assert "pip install 'a2a-kafka[sqlite]'" in refused.stderr
    assert "--state memory" in refused.stderr
    assert "Traceback" not in refused.stderr
