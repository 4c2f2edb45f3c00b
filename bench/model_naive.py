"""The naive formulation, for comparison only: one binary per feasible parcel x option (every row
the locks and the erosion tolerance allow, no dominance pruning, no presolve), built term by term
in Python loops over the DataFrame rows (what optimizer.planning.model avoids), with the same coupling rows
as the plan model. Solved by the same HiGHS, same gap, under a time limit."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.solvers.highs import Highs

from estimators.table import LAYERS, OptionTable
from optimizer.planning.candidates import carbon_column, filter_rows
from optimizer.inputs.settings import PlanSettings


def build_model_naive(table: OptionTable, settings: PlanSettings) -> pyo.ConcreteModel:
    """Build the plan model with loops over the rows allowed by locks and erosion tolerance."""
    keep, _ = filter_rows(table, settings)
    frame = table.rows.iloc[np.flatnonzero(keep)]
    mix_species = table.mix_species
    column = carbon_column(table)  # credited carbon where the table has it
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(len(frame)), within=pyo.Binary)
    by_parcel: dict[str, list[int]] = {}
    carbon, cost, sediment = {}, {}, {}
    layer: dict[str, dict[int, float]] = {lay: {} for lay in LAYERS}
    species: dict[str, dict[int, float]] = {}
    for i, row in enumerate(frame.itertuples(index=False)):
        by_parcel.setdefault(row.parcel_id, []).append(i)
        carbon[i] = row.area_ha * getattr(row, column)
        cost[i] = row.area_ha * row.cost_cny_ha
        sediment[i] = row.area_ha * row.erosion_t_ha_yr
        for lay in LAYERS:
            layer[lay][i] = row.area_ha * getattr(row, f"{lay}_share")
        if settings.max_species_area_share is not None:
            for sp, share in mix_species.loc[row.mix].items():
                if share > 0:
                    species.setdefault(str(sp), {})[i] = row.area_ha * share
    total = float(table.parcels["area_ha"].sum())
    m.one_option = pyo.ConstraintList()
    for idx in by_parcel.values():
        m.one_option.add(sum(m.x[i] for i in idx) == 1)
    m.coupling = pyo.ConstraintList()
    if settings.budget_cny is not None:
        m.coupling.add(sum(cost[i] * m.x[i] for i in cost) <= settings.budget_cny)
    if settings.max_sediment_t_yr is not None:
        m.coupling.add(sum(sediment[i] * m.x[i] for i in sediment) <= settings.max_sediment_t_yr)
    for lay, share in dict(settings.min_area_share).items():
        m.coupling.add(sum(layer[lay][i] * m.x[i] for i in layer[lay]) >= share * total)
    for lay, share in dict(settings.max_area_share).items():
        m.coupling.add(sum(layer[lay][i] * m.x[i] for i in layer[lay]) <= share * total)
    if settings.max_species_area_share is not None:
        for area in species.values():
            m.coupling.add(sum(a * m.x[i] for i, a in area.items()) <= settings.max_species_area_share * total)
    if settings.target_tco2e is not None:
        m.coupling.add(sum(carbon[i] * m.x[i] for i in carbon) >= settings.target_tco2e)
    if settings.objective == "min-cost":
        m.obj = pyo.Objective(expr=sum(cost[i] * m.x[i] for i in cost), sense=pyo.minimize)
    else:
        m.obj = pyo.Objective(expr=sum(carbon[i] * m.x[i] for i in carbon), sense=pyo.maximize)
    m._n_binaries = len(frame)
    return m


def solve_naive(m: pyo.ConcreteModel, settings: PlanSettings, time_limit: float) -> dict[str, Any]:
    """Solve with HiGHS (same gap, threads and options as the plan) under ``time_limit``."""
    t0 = time.perf_counter()
    res = Highs().solve(m, time_limit=float(time_limit), rel_gap=float(settings.mip_gap),
                        threads=int(settings.threads), load_solutions=False,
                        solver_options=dict(settings.solver_options), raise_exception_on_nonoptimal_result=False)
    seconds = time.perf_counter() - t0
    obj = res.incumbent_objective
    bound = res.objective_bound
    gap = abs(bound - obj) / max(abs(obj), 1e-9) if obj is not None and bound is not None else None
    return {"termination": res.termination_condition.name, "objective": obj, "bound": bound, "gap": gap,
            "solve_s": round(seconds, 3), "time_limit_s": time_limit}
