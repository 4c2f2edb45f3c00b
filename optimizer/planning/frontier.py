"""Cost-versus-carbon trade-off: a budget sweep of the max-carbon plan (DESIGN.md section 3).

``frontier(table, settings, points) -> FrontierResult`` bounds the sweep by two solves that keep
every constraint of the settings except the budget:

* the cheapest feasible plan (minimise cost; its cost C_lo is the lowest budget that admits a
  plan), and
* the unconstrained max-carbon plan (maximise carbon, no budget; its cost C_hi is the budget
  beyond which more money buys no more carbon).

It then maximises carbon at ``points`` budgets B_k evenly spaced over [C_lo, C_hi] (inclusive).
The candidate selection is shared: dominance pruning always judges cost, so it does not depend
on the budget. Every solve is ``optimizer.planning.plan.solve_candidates``: the Lagrangian presolve
over the shared candidates (warm-started from the previous budget's multipliers and from every
plan found so far), a small Pyomo model on the survivors, one HiGHS object for the whole sweep
started from the repaired plan. Each point reports the gap proven for it.

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

from estimators.table import OptionTable
from optimizer.planning.candidates import Candidates, carbon_column, select
from optimizer.planning.coupling import coupling_rows
from optimizer.inputs.csvio import write_folder_atomic
from optimizer.planning.diagnose import precheck
from optimizer.errors import InputError, RunError
from optimizer.planning.plan import solve_candidates
from optimizer.inputs.settings import PlanSettings
from optimizer.planning.solve import Solution, Solver

log = logging.getLogger(__name__)

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
    kept: list[int] = field(default_factory=list)  # model variables per point after the presolve


@dataclass
class _Plan:
    rows: np.ndarray
    cost: float
    carbon: float
    additional: float


def _plan_of(table: OptionTable, rows: np.ndarray) -> _Plan:
    """Totals of a plan (option-table row positions) recomputed from the option table."""
    chosen = table.rows.iloc[rows]
    area = chosen["area_ha"].to_numpy(dtype=float)

    def tot(col: str) -> float:
        return float((area * chosen[col].to_numpy(dtype=float)).sum())

    return _Plan(rows, tot("cost_cny_ha"), tot(carbon_column(table)), tot("additional_tco2e_ha"))


class _Sweep:
    """The solves of one sweep: one candidate selection, one HiGHS, and each solve warm-started
    from the previous one's multipliers (same coupling rows) and from every plan found so far."""

    def __init__(self, cand: Candidates, evaluator: Any = None) -> None:
        self.cand = cand
        self.evaluator = evaluator
        self.solver = Solver()
        self.multipliers: dict[tuple[str, ...], np.ndarray] = {}
        self.plans: list[np.ndarray] = []  # candidate positions of the plans found so far
        self.solve_s = 0.0
        self.presolve_s = 0.0
        self.build_s = 0.0
        self.kept: list[int] = []

    def positions(self, rows: np.ndarray) -> np.ndarray:
        """Candidate positions of option-table rows (candidates are in ascending row order)."""
        pos = np.searchsorted(self.cand.rows, rows)
        if not np.array_equal(self.cand.rows[np.minimum(pos, self.cand.rows.size - 1)], rows):
            raise RunError("a frontier plan uses an option outside the candidates; this is a bug, please report it")
        return pos

    def solve(self, cand: Candidates, settings: PlanSettings, explain: bool = True) -> Solution:
        key = tuple(r.name for r in coupling_rows(cand, settings))
        done = solve_candidates(cand, settings, solver=self.solver, start=self.multipliers.get(key),
                                plans=self.plans, explain=explain, evaluator=self.evaluator)
        if done.presolve is not None:
            self.multipliers[key] = done.presolve.multipliers
            self.presolve_s += done.presolve.seconds
        self.kept.append(int(done.candidates.rows.size))
        self.solve_s += done.solution.solve_s
        self.build_s += done.build_s
        if done.solution.status != "infeasible":
            self.plans.append(self.positions(done.solution.rows))
        return done.solution


def _bounds(table: OptionTable, sweep: _Sweep, base: PlanSettings) -> tuple[_Plan, _Plan]:
    """Cheapest feasible plan (min cost, no budget) and unconstrained max-carbon plan."""
    # min-cost needs a target; without one, a floor no plan is below (its row never binds)
    floor = base.target_tco2e if base.target_tco2e is not None else -float(np.abs(sweep.cand.carbon).sum()) - 1.0
    cheap = sweep.solve(sweep.cand, base.with_(objective="min-cost", target_tco2e=floor))
    most = sweep.solve(sweep.cand, base)
    return _plan_of(table, cheap.rows), _plan_of(table, most.rows)


def _marginals(points: list[FrontierPoint]) -> None:
    scale = max((abs(p.carbon_tco2e) for p in points), default=1.0) or 1.0
    for prev, cur in zip(points, points[1:]):
        d_carbon = cur.carbon_tco2e - prev.carbon_tco2e
        if d_carbon > REL_TOL * scale:
            cur.marginal_cny_per_tco2e = (cur.cost_cny - prev.cost_cny) / d_carbon


