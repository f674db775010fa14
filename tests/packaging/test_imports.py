"""What ``import a2a_kafka``, ``a2a-kafka --version`` and ``--help`` load: no demo, no extra.

(Importing the transport itself loads whatever optional modules a2a-sdk finds installed, e.g.
``a2a.utils.errors`` imports starlette when it is there; that it works without them is
shown by the wheel test, in a virtual environment that has none.)
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FORBIDDEN = ("game_balance", "sqlalchemy", "starlette", "uvicorn")

DUMP_MODULES = "import json, sys; print(json.dumps(sorted(sys.modules)), file=sys.stderr)"


def loaded_after(code: str) -> list[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\n{DUMP_MODULES}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    modules: list[str] = json.loads(done.stderr.strip().splitlines()[-1])
    return modules


def forbidden(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in FORBIDDEN]


def test_import_a2a_kafka_loads_no_demo_and_no_extra() -> None:
    modules = loaded_after("import a2a_kafka")
    assert "a2a_kafka" in modules
    assert forbidden(modules) == []


COMMAND = """
import contextlib, io
from a2a_kafka.cli.main import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main([{option!r}])
    except SystemExit as exc:
        assert exc.code == 0, exc.code
"""


@pytest.mark.parametrize("option", ["--version", "--help"])
def test_version_and_help_load_no_demo_and_no_extra(option: str) -> None:
    modules = loaded_after(COMMAND.format(option=option))
    assert "a2a_kafka.cli.main" in modules
    assert forbidden(modules) == []
