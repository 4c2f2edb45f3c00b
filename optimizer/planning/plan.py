"""Option table + settings -> solved plan: select, check, presolve, build, solve, explain.

``plan(table, settings) -> PlanResult`` is what the ``plan`` command calls; the result goes to
``optimizer.outputs.report`` for plan.csv, summary.json and report.md.

``solve_candidates`` is the part after selection, shared with the frontier: the Lagrangian
presolve (``optimizer.planning.lagrange``) bounds the objective, repairs a feasible plan and drops the
candidates that cannot be in a plan at least as good; the Pyomo model is built on the survivors,
HiGHS starts from the repaired plan and decides the final plan. The reported bound is the
tighter of HiGHS's and the Lagrangian one (both valid for the full problem: every dropped
candidate is in no plan as good as the repaired one), and the gap is measured against it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pyomo.environ as pyo

from estimators.table import OptionTable
from optimizer.planning.candidates import Candidates, select, subset
from optimizer.planning.diagnose import explain_elastic, precheck
from optimizer.errors import RunError
from optimizer.planning.coupling import objective
from optimizer.planning.lagrange import Presolve, model_bound, presolve_candidates, presolve_summary
from optimizer.planning.model import build_from_candidates
from optimizer.inputs.settings import PlanSettings
from optimizer.planning.solve import Solution, Solver, with_bound

log = logging.getLogger(__name__)


@dataclass
class PlanResult:
    """A solved plan: the inputs, the model, the solver's answer and stage timings [s].

    ``candidates`` are the model's (after the presolve); ``selected`` those before it.
    """

    table: OptionTable
    settings: PlanSettings
    candidates: Candidates
    model: pyo.ConcreteModel
    solution: Solution
    timings: dict[str, float | None] = field(default_factory=dict)
    presolve: Presolve | None = None
    selected: Candidates | None = None
    #: optional additions to the outputs: "summary" (keys for summary.json), "markdown" (report
    #: lines), "csv" (file name -> DataFrame), filled by optimizer.planning.uncertainty_plan
    extras: dict = field(default_factory=dict)

    @property
    def horizon_year(self) -> int:
        return int(self.settings.horizon_year or self.table.horizon_year)

    def presolve_summary(self) -> dict[str, Any] | None:
        """summary.json ``presolve``: Lagrangian bound (model objective units), the repaired
        plan's objective, kept share of the candidates, evaluations (its seconds are
        ``timings_s.presolve``: summary.json is otherwise the same for the same input)."""
        if self.presolve is None:
            return None
        before = self.selected.rows.size if self.selected is not None else self.presolve.keep.size
        return presolve_summary(self.presolve, self.settings.objective == "min-cost", before)


@dataclass
class Solved:
    """What ``solve_candidates`` returns: the model's candidates, model, solution, presolve."""

    candidates: Candidates
    model: pyo.ConcreteModel
    solution: Solution
    presolve: Presolve | None
    build_s: float

    @property
    def seconds(self) -> float:
        """Presolve, build and solve together [s]."""
        return (self.presolve.seconds if self.presolve is not None else 0.0) + self.build_s + self.solution.solve_s


def start_values(pre: Presolve | None, keep: np.ndarray) -> np.ndarray | None:
    """0/1 values of the kept candidates for the presolve's plan (None without a plan)."""
    if pre is None or pre.plan is None:
        return None
    x = np.zeros(keep.size)
    x[pre.plan] = 1.0
    return x[keep]


def tighten(sol: Solution, pre: Presolve | None, s: PlanSettings) -> Solution:
    """The solution with the tighter of HiGHS's and the Lagrangian bound, and its gap."""
    if pre is None:
        return sol
    return with_bound(sol, model_bound(pre, s), s.objective == "min-cost", s.mip_gap)