def frontier_settings(settings: PlanSettings) -> PlanSettings:
    """The settings every frontier solve shares: no budget (it is swept), max-carbon."""
    return settings.with_(budget_cny=None, objective="max-carbon")


def frontier(table: OptionTable, settings: PlanSettings, points: int = 8, *,
             candidates: Candidates | None = None, evaluator: Any = None) -> FrontierResult:
    """Sweep the budget from the cheapest plan's cost to the max-carbon plan's cost.

    Parameters
    ----------
    table : option table (``optimizer.planning.pipeline.estimate``)
    settings : plan settings; every constraint is kept except the budget, which is swept; the
        objective is max-carbon (a carbon target, if any, stays as a constraint)
    points : number of budgets, >= 2, evenly spaced and including both ends
    candidates : the selection when it was made already (the chunked estimate,
        ``optimizer.planning.chunks``), under ``frontier_settings(settings)`` or the plan's own settings
        (the same rows: budget and objective are no dominance criteria); default ``select``
    evaluator : how the presolve evaluates its Lagrangian (``optimizer.planning.distributed``)

    Each solve goes through ``optimizer.planning.plan.solve_candidates`` (Lagrangian presolve, a
    small model on the survivors, HiGHS warm-started) with one HiGHS object for the sweep; each
    point starts from the previous point's multipliers and from every plan found so far (all
    feasible for a larger budget). Every point reports its proven gap.

    Raises InputError for ``points`` < 2 or bad locks, RunError (exit 1) with the explanation of
    ``optimizer.planning.diagnose`` when no plan is possible at any budget.
    """
    if int(points) < 2:
        raise InputError(f"--points must be at least 2 (got {points})")
    t0 = time.perf_counter()
    base = frontier_settings(settings)
    if candidates is None:
        cand = select(table, base)
    else:  # a plan's selection serves too: the budget is no dominance criterion, only its flag goes
        cand = replace(candidates, active={k: v for k, v in candidates.active.items() if k != "budget"})
    precheck(table, cand, base)
    t_select = time.perf_counter() - t0
    sweep = _Sweep(cand, evaluator)
    cheap, most = _bounds(table, sweep, base)
    lo = min(cheap.cost, most.cost)
    budgets = np.linspace(lo, max(most.cost, lo), int(points))
    with_budget = replace(cand, active={**cand.active, "budget": True})
    found: list[_Plan] = [cheap]
    out: list[FrontierPoint] = []
    for budget in budgets.tolist():
        sol = sweep.solve(with_budget, base.with_(budget_cny=float(budget)), explain=False)
        pool = found + ([most] if most.cost <= budget else [])
        best = max(pool, key=lambda p: p.carbon)
        got = _plan_of(table, sol.rows) if sol.status != "infeasible" else None
        carried = got is None or got.carbon < best.carbon - REL_TOL * max(abs(best.carbon), 1.0)
        chosen = best if carried else got
        assert chosen is not None  # carried whenever got is None
        found.append(chosen)
        out.append(FrontierPoint(float(budget), chosen.cost, chosen.carbon, chosen.additional, sol.status,
                                 sol.gap, carried_forward=bool(carried), rows=chosen.rows))
        log.info("frontier: budget %.0f CNY -> %.1f t CO2e (%s, gap %s%s)", budget, chosen.carbon, sol.status,
                 sol.gap, ", carried forward" if carried else "")
    _marginals(out)
    estimate = (table.meta.get("timings_s") or {}).get("estimate")
    timings = {"estimate": estimate, "select": t_select, "presolve": sweep.presolve_s, "build": sweep.build_s,
               "solve": sweep.solve_s, "frontier": time.perf_counter() - t0, "write": None}
    return FrontierResult(out, cheap.cost, most.cost, most.carbon,
                          int(settings.horizon_year or table.horizon_year), cand.n_parcels,
                          int(table.meta.get("n_option_rows", len(table.rows))),
                          int(cand.rows.size), sweep.solver.name, base, timings,
                          kept=sweep.kept[2:])


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
        "max_gap": _num(max((p.gap for p in result.points if p.gap is not None), default=None)),
        "model_variables_per_point": result.kept,
        "timings_s": {k: _num(v) for k, v in result.timings.items()},
    }


def write_frontier(result: FrontierResult, outdir: str | Path, force: bool = False, *,
                   budget_cny: float | None = None, table: OptionTable | None = None) -> dict[str, Any]:
    """Write frontier.csv, frontier.json (and frontier.png if matplotlib imports) into ``outdir``
    atomically; return the frontier.json dict (key ``plot``: "frontier.png" or None).

    With ``table`` the plan of every point goes to plans/plan_XX.csv (key ``plans``); the
    project's ``budget_cny`` is marked on the plot (``optimizer.outputs.frontierout``). An existing
    non-empty ``outdir`` is an InputError unless ``force``.
    """
    from optimizer.outputs.frontierout import frontier_png, write_point_plans
    from optimizer.outputs.planout import write_csv

    t0 = time.perf_counter()

    def fill(tmp: Path) -> dict[str, Any]:
        write_csv(frontier_frame(result), tmp / "frontier.csv")
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
