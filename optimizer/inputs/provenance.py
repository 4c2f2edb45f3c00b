"""Where a plan's numbers come from: the data rows it used, their assumptions and references.

* ``data_hash(catalogue)``: one hash of every catalogue table as loaded (defaults plus the
  project's overrides), so a report names the exact data it was made with;
* ``used_rows(catalogue, region, plan, cost_items)``: exactly the catalogue rows the plan uses -
  the species of its mixes, the rows of those mixes, its amendments and regradings, the cost
  items its options are priced with, and its region's row and monthly climate;
* ``read_sources(text)`` parses data/SOURCES.md's ``| key | reference |`` tables and
  ``references(rows, sources)`` lists the references those rows cite (a key that SOURCES.md does
  not explain is listed with ``reference = None``).
"""

from __future__ import annotations

import hashlib
import re
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pandas as pd

__all__ = ["data_hash", "minesink_version", "read_sources", "references", "used_rows", "USED_COLUMNS"]

USED_COLUMNS = ("table", "key", "source", "assumption", "notes")
#: source words that are not references
NOT_REFERENCES = frozenset({"assumption", ""})
_TABLES = ("species", "regions", "climate", "regrading", "amendments", "mixes", "costs", "ipcc_soil")


def minesink_version() -> str:
    """The installed minesink version ('unknown' when it is not installed)."""
    try:
        return version("minesink")
    except PackageNotFoundError:
        return "unknown"


def data_hash(catalogue: Any) -> str:
    """'sha256:<16 hex>' of every catalogue table as loaded (CSV text, fixed table order)."""
    digest = hashlib.sha256()
    for name in _TABLES:
        frame = getattr(catalogue, name, None)
        if frame is None:
            continue
        digest.update(name.encode())
        digest.update(frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    return "sha256:" + digest.hexdigest()[:16]


def _rows(frame: pd.DataFrame, table: str, key_cols: tuple[str, ...]) -> pd.DataFrame:
    notes = frame["notes"].astype(str) if "notes" in frame.columns else pd.Series("", index=frame.index)
    source = frame["source"].astype(str) if "source" in frame.columns else pd.Series("", index=frame.index)
    keys = frame[list(key_cols)].astype(str).agg("/".join, axis=1) if len(frame) else pd.Series(dtype=str)
    return pd.DataFrame({
        "table": table, "key": keys.to_numpy(), "source": source.to_numpy(),
        "assumption": [("assumption" in [k.strip() for k in s.split(";")]) for s in source],
        "notes": notes.replace("nan", "").to_numpy(),
    })


def used_rows(catalogue: Any, region: str, plan: pd.DataFrame, cost_items: list[str]) -> pd.DataFrame:
    """Catalogue rows the plan uses, one per row (``USED_COLUMNS``), tables in a fixed order.

    ``plan`` needs columns regrading, amendment, mix; ``cost_items`` are the costs.csv items the
    plan's options are priced with (``optimizer.planning.planfacts.cost_items``).
    """
    mixes_used = set(plan["mix"].astype(str))
    mixes = catalogue.mixes[(catalogue.mixes["region"] == region) & catalogue.mixes["mix"].isin(mixes_used)]
    mixes = mixes[pd.to_numeric(mixes["area_share"], errors="coerce").fillna(0.0) > 0]
    species = catalogue.species[catalogue.species["species"].isin(set(mixes["species"]))]
    parts = [
        _rows(catalogue.regions[catalogue.regions["region"] == region], "regions.csv", ("region",)),
        _rows(catalogue.climate[catalogue.climate["region"] == region], "climate_monthly.csv", ("region", "month")),
        _rows(catalogue.regrading[catalogue.regrading["regrading"].isin(set(plan["regrading"].astype(str)))],
              "regrading.csv", ("regrading",)),
        _rows(catalogue.amendments[catalogue.amendments["amendment"].isin(set(plan["amendment"].astype(str)))],
              "amendments.csv", ("amendment",)),
        _rows(mixes, "mixes.csv", ("region", "mix", "species")),
        _rows(species, "species.csv", ("species",)),
        _rows(catalogue.costs[catalogue.costs["item"].isin(set(cost_items))], "costs.csv", ("item",)),
    ]
    return pd.concat(parts, ignore_index=True).loc[:, list(USED_COLUMNS)]


def read_sources(text: str) -> dict[str, str]:
    """``{key: reference}`` from the ``| key | reference |`` tables of data/SOURCES.md."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        m = re.match(r"^\|\s*([a-z0-9_]+)\s*\|\s*(.+?)\s*\|\s*$", line)
        if m and m.group(1) != "key":
            out[m.group(1)] = m.group(2)
    return out


def cited_keys(rows: pd.DataFrame) -> list[str]:
    """Source keys the rows cite (';'-separated lists split), first-seen order, without 'assumption'."""
    keys: dict[str, None] = {}
    for source in rows["source"].astype(str):
        for key in source.split(";"):
            key = key.strip()
            if key not in NOT_REFERENCES:
                keys[key] = None
    return list(keys)


def references(rows: pd.DataFrame, sources: dict[str, str]) -> list[tuple[str, str | None]]:
    """(key, reference) for every key the rows cite, sorted by key; None when SOURCES.md lacks it."""
    return [(k, sources.get(k)) for k in sorted(cited_keys(rows))]
