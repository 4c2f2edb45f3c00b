"""Exact Lagrangian presolve: a bound, a feasible plan, and the candidates that cannot win.

The plan model is a multiple-choice knapsack: max c'x, one option per parcel, a few coupling
rows A x (<=, >=, ==) b (``optimizer.planning.coupling``). Rows ">=" are negated into "<=". For
multipliers lambda (>= 0 on "<=" rows, free on "==" rows) every feasible plan x has

    c'x <= c'x + lambda'(b - A x) = sum_p s_{p, x_p}(lambda) + lambda'b <= L(lambda),
    s_i(lambda) = c_i - lambda'a_i,   L(lambda) = sum_p max_{i in p} s_i(lambda) + lambda'b,

so L(lambda) is an upper bound (equal to the LP relaxation's bound at the best lambda). Writing
d_i = max_{j in p(i)} s_j - s_i >= 0 for the deficit of candidate i, a plan that uses i has
c'x <= L(lambda) - d_i. Given a feasible plan of value LB, a candidate with
d_i > L(lambda) - LB + margin is in no plan at least as good as LB: reduced-cost fixing drops it.
The model built on the survivors has the same optimum as the full model (the plan of value LB
survives, since its own deficits add up to at most L - LB). ``margin`` covers the model's
feasibility tolerance (a plan HiGHS accepts may exceed a row by ~1e-7 of its scale, worth
lambda x 1e-7 of objective) and rounding.

Steps (``presolve``):

1. scale: c by max|c|, each row by its max |coefficient| (what ``optimizer.planning.model`` does);
2. evaluate L with a segmented max over contiguous parcel rows (``np.maximum.reduceat``);
3. minimise L over lambda by a box-step cutting-plane method (Kelley's cuts, a trust box around
   the best point, widened when a step reaches its edge), warm-started from given multipliers;
4. feasibility fixing: for each binding row, the same bound with that row as the objective
   (its smallest value over plans meeting the other rows) drops candidates that no feasible plan
   can use; when some went, the search runs again on the survivors (a tighter bound, still valid);
5. repair the best point's argmax plan into a feasible one (``optimizer.planning.repair``: single and
   pair swaps that cut the row violation, then swaps that gain objective within the slack);
   feasible argmax plans met on the way and plans passed in (``plans``) compete for LB;
6. fix: keep candidate i when d_i <= L - LB + margin.

Everything is numpy over candidate arrays: an evaluation is a few vector operations, so tens of
evaluations over 100 000 candidates take a fraction of a second.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np
from scipy.optimize import linprog

from optimizer.planning.candidates import Candidates
from optimizer.planning.coupling import CouplingRow, coupling_rows, objective
from optimizer.planning.relaxation import (Evaluation, Relaxation, deficits, evaluate, is_feasible, relaxation, restrict,
                                   row_relaxation)
from optimizer.planning.repair import improve, repair
from optimizer.inputs.settings import PlanSettings

log = logging.getLogger(__name__)

#: the model's feasibility tolerance on a scaled row (HiGHS: 1e-7), generously rounded up
MODEL_FEAS_TOL = 1e-6
#: relative tolerance of the multiplier search
REL_TOL = 1e-9
#: rounding allowance of the fixing, relative to the magnitudes summed (double precision sums of
#: up to millions of terms err by ~1e-15 of them; 1e-11 leaves a wide berth)
ROUND_TOL = 1e-11


def _master(cuts: list[Evaluation], lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, float] | None:
    """min theta s.t. theta >= L_k + g_k'(lambda - lambda_k), lo <= lambda <= hi (an LP)."""
    m = lo.size
    g = np.array([e.grad for e in cuts])
    const = np.array([e.value - e.grad @ e.lam for e in cuts])
    a_ub = np.hstack([g, -np.ones((len(cuts), 1))])
    bounds = [(float(a), float(b)) for a, b in zip(lo, hi)] + [(None, None)]
    res = linprog(np.r_[np.zeros(m), 1.0], A_ub=a_ub, b_ub=-const, bounds=bounds, method="highs")
    if res.status != 0:
        return None
    return res.x[:m], float(res.x[m])