def neighbourhood(cand: Candidates, settings: PlanSettings, pre: Presolve, solver: Solver) -> Presolve:
    """A better starting plan by a small MIP around the presolve's plan (RINS), and the fixing
    redone with it.

    The parcels where the repaired plan and the Lagrangian argmax plan agree keep the repaired
    plan's option; the others keep every candidate the fixing left them. HiGHS (presolve on: the
    fixed parcels vanish) solves that small model from the repaired plan under a short time
    limit. Its plan is feasible for the full problem, so it may only raise the lower bound; the
    final model still decides. Used when the presolve alone leaves a gap above the requested one.
    """
    if pre.plan is None or pre.argmax.size != pre.plan.size:
        return pre
    free = pre.plan != pre.argmax  # per parcel
    if not free.any():
        return pre
    mask = np.zeros(cand.rows.size, dtype=bool)
    mask[pre.plan] = True
    mask |= pre.keep & free[cand.parcel]
    sub = subset(cand, mask)
    quick = settings.with_(time_limit_s=max(1.0, min(10.0, settings.time_limit_s / 4)), mip_gap=settings.mip_gap / 10,
                           solver_options={**dict(settings.solver_options), "presolve": "on"})
    model = build_from_candidates(sub, quick, fold=True)
    start = np.zeros(cand.rows.size)
    start[pre.plan] = 1.0
    sol = solver.solve(model, quick, start=start[mask])
    if sol.status not in ("optimal", "time_limit"):
        return pre
    plan = np.searchsorted(cand.rows, sol.rows)
    value = float(objective(cand, settings)[plan].sum())
    log.info("neighbourhood search over %d parcels: %.6g -> %.6g in %.2f s", int(free.sum()),
             pre.plan_value, value, sol.solve_s)
    return pre.with_plan(plan, value)


def solve_candidates(cand: Candidates, settings: PlanSettings, *, solver: Solver | None = None,
                     start: np.ndarray | None = None, plans: list[np.ndarray] | None = None,
                     explain: bool = True, evaluator: Any = None) -> Solved:
    """Presolve (when ``settings.presolve``), build the model on the survivors and solve it.

    ``start`` and ``plans`` (multipliers and plans of a similar earlier problem, as candidate
    positions of ``cand``) warm-start the presolve. Raises RunError when no plan is possible
    (with ``explain=False`` an infeasible solution is returned instead). ``evaluator``: how the
    presolve evaluates its Lagrangian (``optimizer.planning.distributed.dask_evaluator`` on a cluster).
    """
    t0 = time.perf_counter()
    pre = (presolve_candidates(cand, settings, start=start, plans=plans, evaluator=evaluator)
           if settings.presolve else None)
    solver = solver or Solver()
    if pre is not None and pre.gap is not None and pre.gap > settings.mip_gap:
        t1 = time.perf_counter()
        pre = neighbourhood(cand, settings, pre, solver)
        pre.seconds += time.perf_counter() - t1
    kept = subset(cand, pre.keep) if pre is not None and not pre.keep.all() else cand
    model = build_from_candidates(kept, settings, fold=pre is not None and pre.plan is not None)
    build_s = time.perf_counter() - t0 - (pre.seconds if pre is not None else 0.0)
    init = start_values(pre, pre.keep) if pre is not None else None
    sol = solver.solve(model, settings, start=init)
    if sol.status == "infeasible" and explain:
        raise RunError("no plan is possible: " + explain_elastic(cand, settings))
    return Solved(kept, model, tighten(sol, pre, settings), pre, build_s)


def plan(table: OptionTable, settings: PlanSettings, *, solver: Solver | None = None,
         candidates: Candidates | None = None, evaluator: Any = None) -> PlanResult:
    """Choose one option per parcel for ``table`` under ``settings``.

    ``candidates``: the selection when it was made already (the chunked estimate,
    ``optimizer.planning.chunks``); default ``select(table, settings)``. ``evaluator``: see
    ``solve_candidates``. Raises InputError for bad locks /
    forced options and RunError (exit 1) with a plain-words explanation when no plan is possible
    or the solver fails.
    """
    t0 = time.perf_counter()
    cand = select(table, settings) if candidates is None else candidates
    precheck(table, cand, settings)
    t_select = time.perf_counter() - t0
    solver = solver or Solver()
    done = solve_candidates(cand, settings, solver=solver, evaluator=evaluator)
    done, saving = least_cost(done, settings, solver, evaluator)
    log.info("model: %d binaries (%d after filters, %d after dominance) for %d parcels",
             done.candidates.rows.size, cand.n_filtered, cand.rows.size, cand.n_parcels)
    estimate = (table.meta.get("timings_s") or {}).get("estimate")
    timings = {"estimate": estimate, "select": t_select,
               "presolve": done.presolve.seconds if done.presolve is not None else None,
               "build": done.build_s, "solve": done.solution.solve_s, "write": None}
    result = PlanResult(table, settings, done.candidates, done.model, done.solution, timings,
                        presolve=done.presolve, selected=cand)
    if saving is not None:
        result.extras["summary"] = {"least_cost": saving}
        result.extras["markdown"] = least_cost_lines(saving)
    return result


