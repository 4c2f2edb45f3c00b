"""Carbon over time by pool for a plan and for natural recovery (the report's time figure).

A plan's option table carries pools at the horizon and 2030 only. ``pool_trajectory`` re-runs
the estimate for the plan's rows and each parcel's natural recovery only
(``estimators.options.rows_for``) and asks ``estimators.options`` for every pool in every year
(``EstimateSettings.trajectory``, ``OptionTable.pool_trajectory``), then sums the chosen options
(and every parcel's natural recovery) over parcels. Each row's numbers depend only on its parcel
and option, so this gives the same values as the full estimate.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pandas as pd

from estimators.options import build_option_table, rows_for
from estimators.table import POOLS
from optimizer.planning.pipeline import estimate_settings
from optimizer.inputs.project import Project

__all__ = ["pool_trajectory"]

log = logging.getLogger(__name__)


def pool_trajectory(project: Project, plan: pd.DataFrame, horizon_year: int) -> pd.DataFrame:
    """Plan totals by pool [t CO2e] in every year from the start to ``horizon_year``.

    Parameters
    ----------
    project : the loaded project the plan was made for
    plan : plan.csv's frame (parcel_id, option_id, regrading, amendment, mix)
    horizon_year : the plan's horizon

    Returns
    -------
    DataFrame indexed by year with one column per pool, ``net`` (what the objective counts:
    the credited total when the accounting policy credits, the sum of the counted pools and the
    buffer) and ``natural`` (the same for every parcel left to natural recovery).
    ``frame.attrs["counted"]`` lists the pools the accounting policy counts.
    """
    settings = replace(estimate_settings(project, horizon_year), trajectory=True)
    parcels = project.parcels[project.parcels["parcel_id"].isin(set(plan["parcel_id"]))].reset_index(drop=True)
    ids = parcels["parcel_id"].astype(str).tolist()
    try:  # only the plan's rows and each parcel's natural recovery are estimated
        cand = rows_for(parcels, project.catalogue, project.region, settings,
                        plan["parcel_id"].astype(str).tolist() + ids,
                        plan["option_id"].astype(str).tolist() + ["natural"] * len(ids))
    except ValueError as err:
        raise ValueError(f"{err} (re-estimating the plan's trajectory)") from err
    table = build_option_table(parcels, project.catalogue, project.region, settings, candidates=cand)
    rows = table.rows
    pos = np.arange(len(plan))
    natural = len(plan) + np.arange(len(ids))
    area = rows["area_ha"].to_numpy(dtype=float)[:, None]
    trajectory = table.pool_trajectory or {}
    counted = list(table.meta.get("counted_pools", POOLS))
    credit = [p for p in trajectory if p in counted or p == "buffer"]
    out = {p: (area[pos] * trajectory[p][pos]).sum(axis=0, dtype=float) for p in trajectory}
    out["net"] = sum((out[p] for p in credit), np.zeros(len(table.years)))
    out["natural"] = sum(((area[natural] * trajectory[p][natural]).sum(axis=0, dtype=float) for p in credit),
                         np.zeros(len(table.years)))
    frame = pd.DataFrame(out, index=pd.Index(np.asarray(table.years, dtype=int), name="year"))
    frame.attrs["counted"] = [p for p in credit]
    return frame
