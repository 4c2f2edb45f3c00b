"""Option table + [schedule] -> solved phased plan: columns, rows, pruning, model, HiGHS, words.

``schedule(table, spec, settings, ...)`` is what the ``schedule`` command calls. Besides the
plan it can solve two kinds of variants on the same columns: the one-lump plan (all the money in
the start year, today's ``plan``) for comparison, and, for every period but the last, the plan
whose money of that period arrives one period later (what a delayed tranche costs in carbon).
An infeasible schedule is explained in words: a row no choice can meet on its own (precheck),
rows that cannot hold together (elastic model), and for milestones the most carbon the other
rows allow by that year and the shortfall.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np
import pyomo.environ as pyo

from estimators.table import OptionTable
from optimizer.errors import MinesinkError, RunError
from optimizer.planning.schedule import (ScheduleRow, build_schedule_model, model_size, objective_coefs, per_parcel,
                                prune_columns, schedule_rows)
from optimizer.inputs.schedule_spec import ScheduleSpec
from optimizer.inputs.settings import PlanSettings
from optimizer.planning.lagrange import Presolve, presolve_summary
from optimizer.planning.schedpresolve import presolve_columns, start_values, subset_rows, tighten
from optimizer.planning.shift import Columns, build_columns
from optimizer.planning.solve import Solution, solve

log = logging.getLogger(__name__)

#: relative slack below which an elastic row counts as met
SLACK_TOL = 1e-6
Progress = Callable[[str], None]


@dataclass
class Solved:
    """One solved variant: its columns (those the model was built on), rows, model and answer;
    ``chosen`` = column positions. ``presolve`` (None when off) and ``n_columns`` (columns after
    the per-start pruning, before the presolve) describe what the Lagrangian presolve did;
    ``timings`` [s]: prune, presolve, build, solve."""

    spec: ScheduleSpec
    columns: Columns
    rows: list[ScheduleRow]
    model: pyo.ConcreteModel
    solution: Solution
    presolve: Presolve | None = None
    n_columns: int = 0
    timings: dict[str, float | None] = field(default_factory=dict)

    @property
    def chosen(self) -> np.ndarray:
        return self.solution.rows

    def carbon(self, year: int) -> float:
        """Credited t CO2e of the whole mine at ``year`` in this plan."""
        return float(self.columns.carbon[self.chosen, self.columns.year_index(year)].sum())

    def spend(self) -> np.ndarray:
        """Money spent per period [CNY]."""
        return self.columns.spend[self.chosen].sum(axis=0)

    def presolve_summary(self) -> dict[str, Any] | None:
        """summary.json ``presolve``, the keys ``plan`` writes (``lagrange.presolve_summary``)."""
        if self.presolve is None:
            return None
        return presolve_summary(self.presolve, self.spec.objective == "min-cost", self.n_columns)


@dataclass
class ScheduleResult:
    """The phased plan, the one-lump comparison and the cost of delaying each tranche."""

    table: OptionTable
    spec: ScheduleSpec
    settings: PlanSettings
    plan: Solved
    one_lump: Solved | None = None
    one_lump_note: str = ""
    delays: list[dict[str, Any]] = field(default_factory=list)
    earliest: np.ndarray | None = None  # per parcel, first year it may be worked (NaN = start)
    sizes: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float | None] = field(default_factory=dict)

    @property
    def horizon_year(self) -> int:
        return int(self.table.horizon_year)


def _money(cny: float) -> str:
    return f"{cny / 1e6:.2f} M CNY" if abs(cny) >= 1e6 else f"{cny:,.0f} CNY"


def precheck_messages(c: Columns, rows: list[ScheduleRow]) -> list[str]:
    """Rows that no choice can meet even on their own, as sentences."""
    out = []
    for r in rows:
        if r.sense == "<=":
            least = float(per_parcel(r.coefs, c.parcel, "min").sum())
            if least > r.rhs * (1 + 1e-9) + 1e-9:
                unit = "ha" if r.kind == "capacity" else "t/yr" if r.kind == "sediment" else ""
                amount = _money(least) if r.kind in ("budget", "total") else f"{least:,.1f} {unit}".strip()
                out.append(f"{r.text} cannot be kept: even the least demanding schedule needs {amount} there")
        else:
            most = float(per_parcel(r.coefs, c.parcel, "max").sum())
            if most < r.rhs * (1 - 1e-9) - 1e-9:
                if r.kind == "milestone":
                    out.append(f"{r.text} cannot be reached: even with unlimited money the parcels can hold at most "
                               f"{most:,.0f} t CO2e then (short by {r.rhs - most:,.0f} t CO2e)")
                else:
                    out.append(f"{r.text} cannot be reached: at most {most / c.total_area:.3f} of the area can take it")
    return out


def _elastic(c: Columns, rows: list[ScheduleRow], objective: tuple[np.ndarray, str], kinds: tuple[str, ...],
             settings: PlanSettings) -> list[str]:
    """Rows of ``kinds`` that had to give in the elastic model, with by how much."""
    model = build_schedule_model(c, rows, objective, elastic=kinds)
    sol = solve(model, settings)
    if sol.status not in ("optimal", "time_limit"):
        return []
    texts = {r.name: r for r in rows}
    parts = []
    for name, (slack, scaled_rhs) in model._slacks.items():
        value = float(slack.value or 0.0)
        if value > SLACK_TOL * max(scaled_rhs, 1.0):
            row, amount = texts[name], value * model._coupling[name][2]
            if row.kind == "milestone":
                parts.append(f"{row.text} falls short by {amount:,.0f} t CO2e")
            elif row.kind in ("budget", "total"):
                parts.append(f"{row.text} would have to rise by {_money(amount)}")
            elif row.kind == "capacity":
                parts.append(f"{row.text} would have to rise by {amount:,.1f} ha")
            else:
                parts.append(f"{row.text} would have to give by {amount:,.2f}")
    return parts


def explain(c: Columns, spec: ScheduleSpec, settings: PlanSettings) -> str:
    """Why no schedule meets every row, naming the rows (milestones with their shortfall)."""
    rows = schedule_rows(c, spec, settings, keep_all=True)
    msgs = precheck_messages(c, rows)
    if msgs:
        return "; ".join(msgs)
    hard = [r for r in rows if r.kind != "milestone"]
    objective = objective_coefs(c, spec)
    base = solve(build_schedule_model(c, hard, objective), settings)
    if base.status == "infeasible":
        parts = _elastic(c, hard, objective, ("budget", "total", "capacity", "sediment", "share"), settings)
        return ("the budgets, capacities and limits cannot all hold together; the smallest relaxation that allows a "
                "schedule: " + ("; ".join(parts) or "none could be named"))
    short = []
    for r in (r for r in rows if r.kind == "milestone"):
        best = solve(build_schedule_model(c, hard, (r.coefs, "max")), settings)
        if best.status in ("optimal", "time_limit") and best.objective is not None and best.objective < r.rhs * (1 - 1e-9):
            bound = best.bound if best.bound is not None else best.objective
            short.append(f"{r.text} cannot be met with these budgets and limits: the most any schedule holds by then "
                         f"is {best.objective:,.0f} t CO2e (short by {r.rhs - best.objective:,.0f} t CO2e; "
                         f"solver bound {bound:,.0f})")
    if short:
        return "; ".join(short)
    parts = _elastic(c, rows, objective, ("milestone",), settings)
    return ("each milestone can be met on its own but not all together with these budgets: "
            + ("; ".join(parts) or "none could be named"))


def solve_variant(base: Columns, spec: ScheduleSpec, settings: PlanSettings, *, prune: bool = True) -> Solved:
    """Rows that can bind, per-start pruning, Lagrangian presolve, model and solve for one
    schedule over ``base``.

    With ``settings.presolve`` the model is built on the columns the presolve keeps (parcels
    left with one column folded into constants) and HiGHS starts from the repaired schedule;
    the bound reported is the tighter of HiGHS's and the Lagrangian one. Raises RunError with
    the explanation (over every pruned column) when no schedule is possible.
    """
    t0 = time.perf_counter()
    rows = schedule_rows(base, spec, settings)
    c = base.subset(~prune_columns(base, spec, rows)) if prune else base
    rows = schedule_rows(c, spec, settings)
    msgs = precheck_messages(c, rows)
    if msgs:
        raise RunError("no schedule is possible: " + "; ".join(msgs))
    t1 = time.perf_counter()
    pre = presolve_columns(c, spec, rows) if settings.presolve else None
    kept, kept_rows = c, rows
    if pre is not None and not pre.keep.all():
        kept, kept_rows = c.subset(pre.keep), subset_rows(rows, pre.keep)
    t2 = time.perf_counter()
    model = build_schedule_model(kept, kept_rows, objective_coefs(kept, spec), fold=pre is not None)
    t3 = time.perf_counter()
    sol = solve(model, settings, start=start_values(pre))
    if sol.status == "infeasible":
        raise RunError("no schedule is possible: " + explain(c, spec, settings))
    timings: dict[str, float | None] = {"prune": t1 - t0, "presolve": None if pre is None else t2 - t1,
                                        "build": t3 - t2, "solve": sol.solve_s}
    return Solved(spec, kept, kept_rows, model, tighten(sol, pre, spec, settings.mip_gap), pre, c.size, timings)


def total_money(spec: ScheduleSpec) -> float | None:
    """All the money of the schedule: the per-period budgets (capped by the total)."""
    if spec.budget_cny is None:
        return spec.total_cny
    total = float(sum(spec.budget_cny))
    return min(total, spec.total_cny) if spec.total_cny is not None else total


def one_lump_spec(spec: ScheduleSpec) -> ScheduleSpec:
    """Today's plan as a schedule: one period holding all the money from the start, no capacity
    limits, no waiting; milestones and objective kept. Its works window is the schedule's
    (start .. last period), so a parcel released later is worked on release, paid from the lump;
    without earliest years every parcel starts in the start year, as ``plan`` does."""
    money = total_money(spec)
    return replace(spec, starts=spec.starts[:1], ends=spec.ends[-1:], budget_cny=None if money is None else (money,),
                   carry_over=False, max_area_ha=None, allow_defer=False, total_cny=None)


def delayed_specs(spec: ScheduleSpec) -> list[tuple[int, ScheduleSpec]]:
    """For every period k but the last, the schedule whose money of period k comes in k + 1."""
    if spec.budget_cny is None or spec.n_periods < 2:
        return []
    out = []
    for k in range(spec.n_periods - 1):
        budgets = list(spec.budget_cny)
        budgets[k + 1] += budgets[k]
        budgets[k] = 0.0
        out.append((k, spec.with_budgets(tuple(budgets))))
    return out


def _delay_row(k: int, spec: ScheduleSpec, plan: Solved, variant: Solved | None, note: str, years: list[int]) -> dict:
    row: dict[str, Any] = {"period": spec.labels()[k], "moved_cny": float(spec.budget_cny[k]) if spec.budget_cny else 0.0,
                           "to_period": spec.labels()[k + 1], "status": variant.solution.status if variant else "infeasible",
                           "note": note}
    for y in years:
        row[f"loss_{y}_tco2e"] = None if variant is None else plan.carbon(y) - variant.carbon(y)
    row["extra_discounted_cny"] = (None if variant is None else
                                   float(variant.columns.discounted[variant.chosen].sum()
                                         - plan.columns.discounted[plan.chosen].sum()))
    return row


def schedule(table: OptionTable, spec: ScheduleSpec, settings: PlanSettings, *, earliest: np.ndarray | None = None,
             maintenance_years: int = 5, parcels_file: str = "parcels.csv", compare: bool = True,
             delays: bool = True, prune: bool = True, progress: Progress | None = None) -> ScheduleResult:
    """Solve the phased plan (and its comparisons); see the module docstring.

    Raises InputError for parcels that must be restored but are released too late, RunError
    (exit 1, explained) when no schedule is possible.
    """
    say = progress or (lambda _msg: None)
    t0 = time.perf_counter()
    say("Shifting option trajectories by start year")
    base = build_columns(table, spec, settings, earliest=earliest, maintenance_years=maintenance_years,
                         parcels_file=parcels_file, prune=prune)
    t_columns = time.perf_counter() - t0
    say(f"Optimising {base.size} (option, start) choices over {spec.n_periods} period(s)")
    t1 = time.perf_counter()
    plan = solve_variant(base, spec, settings, prune=prune)
    t_plan = time.perf_counter() - t1
    result = ScheduleResult(table, spec, settings, plan, earliest=earliest)
    years = sorted({y for y in (2030, result.horizon_year) if y in base.years})
    t2 = time.perf_counter()
    if compare and spec.n_periods > 1:
        say("Solving the one-lump plan for comparison")
        lump = one_lump_spec(spec)
        try:
            lump_columns = build_columns(table, lump, settings, earliest=earliest, maintenance_years=maintenance_years,
                                         parcels_file=parcels_file, prune=prune)
            result.one_lump = solve_variant(lump_columns, lump, settings, prune=prune)
        except MinesinkError as err:
            result.one_lump_note = str(err)
    t3 = time.perf_counter()
    if delays:
        for k, variant_spec in delayed_specs(spec):
            say(f"Delaying the money of period {spec.labels()[k]} by one period")
            try:
                variant, note = solve_variant(base, variant_spec, settings, prune=prune), ""
            except RunError as err:
                variant, note = None, str(err)
            result.delays.append(_delay_row(k, spec, plan, variant, note, years))
    t4 = time.perf_counter()
    size = model_size(plan.model)
    result.sizes = {"option_rows": int(len(table.rows)), "rows_allowed": base.n_rows_allowed,
                    "options_kept": base.n_options_kept, "columns": base.n_columns_built,
                    "columns_pruned": plan.n_columns, "columns_kept": plan.columns.size,
                    "binaries": size["variables"], "constraints": size["constraints"], "nonzeros": size["nonzeros"]}
    estimate = (table.meta.get("timings_s") or {}).get("estimate")
    result.timings = {"estimate": estimate, "columns": t_columns, **plan.timings, "plan": t_plan,
                      "one_lump": t3 - t2 if result.one_lump is not None else None,
                      "delays": t4 - t3 if result.delays else None, "write": None}
    return result

