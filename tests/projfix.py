"""Helpers for project tests: copy the Pingshuo example and break one thing in it."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from optimizer.inputs.data import data_dir

EXAMPLE = data_dir() / "examples" / "pingshuo"


def copy_example(tmp_path: Path) -> Path:
    """A fresh copy of the Pingshuo example project in ``tmp_path/proj``."""
    root = tmp_path / "proj"
    shutil.copytree(EXAMPLE, root)
    return root


def rows(root: Path) -> list[list[str]]:
    """parcels.csv as a list of rows (header first)."""
    return list(csv.reader(io.StringIO((root / "parcels.csv").read_text(encoding="utf-8"))))


def write_rows(root: Path, table: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(table)
    (root / "parcels.csv").write_text(buf.getvalue(), encoding="utf-8")


def set_cell(root: Path, sheet_row: int, column: str, value: str) -> None:
    """Set one cell of parcels.csv; ``sheet_row`` as a spreadsheet shows it (header = 1)."""
    table = rows(root)
    table[sheet_row - 1][table[0].index(column)] = value
    write_rows(root, table)


def drop_column(root: Path, column: str) -> None:
    table = rows(root)
    j = table[0].index(column)
    write_rows(root, [r[:j] + r[j + 1:] for r in table])


def edit_toml(root: Path, old: str, new: str) -> None:
    """Replace ``old`` (must be present) by ``new`` in project.toml."""
    path = root / "project.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` with its size and mtime: to show nothing was written."""
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*"))}