@dataclass
class DualSearch:
    """Result of the multiplier search: the best evaluation and every feasible argmax plan."""

    best: Evaluation
    evaluations: int
    converged: bool
    feasible_plans: list[np.ndarray] = field(default_factory=list)


#: evaluate(R, lam) -> Evaluation: ``relaxation.evaluate`` or a distributed equivalent
Evaluator = Callable[[Relaxation, np.ndarray], Evaluation]


def dual_search(R: Relaxation, start: np.ndarray | None = None, *, max_evals: int = 200,
                lower_bound: float = -np.inf, evaluate: Evaluator = evaluate) -> DualSearch:
    """Minimise L(lambda) by box-step cutting planes from ``start`` (default 0).

    Stops when the cutting-plane model predicts no decrease beyond REL_TOL within the box (then
    the centre is optimal: L is convex), when L - ``lower_bound`` (the best known plan) is
    within REL_TOL, or after ``max_evals`` evaluations. ``evaluate``: how L is evaluated
    (``optimizer.planning.distributed.DaskEvaluator`` maps it over parcel slices on a Dask cluster).
    """
    lo = R.lower()
    center = np.zeros(R.m) if start is None or np.size(start) != R.m else np.maximum(np.asarray(start, float), lo)
    best = evaluate(R, center)
    cuts = [best]
    feasible = [best.plan] if is_feasible(R, best.plan) else []
    if feasible:
        lower_bound = max(lower_bound, float(R.c[best.plan].sum()))
    if not R.m:
        return DualSearch(best, 1, True, feasible)
    delta = max(1.0, 2.0 * float(np.abs(center).max()))
    converged = False
    for _ in range(max_evals - 1):
        tol = REL_TOL * (1.0 + abs(best.value))
        if best.value - lower_bound <= tol:
            converged = True
            break
        step = _master(cuts, np.maximum(best.lam - delta, lo), best.lam + delta)
        if step is None:
            break
        lam, theta = step
        predicted = best.value - theta
        if predicted <= tol:
            converged = True
            break
        ev = evaluate(R, lam)
        cuts.append(ev)
        if is_feasible(R, ev.plan):
            feasible.append(ev.plan)
            lower_bound = max(lower_bound, float(R.c[ev.plan].sum()))
        if best.value - ev.value >= 0.1 * predicted:  # serious step
            edge = np.abs(lam - best.lam) >= 0.999 * delta
            best = ev
            if edge.any():
                delta = min(4.0 * delta, 1e12)
    return DualSearch(best, len(cuts), converged, feasible)


@dataclass
class Presolve:
    """What the presolve found, in the objective's maximisation form and original units.

    keep : bool mask over the candidates (all True when no feasible plan was found)
    bound : Lagrangian upper bound L(lambda) on the objective (max form)
    plan, plan_value : best feasible plan found (candidate position per parcel) and its value,
        None when repair failed
    multipliers : scaled multipliers of the best point (start of a later search)
    row_prices : multipliers in original units per row name: objective gained per unit the row's
        rhs rises ("<=" and "==" rows) or falls (">=" rows); >= 0 except on "==" rows
    deficit : d_i at the final multipliers [original objective units]; +inf for candidates that
        no feasible plan can use (feasibility fixing)
    argmax : the Lagrangian argmax plan at the final multipliers (candidate positions)
    margin : the fixing margin [original objective units]
    """

    keep: np.ndarray
    bound: float
    plan: np.ndarray | None
    plan_value: float | None
    multipliers: np.ndarray
    row_prices: dict[str, float]
    evaluations: int
    converged: bool
    seconds: float
    deficit: np.ndarray = field(default_factory=lambda: np.zeros(0))
    argmax: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    margin: float = 0.0

    @property
    def kept_share(self) -> float:
        return float(self.keep.mean()) if self.keep.size else 1.0

    @property
    def gap(self) -> float | None:
        """Relative gap of the presolve alone: (bound - plan value) / |plan value|."""
        if self.plan_value is None:
            return None
        return (self.bound - self.plan_value) / max(abs(self.plan_value), 1e-9)

    def with_plan(self, plan: np.ndarray, value: float) -> "Presolve":
        """The fixing redone with a better feasible plan (candidate positions, objective ``value``
        in max form); a worse one changes nothing."""
        if self.plan_value is not None and value <= self.plan_value:
            return self
        keep = self.deficit <= self.bound - value + self.margin
        keep[plan] = True
        return replace(self, keep=keep, plan=plan.copy(), plan_value=float(value))


