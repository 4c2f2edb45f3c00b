"""What a phased plan needs from a loaded project: the option table with trajectories (estimated
in chunks of parcels to bound memory), release years and the maintenance years.

The option table of a phased plan keeps every pool for every year (``OptionTable.pool_trajectory``,
``soil_loss_trajectory``). Estimating it for all parcels at once holds a dozen float64
(rows x years) arrays at a time (about 10 GB for 10 000 parcels); every row depends only on its
own parcel and the catalogue, so ``estimate_trajectories`` estimates chunks of parcels and joins
the tables (rows, parcels and trajectories in project order; the same table as one estimate).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any, Callable

import numpy as np
import pandas as pd

from estimators.table import OptionTable
from optimizer.errors import InputError
from optimizer.planning.pipeline import estimate

log = logging.getLogger(__name__)

#: parcels per estimate chunk
CHUNK_PARCELS = 1500


def _joined_frames(metas: list[dict]) -> dict[str, pd.DataFrame]:
    """Per-parcel tables in ``meta`` (e.g. ``parcel_extra``), joined over the chunks."""
    return {key: pd.concat([m[key] for m in metas]) for key, value in metas[0].items()
            if isinstance(value, pd.DataFrame) and all(isinstance(m.get(key), pd.DataFrame) for m in metas)}


def _join(tables: list[OptionTable]) -> OptionTable:
    """One option table from tables of consecutive parcel chunks."""
    first = tables[0]
    if len(tables) == 1:
        return first
    assumptions: list[str] = []
    for t in tables:
        assumptions += [a for a in t.meta.get("assumptions", []) if a not in assumptions]
    chunks = [t.pool_trajectory for t in tables]
    assert all(c is not None for c in chunks), "estimate the chunks with trajectory=True"
    pools = {}
    for p in list(chunks[0] or {}):  # one pool at a time, freeing the chunks' copies
        pools[p] = np.concatenate([c[p] for c in chunks if c is not None])
        for c in chunks:
            if c is not None:
                c[p] = None
    return replace(
        first,
        rows=pd.concat([t.rows for t in tables], ignore_index=True),
        parcels=pd.concat([t.parcels for t in tables]),
        net_trajectory=np.concatenate([t.net_trajectory for t in tables]),
        pool_trajectory=pools,
        soil_loss_trajectory=np.concatenate([t.soil_loss_trajectory for t in tables]),
        meta={**first.meta, "assumptions": assumptions, **_joined_frames([t.meta for t in tables])},
    )


def estimate_trajectories(project: Any, chunk: int = CHUNK_PARCELS,
                          progress: Callable[[str], None] | None = None) -> OptionTable:
    """The project's option table with every pool and the soil loss year by year."""
    started = time.perf_counter()
    n = len(project.parcels)
    tables = []
    for lo in range(0, n, chunk):
        if progress is not None and n > chunk:
            progress(f"Estimating options for parcels {lo + 1}-{min(lo + chunk, n)} of {n}")
        part = replace(project, parcels=project.parcels.iloc[lo:lo + chunk].reset_index(drop=True))
        extra = getattr(project, "parcel_extra", None)  # the parcel file's own columns, row for row
        if extra is not None:
            part = replace(part, parcel_extra=extra.iloc[lo:lo + chunk].reset_index(drop=True))
        tables.append(estimate(part, trajectory=True))
    table = _join(tables)
    elapsed = time.perf_counter() - started
    table.meta.update(estimate_s=elapsed, timings_s={"estimate": elapsed})
    log.info("estimated %d options with trajectories for %d parcels in %.1f s", len(table.rows), n, elapsed)
    return table


def earliest_years(project: Any) -> np.ndarray:
    """Per parcel the parcels.csv ``earliest_year`` (NaN when blank); InputError naming the row
    when a year is not a whole number."""
    if "earliest_year" not in project.parcels.columns:
        return np.full(len(project.parcels), np.nan)
    years = project.parcels["earliest_year"].to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isnan(years) & (years != np.round(years)))
    if bad.size:
        name = project.parcels_file.name if project.parcels_file is not None else "parcels.csv"
        raise InputError.at(name, f"{years[bad[0]]:g} is not a year (expected a whole number such as 2029)",
                            int(bad[0]) + 2, "earliest_year")
    return years


def maintenance_years(project: Any) -> int:
    """costs.csv maintenance_years (the horizon span when the table lacks it), as the option
    costs use it."""
    try:
        return int(round(project.catalogue.cost("maintenance_years")))
    except KeyError:
        return int(project.horizon_year - project.start_year)
