"""What the deployment tests share: the project's paths and the configuration table's rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "infrastructure" / "terraform"
COMPOSE_FILE = ROOT / "docker-compose.yml"
CONFIGURATION_DOC = ROOT / "docs" / "configuration.md"

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