def fixing_margin(R: Relaxation, ev: Evaluation, lower: float) -> float:
    """Slack added to L - LB before dropping a candidate (scaled objective units): what a plan the
    model accepts may gain by exceeding each row by its feasibility tolerance (MODEL_FEAS_TOL x
    sum |lambda|), plus rounding: ROUND_TOL times every magnitude that enters L, LB and the
    deficits (the per-parcel maxima, lambda'b, the values themselves)."""
    size = float(np.abs(ev.best).sum() + abs(ev.lam @ R.b) + abs(ev.value) + abs(lower)) + 1.0
    return float(MODEL_FEAS_TOL * np.abs(ev.lam).sum() + ROUND_TOL * size)


def feasible_mask(R: Relaxation, lam: np.ndarray, max_evals: int = 60) -> tuple[np.ndarray, int]:
    """Candidates that can be in a plan meeting every row, by the Lagrangian of each binding row.

    For a binding row r (multiplier != 0; both directions of an equality) written as
    d a_r'x <= d b_r: M = min d a_r'x over plans meeting the other rows is bounded below by
    -L_r(mu) with L_r the Lagrangian of max -d a_r'x under the other rows, and a plan using
    candidate j has d a_r'x >= -L_r + d_j (its deficit there). Candidates with
    d_j > d b_r + L_r (+ margin) cannot be in any feasible plan. Returns the mask (all True when
    some parcel would lose every candidate: the problem is infeasible, left to the model to
    explain) and the number of evaluations used.
    """
    alive = np.ones(R.n, dtype=bool)
    used = 0
    for r in range(R.m):
        if lam[r] == 0.0 and not R.equality[r]:
            continue
        others = np.array([k for k in range(R.m) if k != r], dtype=int)
        start = lam[others] / abs(lam[r]) if lam[r] != 0.0 else None
        for direction in ((1.0, -1.0) if R.equality[r] else (1.0,)):
            Q = row_relaxation(R, r, direction)
            found = dual_search(Q, start, max_evals=max_evals)
            used += found.evaluations
            ev = found.best
            slack = direction * R.b[r] + ev.value
            margin = MODEL_FEAS_TOL * (1.0 + float(np.abs(ev.lam).sum())) + fixing_margin(Q, ev, direction * R.b[r])
            alive &= deficits(Q, ev) <= slack + margin
    if not np.all(np.logical_or.reduceat(alive, R.starts)):
        return np.ones(R.n, dtype=bool), used
    return alive, used


def _value(R: Relaxation, plan: np.ndarray) -> float:
    return float(R.c[plan].sum())


