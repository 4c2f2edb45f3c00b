"""Locate the default data tables shipped with minesink.

In a wheel the tables live in ``optimizer/_data``; in a source checkout they are the top-level
``data/`` folder.  Either way callers get a path that works from any working directory.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parents[1]  # the optimizer package folder


def data_dir() -> Path:
    """Return the folder holding the default CSV tables, SOURCES.md and examples/."""
    for candidate in (_HERE / "_data", _HERE.parent / "data"):
        if (candidate / "SOURCES.md").is_file():
            return candidate
    raise FileNotFoundError(
        "minesink's default data tables were not found; reinstall the package "
        f"(looked in {_HERE / '_data'} and {_HERE.parent / 'data'})"
    )


def data_file(name: str) -> Path:
    """Path of one default table, e.g. ``data_file("species.csv")``."""
    path = data_dir() / name
    if not path.exists():
        raise FileNotFoundError(f"default data file {name} is missing from {data_dir()}")
    return path
