"""docs/configuration.md lists every environment variable that a2a-kafka reads, as it reads it.

The variables are found in the code, not in a list kept beside it: `KafkaConfig.from_env` is run
on a mapping that records every name it looks up, and every module of ``src/`` is scanned (with
`ast`) for names in environment-reading positions (``os.environ.get("X")``, ``env.get("X")``,
``os.environ["X"]``, ``os.getenv("X")``) and for string constants that are ``A2A_KAFKA_*``,
``KAFKA_*`` or ``GAME_BALANCE_*`` names (e.g. ``DATABASE_URL_ENV = "A2A_KAFKA_DATABASE_URL"``).
"""

from __future__ import annotations

import ast
import contextlib
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from deploy_helpers import ROOT, configuration_table

from a2a_kafka.cluster.database import DATABASE_URL_ENV, DEFAULT_DATABASE_URL
from a2a_kafka.config import _ENV_FIELDS, KafkaConfig, SecurityConfig
from a2a_kafka.errors import ConfigurationError

_PREFIXED = re.compile(r"(A2A_KAFKA|KAFKA|GAME_BALANCE)_[A-Z0-9_]+")
_CAPS = re.compile(r"[A-Z][A-Z0-9_]*")
_ENV_METHODS = {"get", "getenv", "pop", "setdefault"}

PENDING: set[str] = set()
"""Listed before the code reads them (none now)."""


class RecordingEnv(Mapping[str, str]):
    """An environment that remembers every name looked up in it."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return self._values[key]

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self.read.add(key)
        return self._values.get(key, default)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.read.add(key)
        return key in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def from_env_reads() -> set[str]:
    """Every variable `KafkaConfig.from_env` reads: plain, SCRAM over TLS, and MSK IAM."""
    profiles = [
        {},
        {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512"},
        {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "AWS_MSK_IAM"},
    ]
    read: set[str] = set()
    for values in profiles:
        env = RecordingEnv(values)
        # No credentials, or no MSK signer installed: the names were still read.
        with contextlib.suppress(ConfigurationError):
            KafkaConfig.from_env(env)
        read |= env.read
    return read


SOURCES = (ROOT / "src", ROOT / "demo" / "src")
"""The two distributions' code: the library and the demo."""


def source_reads(roots: tuple[Path, ...] = SOURCES) -> dict[str, list[str]]:
    """Environment variable names in ``roots``' modules, with the files that name them."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for root in roots for p in root.rglob("*.py")):
        root = next(r for r in roots if path.is_relative_to(r))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        exported = _exported_names(tree)
        for name in _names_in(tree) - exported:
            found.setdefault(name, []).append(str(path.relative_to(root)))
    return found


def _names_in(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _PREFIXED.fullmatch(node.value):
                names.add(node.value)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
            method = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if method in _ENV_METHODS and node.args:
                names |= _literal_caps(node.args[0])
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            names |= _literal_caps(node.slice)
    return names


def _literal_caps(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value} if _CAPS.fullmatch(node.value) else set()
    return set()


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id in ("environ", "env", "e")
    )


def _exported_names(tree: ast.Module) -> set[str]:
    """Names in ``__all__`` (Python identifiers such as ``KAFKA_VERSION``, not variables)."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return {
                e.value
                for e in ast.walk(node.value)
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            }
    return set()


def test_every_variable_from_env_reads_is_in_the_table() -> None:
    read = from_env_reads()
    assert {"KAFKA_BOOTSTRAP_SERVERS", "KAFKA_SASL_PASSWORD", "AWS_REGION"} <= read
    missing = sorted(read - configuration_table().keys())
    assert not missing, f"KafkaConfig.from_env reads {missing}; add them to docs/configuration.md"


def test_every_variable_read_in_src_is_in_the_table() -> None:
    found = source_reads()
    # The scan finds readers in every corner of src/, not only config.py.
    assert {"A2A_KAFKA_HOME", "A2A_KAFKA_DATABASE_URL", "GAME_BALANCE_DATA_DIR", "CI"} <= set(found)
    table = configuration_table()
    missing = {name: files for name, files in found.items() if name not in table}
    assert not missing, f"read in src/ but not in docs/configuration.md: {missing}"


def test_the_scan_finds_a_new_reader(tmp_path: Path) -> None:
    """The check above fails for a variable someone adds to the code (here, in a scratch tree)."""
    module = tmp_path / "src" / "new_feature.py"
    module.parent.mkdir()
    module.write_text(
        "import os\n"
        'FLAG_ENV = "A2A_KAFKA_SOMETHING_NEW"\n'
        'def f(env):\n    return os.environ.get("MY_SETTING"), env["OTHER_SETTING"]\n'
        '__all__ = ["KAFKA_NOT_A_VARIABLE"]\n'
    )
    found = source_reads((tmp_path / "src",))
    assert found == {
        name: ["new_feature.py"]
        for name in ("A2A_KAFKA_SOMETHING_NEW", "MY_SETTING", "OTHER_SETTING")
    }
    assert not found.keys() <= configuration_table().keys()


def test_every_listed_variable_is_read_somewhere() -> None:
    """No stale rows: each variable is read by src/, scripts/ or the tests (or is pending)."""
    readers = [*(p for root in SOURCES for p in root.rglob("*.py")), *(ROOT / "scripts").iterdir()]
    readers += [p for p in (ROOT / "tests").rglob("*.py") if "deploy" not in p.parts]
    text = "\n".join(p.read_text(encoding="utf-8") for p in readers if p.is_file())
    stale = sorted(n for n in configuration_table() if n not in text and n not in PENDING)
    assert not stale, f"docs/configuration.md lists variables nothing reads: {stale}"
    assert not PENDING & set(source_reads()), "a pending variable is read now: empty PENDING"


@pytest.mark.parametrize(("field", "variable", "kind"), _ENV_FIELDS)
def test_the_table_gives_kafka_configs_defaults(field: str, variable: str, kind: type) -> None:
    default = getattr(KafkaConfig(), field)
    cell = configuration_table()[variable].default
    if default is None:  # no value: the cell says what happens instead
        assert cell.startswith("—"), variable
        return
    assert cell == (f"`{default}`" if default != "" else "(empty)"), variable


def test_the_table_gives_the_other_defaults() -> None:
    table = configuration_table()
    assert table["KAFKA_SECURITY_PROTOCOL"].default == f"`{SecurityConfig().protocol}`"
    assert table[DATABASE_URL_ENV].default == f"`{DEFAULT_DATABASE_URL}`"
    for variable in ("KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"):
        assert table[variable].default == "—", variable


def test_every_variable_a_user_sets_for_msk_is_one_from_env_reads() -> None:
    """The MSK column names no setting that KafkaConfig would ignore."""
    table = configuration_table()
    read = from_env_reads()
    connection = [n for n, row in table.items() if n.startswith("KAFKA_") and row.msk != "—"]
    assert connection
    assert set(connection) <= read
