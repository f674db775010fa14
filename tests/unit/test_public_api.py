"""The public API is visible: the root's ``__all__`` holds every type its names' signatures use.

And the demo (its own distribution) imports only public a2a-kafka modules.
"""

from __future__ import annotations

import ast
import inspect
import typing
from collections.abc import Iterator
from pathlib import Path

import a2a_kafka

PUBLIC_MODULES = {
    "a2a_kafka",
    "a2a_kafka.auth",
    "a2a_kafka.auth.cards",
    "a2a_kafka.broker",
    "a2a_kafka.cli.plugin",
    "a2a_kafka.config",
    "a2a_kafka.errors",
    "a2a_kafka.http_server",
    "a2a_kafka.kafka_clients",
    "a2a_kafka.memory_kafka",
    "a2a_kafka.msk",
    "a2a_kafka.pytest_plugin",
    "a2a_kafka.serving",
    "a2a_kafka.telemetry",
    "a2a_kafka.telemetry.logs",
    "a2a_kafka.telemetry.metrics",
    "a2a_kafka.telemetry.tracing",
    "a2a_kafka.telemetry.waterfall",
    "a2a_kafka.testing",
    "a2a_kafka.topics",
    "a2a_kafka.wire",
}
"""What the root docstring names as public (besides the root's ``__all__``)."""

DEMO = Path(__file__).resolve().parents[2] / "demo" / "src"


def hints(function: object) -> dict[str, object]:
    try:
        return typing.get_type_hints(function)
    except TypeError:  # not annotatable (e.g. a NamedTuple's generated method)
        return {}


def signatures(value: object) -> Iterator[tuple[str, object]]:
    """(where, annotation) of every parameter, return and public attribute of ``value``."""
    if inspect.isclass(value):
        for name, annotation in hints(value).items():
            if not name.startswith("_"):
                yield f"{value.__name__}.{name}", annotation
        for name, member in inspect.getmembers(value):
            if (not name.startswith("_") or name == "__init__") and callable(member):
                for param, annotation in hints(member).items():
                    if param.startswith("_"):
                        continue
                    yield f"{value.__name__}.{name}({param})", annotation
    elif callable(value):
        for param, annotation in hints(value).items():
            yield f"{getattr(value, '__name__', value)}({param})", annotation


def classes_in(annotation: object) -> Iterator[type]:
    if inspect.isclass(annotation):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from classes_in(argument)


def test_every_type_in_a_public_signature_is_exported_from_the_root() -> None:
    missing = set()
    for name in a2a_kafka.__all__:
        for where, annotation in signatures(getattr(a2a_kafka, name)):
            for cls in classes_in(annotation):
                exported = getattr(a2a_kafka, cls.__name__, None) is cls
                if cls.__module__.startswith("a2a_kafka") and not exported:
                    missing.add(f"{cls.__module__}.{cls.__qualname__} (in {where})")
    assert sorted(missing) == []


def test_all_is_sorted_and_complete() -> None:
    assert a2a_kafka.__all__ == sorted(a2a_kafka.__all__, key=lambda n: (not n.isupper(), n))
    for name in a2a_kafka.__all__:
        assert getattr(a2a_kafka, name) is not None


def test_the_demo_imports_only_public_modules() -> None:
    used = set()
    for path in DEMO.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("a2a_kafka"):
                used.add((node.module, str(path.relative_to(DEMO))))
    assert sorted((m, p) for m, p in used if m not in PUBLIC_MODULES) == []


def test_every_other_module_is_marked_internal() -> None:
    root = Path(a2a_kafka.__file__).parent
    unmarked = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if name in PUBLIC_MODULES or name.startswith(("a2a_kafka.broker", "a2a_kafka.gateway")):
            continue
        docs = [ast.get_docstring(ast.parse(path.read_text())) or ""]
        for depth in range(1, len(parts)):  # the packages holding it
            package = root.parent.joinpath(*parts[:depth], "__init__.py")
            docs.append(ast.get_docstring(ast.parse(package.read_text())) or "")
        if not any("Internal" in doc for doc in docs):
            unmarked.append(name)
    assert unmarked == []
