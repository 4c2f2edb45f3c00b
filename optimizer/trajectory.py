"""Carbon over time by pool for a plan and for natural recovery (the report's time figure).

The option table carries pools at the horizon and 2030 only. ``pool_trajectory`` re-runs the
estimate for the plan's parcels with the catalogue restricted to the regradings, amendments and
mixes the plan uses, asking ``estimators.options`` for the pools at a list of years
(``EstimateSettings.pool_years``), and sums the chosen options (and every parcel's natural
recovery) over parcels. Each parcel's numbers depend only on that parcel and its option, so the
restricted run gives the same values as the full estimate.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pandas as pd

from estimators.options import build_option_table
from estimators.table import POOLS
from optimizer.pipeline import estimate_settings
from optimizer.project import Project

__all__ = ["default_years", "pool_trajectory"]

log = logging.getLogger(__name__)


def default_years(start: int, horizon: int, step: int = 5) -> list[int]:
    """Start year, every ``step`` years, 2030 when inside, and the horizon (sorted, unique)."""
    years = set(range(start, horizon + 1, step)) | {start, horizon}
    if start <= 2030 <= horizon:
        years.add(2030)
    return sorted(years)


def pool_trajectory(project: Project, plan: pd.DataFrame, horizon_year: int,
                    years: list[int] | None = None) -> pd.DataFrame:
    """Plan totals by pool [t CO2e] at ``years``, with the net and natural recovery's net.

    Parameters
    ----------
    project : the loaded project the plan was made for
    plan : plan.csv's frame (parcel_id, area_ha, option_id, regrading, amendment, mix)
    horizon_year : the plan's horizon
    years : calendar years (default ``default_years``)

    Returns
    -------
    DataFrame indexed by year with one column per pool, ``net`` (their sum) and ``natural``
    (every parcel left to natural recovery).
    """
    if years is None:  # every year for ordinary projects; every 5 for very large ones (memory)
        years = default_years(project.start_year, horizon_year, 1 if len(plan) <= 2000 else 5)
    years = sorted(set(years))
    base = estimate_settings(project, horizon_year)
    settings = replace(base, regrading=sorted(set(plan["regrading"])), amendments=sorted(set(plan["amendment"])),
                       mixes=sorted(set(plan["mix"])), pool_years=tuple(years))
    parcels = project.parcels[project.parcels["parcel_id"].isin(set(plan["parcel_id"]))].reset_index(drop=True)
    table = build_option_table(parcels, project.catalogue, project.region, settings)
    rows = table.rows
    key = rows["parcel_id"].astype(str) + "\x00" + rows["option_id"].astype(str)
    wanted = plan["parcel_id"].astype(str) + "\x00" + plan["option_id"].astype(str)
    pos = pd.Index(key).get_indexer(wanted)
    if (pos < 0).any():
        missing = plan["option_id"].to_numpy()[pos < 0][0]
        raise ValueError(f"option {missing} of the plan is missing from the re-estimate")
    natural = np.flatnonzero(rows["option_id"].to_numpy(dtype=object) == "natural")
    area = rows["area_ha"].to_numpy(dtype=float)
    out = {}
    for year in years:
        pools = {p: area * rows[f"{p}_tco2e_ha_{year}"].to_numpy(dtype=float) for p in POOLS}
        plan_pools = {p: float(v[pos].sum()) for p, v in pools.items()}
        plan_pools["net"] = float(sum(plan_pools[p] for p in POOLS))
        plan_pools["natural"] = float(sum(v[natural].sum() for v in pools.values()))
        out[year] = plan_pools
    frame = pd.DataFrame.from_dict(out, orient="index")
    frame.index.name = "year"
    return frame
