"""The Lagrangian presolve of the phased plan: bound, repaired schedule, columns that cannot win.

The phased plan is the one-lump plan's multiple-choice knapsack with more coupling rows
(``optimizer.planning.schedule``): one column per (parcel, option, start) or "not yet" (a normal
column of its parcel), rows for the money of every period (cumulative with carry-over), the
total, works capacity, sediment, shares and milestones. ``optimizer.planning.lagrange.presolve``
applies unchanged to (objective in maximisation form, rows, parcel of each column):

* max carbon (any weights over years): the weighted carbon; min discounted cost: minus it;
* it bounds the optimum (L(lambda), the LP bound), repairs a feasible schedule, drops columns no
  feasible schedule can use (feasibility fixing) and columns in no schedule at least as good as
  the repaired one (reduced-cost fixing).

``presolve_columns`` also checks the repaired schedule against the rows in their original units
(one column per parcel, every row within the model's tolerance); a schedule that fails is
discarded with its reduced-cost fixing and only the feasibility fixing (which needs no plan) is
kept: the model then starts from nothing. The Pyomo model built on the survivors decides.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np

from optimizer.inputs.schedule_spec import ScheduleSpec
from optimizer.planning.lagrange import Presolve, presolve
from optimizer.planning.schedule import ScheduleRow, group_starts, objective_coefs
from optimizer.planning.shift import Columns
from optimizer.planning.solve import Solution, with_bound

log = logging.getLogger(__name__)

#: a row counts as kept by a plan when it is exceeded by at most this share of its largest
#: |coefficient| (HiGHS's primal feasibility tolerance on the model's scaled rows is 1e-7)
ROW_TOL = 1e-7


def max_form(c: Columns, spec: ScheduleSpec) -> np.ndarray:
    """The objective in maximisation form: weighted carbon, or minus the discounted cost."""
    coefs, sense = objective_coefs(c, spec)
    return coefs if sense == "max" else -coefs


def plan_meets(c: Columns, rows: list[ScheduleRow], plan: np.ndarray) -> bool:
    """Whether ``plan`` (column positions) takes one column of every parcel and keeps every row
    within ROW_TOL of its largest |coefficient|."""
    firsts = group_starts(c.parcel)
    if plan.size != firsts.size or np.any(c.parcel[plan] != c.parcel[firsts]):
        return False
    for r in rows:
        tol = ROW_TOL * max(float(np.abs(r.coefs).max()), 1.0)
        value = float(r.coefs[plan].sum())
        if (r.sense == "<=" and value > r.rhs + tol) or (r.sense == ">=" and value < r.rhs - tol) or (
                r.sense == "==" and abs(value - r.rhs) > tol):
            return False
    return True


def without_plan(pre: Presolve) -> Presolve:
    """The presolve with no repaired plan: only the feasibility fixing (columns with an infinite
    deficit are in no feasible schedule) and the bound remain."""
    keep = np.isfinite(pre.deficit) if pre.deficit.size == pre.keep.size else np.ones_like(pre.keep)
    return replace(pre, keep=keep, plan=None, plan_value=None)


def presolve_columns(c: Columns, spec: ScheduleSpec, rows: list[ScheduleRow]) -> Presolve:
    """``lagrange.presolve`` of the schedule over columns ``c`` and coupling ``rows``; the
    repaired schedule checked against the rows (``without_plan`` when it fails)."""
    pre = presolve(max_form(c, spec), rows, c.parcel)  # type: ignore[arg-type]  # ScheduleRow has the row fields
    if pre.plan is not None and not plan_meets(c, rows, pre.plan):
        log.warning("the repaired schedule breaks a row; solving without reduced-cost fixing")
        pre = without_plan(pre)
    return pre


def start_values(pre: Presolve | None) -> np.ndarray | None:
    """0/1 per kept column for the repaired schedule (None without one)."""
    if pre is None or pre.plan is None:
        return None
    x = np.zeros(pre.keep.size)
    x[pre.plan] = 1.0
    return x[pre.keep]


def subset_rows(rows: list[ScheduleRow], keep: np.ndarray) -> list[ScheduleRow]:
    """The rows over the kept columns (same names, senses and right-hand sides)."""
    return [replace(r, coefs=r.coefs[keep]) for r in rows]


def lagrangian_bound(pre: Presolve, spec: ScheduleSpec) -> float:
    """The Lagrangian bound in the model's units (a lower bound on the cost for min-cost)."""
    return -pre.bound if spec.objective == "min-cost" else pre.bound


def tighten(sol: Solution, pre: Presolve | None, spec: ScheduleSpec, mip_gap: float) -> Solution:
    """The solution with the tighter of HiGHS's and the Lagrangian bound, and its gap (both are
    valid for the whole problem: a dropped column is in no schedule as good as the repaired one)."""
    if pre is None:
        return sol
    return with_bound(sol, lagrangian_bound(pre, spec), spec.objective == "min-cost", mip_gap)
