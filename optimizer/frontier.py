"""Cost-versus-carbon trade-off: a budget sweep of the max-carbon plan (DESIGN.md section 3).

``frontier(table, settings, points) -> FrontierResult`` bounds the sweep by two solves of one
model that keeps every constraint of the settings except the budget:

* the cheapest feasible plan (minimise cost; its cost C_lo is the lowest budget that admits a
  plan), and
* the unconstrained max-carbon plan (maximise carbon, no budget; its cost C_hi is the budget
  beyond which more money buys no more carbon).

It then maximises carbon at ``points`` budgets B_k evenly spaced over [C_lo, C_hi] (inclusive),
changing only the right-hand side of the budget row between solves. The candidate selection is
shared: dominance pruning always judges cost, so it does not depend on the budget.

Monotonicity. Each point is solved to the settings' relative gap, so a later point may come back
with less carbon than an earlier one. Every plan found so far (earlier points, the cheapest
plan, and at the last point the max-carbon plan) costs no more than the current budget and is
feasible for it; when one of them stores more carbon than the solver's answer it is carried
forward (``carried_forward``), so carbon never decreases as the budget rises.

The marginal cost between consecutive points is (cost_k - cost_{k-1}) / (carbon_k - carbon_{k-1})
[CNY per t CO2e], left blank for the first point and where carbon does not rise.

``write_frontier(result, outdir, force)`` writes frontier.csv, frontier.json and, when
matplotlib imports, frontier.png, atomically (temporary folder renamed onto ``outdir``).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from estimators.table import OptionTable
from optimizer.candidates import Candidates, carbon_column, per_parcel, select
from optimizer.diagnose import explain_elastic, precheck
from optimizer.csvio import write_folder_atomic
from optimizer.errors import InputError, RunError
from optimizer.model import build_from_candidates
from optimizer.settings import PlanSettings
from optimizer.solve import Solution, solve

log = logging.getLogger(__name__)

FLOAT_FORMAT = "%.4f"
#: frontier.csv is read by Excel, like plan.csv: UTF-8 with a byte-order mark
CSV_ENCODING = "utf-8-sig"
CSV_COLUMNS = ("point", "budget_cny", "cost_cny", "carbon_tco2e", "additional_tco2e",
               "marginal_cny_per_tco2e", "status", "gap", "carried_forward")
#: carbon differences below this fraction of the largest carbon count as "no change"
REL_TOL = 1e-9


@dataclass
class FrontierPoint:
    """One budget of the sweep and the max-carbon plan found for it.

    budget_cny [CNY], cost_cny [CNY], carbon_tco2e and additional_tco2e [t CO2e at the horizon],
    status and gap of the solve at this budget, marginal_cny_per_tco2e [CNY per t CO2e] against
    the previous point (None for the first and where carbon does not rise), carried_forward
    (an earlier, better plan replaced the solver's answer), rows (option-table row positions of
    the plan, one per parcel).
    """

    budget_cny: float
    cost_cny: float
    carbon_tco2e: float
    additional_tco2e: float
    status: str
    gap: float | None
    marginal_cny_per_tco2e: float | None = None
    carried_forward: bool = False
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def as_dict(self) -> dict[str, Any]:
        return {"budget_cny": self.budget_cny, "cost_cny": self.cost_cny, "carbon_tco2e": self.carbon_tco2e,
                "additional_tco2e": self.additional_tco2e, "marginal_cny_per_tco2e": self.marginal_cny_per_tco2e,
                "status": self.status, "gap": self.gap, "carried_forward": self.carried_forward}


@dataclass
class FrontierResult:
    """The sweep: its points (budget ascending), its bounds and stage timings [s]."""

    points: list[FrontierPoint]
    min_cost_cny: float  # cost of the cheapest feasible plan
    max_carbon_cost_cny: float  # cost of the max-carbon plan with no budget
    max_carbon_tco2e: float  # carbon of that plan
    horizon_year: int
    n_parcels: int
    n_options: int
    n_variables: int
    solver: str
    settings: PlanSettings
    timings: dict[str, float | None] = field(default_factory=dict)


@dataclass
class _Plan:
    rows: np.ndarray
    cost: float
    carbon: float
    additional: float


def _plan_of(table: OptionTable, sol: Solution) -> _Plan:
    """Totals of a solution's plan recomputed from the option table (area x per-ha)."""
    rows = table.rows.iloc[sol.rows]
    area = rows["area_ha"].to_numpy(dtype=float)

    def tot(col: str) -> float:
        return float((area * rows[col].to_numpy(dtype=float)).sum())

    return _Plan(sol.rows, tot("cost_cny_ha"), tot(carbon_column(table)), tot("additional_tco2e_ha"))


