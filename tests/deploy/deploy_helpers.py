"""What the deployment tests share: the project's paths and the configuration table's rows."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "infrastructure" / "terraform"
COMPOSE_FILE = ROOT / "docker-compose.yml"
CONFIGURATION_DOC = ROOT / "docs" / "configuration.md"

_HCL = SerializationOptions(strip_string_quotes=True, with_comments=False, explicit_blocks=False)
_NOT_SOURCE = {".venv", ".local", ".git", "node_modules", ".mypy_cache", ".ruff_cache"}
_ROW = re.compile(r"^\|\s*`(?P<name>[A-Z][A-Z0-9_]*)`\s*\|(?P<rest>.*)\|\s*$")


@dataclass(frozen=True)
class TableRow:
    """One variable of docs/configuration.md: its cells after the name."""

    name: str
    default: str
    local: str
    secured_local: str
    msk: str
    meaning: str


def configuration_table() -> dict[str, TableRow]:
    """The rows of docs/configuration.md's tables, by variable name (no name twice)."""
    rows: dict[str, TableRow] = {}
    for line in CONFIGURATION_DOC.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if not match:
            continue
        cells = [cell.strip() for cell in match["rest"].split("|")]
        assert len(cells) == 5, f"row of {match['name']}: want 6 cells, got {len(cells) + 1}"
        assert match["name"] not in rows, f"{match['name']} is listed twice"
        assert all(cells), f"row of {match['name']} has an empty cell"
        rows[match["name"]] = TableRow(match["name"], *cells)
    return rows


def terraform_files() -> list[Path]:
    """Every Terraform file of the repository: ``.tf``, and ``.tfvars`` with their examples."""
    found = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if d not in _NOT_SOURCE]
        found += [
            Path(folder, name)
            for name in files
            if name.endswith((".tf", ".tfvars", ".tfvars.example"))
        ]
    return sorted(found)


def load_hcl(path: Path) -> dict[str, Any]:
    """One HCL file as python-hcl2 reads it (strings unquoted, no comments)."""
    with path.open(encoding="utf-8") as f:
        return dict(hcl2.load(f, serialization_options=_HCL))


def terraform_module() -> dict[str, Any]:
    """The module's blocks: ``{"resource": {type: {name: body}}, "variable": {...}, ...}``."""
    blocks: dict[str, Any] = {}
    for path in sorted(TERRAFORM.glob("*.tf")):
        for kind, entries in load_hcl(path).items():
            for entry in entries if isinstance(entries, list) else [entries]:
                if kind in ("resource", "data"):
                    for type_, named in entry.items():
                        blocks.setdefault(kind, {}).setdefault(type_, {}).update(named)
                elif kind in ("variable", "output"):
                    blocks.setdefault(kind, {}).update(entry)
                else:
                    blocks.setdefault(kind, []).append(entry)
    return blocks