def presolve(objective: np.ndarray, rows: list[CouplingRow], parcel: np.ndarray, *,
             start: np.ndarray | None = None, plans: list[np.ndarray] | None = None,
             max_evals: int = 200, evaluator: Callable[[Relaxation], Evaluator] | None = None) -> Presolve:
    """Bound, repaired plan and reduced-cost fixing for ``max objective'x`` under ``rows``.

    ``start``: multipliers of an earlier, similar problem (scaled, as ``Presolve.multipliers``);
    ``plans``: earlier plans (candidate positions) worth checking for feasibility;
    ``evaluator(R)``: the evaluation of L for the main multiplier search (default local numpy;
    ``optimizer.planning.distributed.dask_evaluator(client)`` maps it over a Dask cluster).

    Order: multiplier search; feasibility fixing by each binding row (``feasible_mask``); when
    that removed candidates, a second search on the survivors (a tighter bound, still valid: only
    infeasible candidates left); repair; optimality fixing at the final multipliers.
    """
    t0 = time.perf_counter()
    R = relaxation(np.asarray(objective, dtype=float), rows, parcel)
    pool = [p for p in (plans or []) if p.size == R.starts.size and is_feasible(R, p)]
    search = dual_search(R, start, max_evals=max_evals,
                         lower_bound=max((_value(R, p) for p in pool), default=-np.inf),
                         evaluate=evaluate if evaluator is None else evaluator(R))
    pool += search.feasible_plans
    evaluations = search.evaluations
    alive, used = feasible_mask(R, search.best.lam) if R.m else (np.ones(R.n, dtype=bool), 0)
    evaluations += used
    work, idx, ev, converged = R, np.arange(R.n), search.best, search.converged
    if not alive.all():
        work, idx = restrict(R, alive)
        again = dual_search(work, search.best.lam, max_evals=max_evals,
                            lower_bound=max((_value(R, p) for p in pool), default=-np.inf))
        evaluations += again.evaluations
        pool += [idx[p] for p in again.feasible_plans]
        if again.best.value < ev.value:
            ev, converged = again.best, again.converged
        else:
            work, idx = R, np.arange(R.n)
    fixed = repair(work, ev.plan, ev.lam)
    repaired = [idx[fixed]] if fixed is not None else []
    plan = max(pool + repaired, key=lambda p: _value(R, p)) if pool or repaired else None
    if plan is not None and not (repaired and plan is repaired[0]):  # an earlier plan: improve it too
        plan = improve(R, plan, ev.lam)
    deficit = np.full(R.n, np.inf)
    deficit[idx] = deficits(work, ev)
    argmax = idx[ev.plan]
    value = None if plan is None else _value(R, plan)
    margin = fixing_margin(work, ev, ev.value if value is None else value)
    prices = {name: float(ev.lam[r] * R.obj_scale / R.scale[r]) for r, name in enumerate(R.names)}
    out = Presolve(alive.copy(), ev.value * R.obj_scale, None, None, ev.lam, prices, evaluations, converged,
                   0.0, deficit * R.obj_scale, argmax, margin * R.obj_scale)
    if plan is not None:
        assert value is not None
        out = out.with_plan(plan, value * R.obj_scale)
    out.seconds = time.perf_counter() - t0
    log.info("Lagrangian presolve: bound %.6g, plan %s, kept %d of %d candidates (%d evaluations, %.2f s)",
             out.bound, "none" if out.plan_value is None else f"{out.plan_value:.6g}", int(out.keep.sum()), R.n,
             out.evaluations, out.seconds)
    return out


def presolve_candidates(c: Candidates, s: PlanSettings, *, start: np.ndarray | None = None,
                        plans: list[np.ndarray] | None = None,
                        evaluator: Callable[[Relaxation], Evaluator] | None = None) -> Presolve:
    """``presolve`` of the plan model of candidates ``c`` under settings ``s`` (its objective in
    maximisation form: carbon, or minus cost for min-cost)."""
    return presolve(objective(c, s), coupling_rows(c, s), c.parcel, start=start, plans=plans, evaluator=evaluator)


def presolve_summary(pre: Presolve, minimise: bool, candidates: int) -> dict[str, Any]:
    """summary.json ``presolve`` (plan and schedule alike): the Lagrangian bound and the repaired
    plan's objective in the model's units (costs for a minimisation), kept share and count of the
    ``candidates`` (columns) before the presolve, evaluations, convergence and row prices. Its
    seconds are ``timings_s.presolve``: summary.json is otherwise the same for the same input."""
    sign = -1.0 if minimise else 1.0
    return {"lagrangian_bound": sign * pre.bound,
            "repaired_objective": None if pre.plan_value is None else sign * pre.plan_value,
            "kept_share": pre.kept_share, "kept": int(pre.keep.sum()), "candidates": int(candidates),
            "evaluations": pre.evaluations, "converged": pre.converged, "row_prices": pre.row_prices}


def model_bound(pre: Presolve, s: PlanSettings) -> float:
    """The Lagrangian bound in the model's own objective units (a lower bound on cost for min-cost)."""
    return -pre.bound if s.objective == "min-cost" else pre.bound