def _solve_or_explain(model: pyo.ConcreteModel, cand: Candidates, settings: PlanSettings) -> Solution:
    sol = solve(model, settings)
    if sol.status == "infeasible":
        raise RunError("no plan is possible: " + explain_elastic(cand, settings))
    return sol


def _set_budget(model: pyo.ConcreteModel, budget: float) -> None:
    """Change the budget row's right-hand side in place (the row is scaled by 1/scale)."""
    sense, _old, scale = model._coupling["budget"]
    model.budget.set_value(model.budget.body <= budget / scale)
    model._coupling["budget"] = (sense, float(budget), scale)


def _build(cand: Candidates, base: PlanSettings) -> pyo.ConcreteModel:
    """The max-carbon model with a budget row (rhs set later) and a spare min-cost objective."""
    with_budget = replace(cand, active={**cand.active, "budget": True})
    ceiling = float(per_parcel(cand.cost, cand.parcel, cand.n_parcels, "max").sum())
    model = build_from_candidates(with_budget, base.with_(budget_cny=ceiling))
    body = model.budget.body  # sum_i (k_i / scale) x_i
    model.cost_obj = pyo.Objective(expr=LinearExpression(constant=0.0, linear_coefs=list(body.linear_coefs),
                                                         linear_vars=list(body.linear_vars)), sense=pyo.minimize)
    model.cost_obj.deactivate()
    return model


def _bounds(table: OptionTable, model: pyo.ConcreteModel, cand: Candidates,
            base: PlanSettings) -> tuple[_Plan, _Plan, float]:
    """Cheapest plan and unconstrained max-carbon plan (budget row off); solver seconds."""
    model.budget.deactivate()
    model.obj.deactivate()
    model.cost_obj.activate()
    cheap = _solve_or_explain(model, cand, base)
    model.cost_obj.deactivate()
    model.obj.activate()
    most = _solve_or_explain(model, cand, base)
    model.budget.activate()
    return _plan_of(table, cheap), _plan_of(table, most), cheap.solve_s + most.solve_s


def _marginals(points: list[FrontierPoint]) -> None:
    scale = max((abs(p.carbon_tco2e) for p in points), default=1.0) or 1.0
    for prev, cur in zip(points, points[1:]):
        d_carbon = cur.carbon_tco2e - prev.carbon_tco2e
        if d_carbon > REL_TOL * scale:
            cur.marginal_cny_per_tco2e = (cur.cost_cny - prev.cost_cny) / d_carbon