#: the carbon the least-cost stage must keep, relative to the max-carbon plan's (rounding only)
LEAST_COST_REL_TOL = 1e-9


def least_cost(done: Solved, settings: PlanSettings, solver: Solver,
               evaluator: Any = None) -> tuple[Solved, dict[str, Any] | None]:
    """The cheapest plan with at least the carbon of a proven max-carbon plan (``done``).

    Minimises cost over the max-carbon solve's candidates under the same rows plus carbon >=
    max(Z (1 - 1e-9), LB): Z the max-carbon plan's carbon, LB its presolve's repaired plan, whose
    fixing keeps every candidate of any plan with carbon >= LB, so nothing cheaper is lost by
    staying within them. HiGHS starts from the max-carbon plan (feasible). Returns ``done`` with
    the cheaper plan (the max-carbon model, bound and gap: the carbon bound still holds and the
    plan has at least Z) and the summary's ``least_cost`` block, or ``done`` and None when the
    stage does not apply (min-cost, not proven optimal, ``settings.least_cost`` off) or finds
    nothing cheaper.
    """
    sol = done.solution
    if not settings.least_cost or settings.objective != "max-carbon" or sol.status != "optimal":
        return done, None
    c = done.candidates
    first = np.searchsorted(c.rows, sol.rows)
    carbon, cost = float(c.carbon[first].sum()), float(c.cost[first].sum())
    lower = done.presolve.plan_value if done.presolve is not None and done.presolve.plan_value is not None else -np.inf
    floor = max(carbon - LEAST_COST_REL_TOL * abs(carbon), float(lower))
    if settings.target_tco2e is not None:
        floor = max(floor, float(settings.target_tco2e))
    cheap_s = settings.with_(objective="min-cost", target_tco2e=floor,  # within the time limit left
                             time_limit_s=max(1.0, float(settings.time_limit_s) - done.seconds))
    with_target = replace(c, active={**c.active, "target": True})
    second = solve_candidates(with_target, cheap_s, solver=solver, plans=[first], explain=False, evaluator=evaluator)
    if second.solution.status not in ("optimal", "time_limit"):
        log.warning("least-cost stage: %s; keeping the max-carbon plan", second.solution.status)
        return done, None
    chosen = np.searchsorted(c.rows, second.solution.rows)
    new_carbon, new_cost = float(c.carbon[chosen].sum()), float(c.cost[chosen].sum())
    if new_cost >= cost:
        return done, None
    values = np.zeros(c.rows.size)
    values[chosen] = 1.0
    merged = replace(sol, objective=new_carbon, rows=second.solution.rows, values=values,
                     solve_s=sol.solve_s + second.seconds)  # timings_s.solve includes the stage
    merged = with_bound(merged, sol.bound if sol.bound is not None else np.inf, False, settings.mip_gap)
    log.info("least-cost stage: %.6g t CO2e for %.0f CNY instead of %.6g t for %.0f CNY", new_carbon, new_cost,
             carbon, cost)
    summary = {"max_carbon_cost_cny": cost, "cost_cny": new_cost, "saved_cny": cost - new_cost,
               "max_carbon_tco2e": carbon, "carbon_tco2e": new_carbon, "status": second.solution.status,
               "cost_gap": second.solution.gap}
    return replace(done, solution=merged), summary


def least_cost_lines(saving: dict[str, Any]) -> list[str]:
    """report.md lines on the least-cost stage."""
    return ["## Same carbon, least cost", "",
            f"The best plan's carbon ({saving['max_carbon_tco2e']:,.1f} t CO2e) can be had for "
            f"{saving['cost_cny']:,.0f} CNY instead of the {saving['max_carbon_cost_cny']:,.0f} CNY the first "
            f"max-carbon plan spent: {saving['saved_cny']:,.0f} CNY of options that added no carbon are left "
            f"out. This plan keeps at least that carbon ({saving['carbon_tco2e']:,.1f} t CO2e) under every "
            "constraint; turn the stage off with `--no-least-cost`.", ""]