def frontier(table: OptionTable, settings: PlanSettings, points: int = 8) -> FrontierResult:
    """Sweep the budget from the cheapest plan's cost to the max-carbon plan's cost.

    Parameters
    ----------
    table : option table (``optimizer.pipeline.estimate``)
    settings : plan settings; every constraint is kept except the budget, which is swept; the
        objective is max-carbon (a carbon target, if any, stays as a constraint)
    points : number of budgets, >= 2, evenly spaced and including both ends

    Raises InputError for ``points`` < 2 or bad locks, RunError (exit 1) with the explanation of
    ``optimizer.diagnose`` when no plan is possible at any budget.
    """
    if int(points) < 2:
        raise InputError(f"--points must be at least 2 (got {points})")
    t0 = time.perf_counter()
    base = settings.with_(budget_cny=None, objective="max-carbon")
    cand = select(table, base)
    precheck(table, cand, base)
    t_select = time.perf_counter() - t0
    model = _build(cand, base)
    t_build = time.perf_counter() - t0 - t_select
    cheap, most, solve_s = _bounds(table, model, cand, base)
    lo = min(cheap.cost, most.cost)
    budgets = np.linspace(lo, max(most.cost, lo), int(points))
    found: list[_Plan] = [cheap]
    out: list[FrontierPoint] = []
    solver = ""
    for budget in budgets.tolist():
        _set_budget(model, budget)
        sol = solve(model, base)
        solver = sol.solver
        solve_s += sol.solve_s
        pool = found + ([most] if most.cost <= budget else [])
        best = max(pool, key=lambda p: p.carbon)
        got = _plan_of(table, sol) if sol.status != "infeasible" else None
        carried = got is None or got.carbon < best.carbon - REL_TOL * max(abs(best.carbon), 1.0)
        chosen = best if carried else got
        assert chosen is not None  # carried whenever got is None
        found.append(chosen)
        out.append(FrontierPoint(float(budget), chosen.cost, chosen.carbon, chosen.additional, sol.status,
                                 sol.gap, carried_forward=bool(carried), rows=chosen.rows))
        log.info("frontier: budget %.0f CNY -> %.1f t CO2e (%s%s)", budget, chosen.carbon, sol.status,
                 ", carried forward" if carried else "")
    _marginals(out)
    estimate = (table.meta.get("timings_s") or {}).get("estimate")
    timings = {"estimate": estimate, "select": t_select, "build": t_build, "solve": solve_s,
               "frontier": time.perf_counter() - t0, "write": None}
    return FrontierResult(out, cheap.cost, most.cost, most.carbon,
                          int(settings.horizon_year or table.horizon_year), cand.n_parcels, len(table.rows),
                          int(cand.rows.size), solver, base, timings)


def frontier_frame(result: FrontierResult) -> pd.DataFrame:
    """frontier.csv: one row per point, budget ascending, fixed columns."""
    frame = pd.DataFrame([p.as_dict() for p in result.points])
    frame.insert(0, "point", np.arange(1, len(frame) + 1))
    return frame.loc[:, list(CSV_COLUMNS)]


def _num(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def frontier_dict(result: FrontierResult) -> dict[str, Any]:
    """frontier.json: the points as a list, the bounds of the sweep, sizes and timings."""
    return {
        "objective": "max-carbon",
        "horizon_year": result.horizon_year,
        "bounds": {"min_cost_cny": result.min_cost_cny, "max_carbon_cost_cny": result.max_carbon_cost_cny,
                   "max_carbon_tco2e": result.max_carbon_tco2e},
        "points": [{k: (_num(v) if isinstance(v, float) else v) for k, v in p.as_dict().items()}
                   for p in result.points],
        "n_parcels": result.n_parcels,
        "n_options": result.n_options,
        "n_variables": result.n_variables,
        "solver": result.solver,
        "mip_gap": result.settings.mip_gap,
        "timings_s": {k: _num(v) for k, v in result.timings.items()},
    }


def write_frontier(result: FrontierResult, outdir: str | Path, force: bool = False, *,
                   budget_cny: float | None = None, table: OptionTable | None = None) -> dict[str, Any]:
    """Write frontier.csv, frontier.json (and frontier.png if matplotlib imports) into ``outdir``
    atomically; return the frontier.json dict (key ``plot``: "frontier.png" or None).

    With ``table`` the plan of every point goes to plans/plan_XX.csv (key ``plans``); the
    project's ``budget_cny`` is marked on the plot (``optimizer.frontierout``). An existing
    non-empty ``outdir`` is an InputError unless ``force``.
    """
    from optimizer.frontierout import frontier_png, write_point_plans

    t0 = time.perf_counter()

    def fill(tmp: Path) -> dict[str, Any]:
        frontier_frame(result).to_csv(tmp / "frontier.csv", index=False, float_format=FLOAT_FORMAT,
                                      lineterminator="\n", encoding=CSV_ENCODING)
        plotted = frontier_png(result, tmp / "frontier.png", budget_cny)
        plans = write_point_plans(result, table, tmp) if table is not None else []
        result.timings["write"] = time.perf_counter() - t0
        data = frontier_dict(result)
        data["plot"] = "frontier.png" if plotted else None
        data["plans"] = plans
        (tmp / "frontier.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return data

    data = write_folder_atomic(outdir, force, fill)
    return data
