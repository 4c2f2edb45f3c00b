"""Exact Lagrangian presolve: a bound, a feasible plan, and the candidates that cannot win.

The plan model is a multiple-choice knapsack: max c'x, one option per parcel, a few coupling
rows A x (<=, >=, ==) b (``optimizer.coupling``). Rows ">=" are negated into "<=". For
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

1. scale: c by max|c|, each row by its max |coefficient| (what ``optimizer.model`` does);
2. evaluate L with a segmented max over contiguous parcel rows (``np.maximum.reduceat``);
3. minimise L over lambda by a box-step cutting-plane method (Kelley's cuts, a trust box around
   the best point, widened when a step reaches its edge), warm-started from given multipliers;
4. repair the best point's argmax plan into a feasible one (greedy swaps that cut the row
   violation at least objective loss per unit, then greedy swaps that gain objective within the
   slack); every feasible argmax plan met on the way is also a candidate for LB;
5. fix: keep candidate i when d_i <= L - LB + margin.

Everything is numpy over candidate arrays: an evaluation is a few vector operations, so tens of
evaluations over 100 000 candidates take a fraction of a second.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog

from optimizer.candidates import Candidates
from optimizer.coupling import CouplingRow, coupling_rows, objective
from optimizer.settings import PlanSettings

log = logging.getLogger(__name__)

#: a row counts as met by a repaired plan when its scaled value is within this of the rhs
#: ("<=" rows: exactly met, no tolerance; "==" rows: |A x - b| <= EQ_TOL)
EQ_TOL = 1e-9
#: the model's feasibility tolerance on a scaled row (HiGHS: 1e-7), generously rounded up
MODEL_FEAS_TOL = 1e-6
#: relative tolerance of the multiplier search and of the fixing margin
REL_TOL = 1e-9


@dataclass
class Relaxation:
    """The scaled problem: max c'x, one candidate per parcel, A x <= b ("==" where ``equality``).

    ``sign[r] * scale[r]`` turns a scaled row back into the original one (sign -1 for ">=").
    """

    c: np.ndarray
    A: np.ndarray  # (m, n)
    b: np.ndarray  # (m,)
    equality: np.ndarray  # (m,) bool
    names: list[str]
    scale: np.ndarray
    sign: np.ndarray
    obj_scale: float
    parcel: np.ndarray  # (n,) parcel code, sorted (rows contiguous)
    starts: np.ndarray  # (P,) first candidate of each parcel

    @property
    def m(self) -> int:
        return int(self.b.size)

    @property
    def n(self) -> int:
        return int(self.c.size)

    def lower(self) -> np.ndarray:
        """Multiplier lower bounds: 0 for inequality rows, -inf for equality rows."""
        return np.where(self.equality, -np.inf, 0.0)


def relaxation(objective: np.ndarray, rows: list[CouplingRow], parcel: np.ndarray) -> Relaxation:
    """Scale the objective (max form) and coupling rows; ``parcel`` must be sorted."""
    n = objective.size
    if n and np.any(parcel[1:] < parcel[:-1]):
        raise ValueError("candidates must be sorted by parcel")
    obj_scale = float(np.abs(objective).max()) if n and np.abs(objective).max() > 0 else 1.0
    A = np.zeros((len(rows), n))
    b = np.zeros(len(rows))
    scale = np.ones(len(rows))
    sign = np.ones(len(rows))
    for r, row in enumerate(rows):
        big = float(np.abs(row.coefs).max()) if n else 0.0
        scale[r] = big if big > 0 else 1.0
        sign[r] = -1.0 if row.sense == ">=" else 1.0
        A[r] = sign[r] * row.coefs / scale[r]
        b[r] = sign[r] * row.rhs / scale[r]
    starts = np.flatnonzero(np.r_[True, parcel[1:] != parcel[:-1]]) if n else np.zeros(0, dtype=np.int64)
    codes = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, n]))
    return Relaxation(objective / obj_scale, A, b, np.array([r.sense == "==" for r in rows], dtype=bool),
                      [r.name for r in rows], scale, sign, obj_scale, codes, starts)


@dataclass
class Evaluation:
    """L(lambda), its subgradient b - A x(lambda), the argmax plan and the per-parcel maxima."""

    lam: np.ndarray
    value: float
    grad: np.ndarray
    plan: np.ndarray  # candidate position per parcel
    best: np.ndarray  # max_i s_i per parcel


def evaluate(R: Relaxation, lam: np.ndarray) -> Evaluation:
    """L(lambda) by a segmented max; ties go to the first candidate of the parcel."""
    s = R.c - lam @ R.A if R.m else R.c.copy()
    best = np.maximum.reduceat(s, R.starts)
    pos = np.where(s >= best[R.parcel], np.arange(R.n), R.n)
    plan = np.minimum.reduceat(pos, R.starts)
    ax = R.A[:, plan].sum(axis=1)
    return Evaluation(lam.copy(), float(best.sum() + lam @ R.b), R.b - ax, plan, best)


def deficits(R: Relaxation, ev: Evaluation) -> np.ndarray:
    """d_i = max_{j in p(i)} s_j(lambda) - s_i(lambda) >= 0 at the evaluation's multipliers."""
    s = R.c - ev.lam @ R.A if R.m else R.c
    return ev.best[R.parcel] - s


def violation(R: Relaxation, ax: np.ndarray) -> np.ndarray:
    """Per-row violation of scaled row values ``ax`` (shape (m,) or (m, k))."""
    b = R.b.reshape((-1,) + (1,) * (ax.ndim - 1))
    eq = R.equality.reshape(b.shape)
    over = ax - b
    return np.where(eq, np.abs(over), np.maximum(over, 0.0))


def is_feasible(R: Relaxation, plan: np.ndarray) -> bool:
    """Every "<=" row met exactly, every "==" row within EQ_TOL (scaled units)."""
    if not R.m:
        return True
    over = R.A[:, plan].sum(axis=1) - R.b
    return bool(np.all(np.where(R.equality, np.abs(over) <= EQ_TOL, over <= 0.0)))


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


def dual_search(R: Relaxation, start: np.ndarray | None = None, *, max_evals: int = 200,
                lower_bound: float = -np.inf) -> DualSearch:
    """Minimise L(lambda) by box-step cutting planes from ``start`` (default 0).

    Stops when the cutting-plane model predicts no decrease beyond REL_TOL within the box (then
    the centre is optimal: L is convex), when L - ``lower_bound`` (the best known plan) is
    within REL_TOL, or after ``max_evals`` evaluations.
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


def _first_per_parcel(R: Relaxation, key: np.ndarray) -> np.ndarray:
    """Per parcel, the candidate with the smallest finite ``key`` (-1 when none is finite)."""
    low = np.minimum.reduceat(key, R.starts)
    pos = np.where((key <= low[R.parcel]) & np.isfinite(key), np.arange(R.n), R.n)
    first = np.minimum.reduceat(pos, R.starts)
    return np.where(first < R.n, first, -1)


def _restore(R: Relaxation, cur: np.ndarray, ax: np.ndarray, max_rounds: int) -> tuple[np.ndarray, np.ndarray]:
    """Phase 1: swaps ranked by objective loss per unit of violation removed, applied as the
    prefix (in that order) that leaves the least total violation; repeated until feasible."""
    for _ in range(max_rounds):
        v = float(violation(R, ax).sum())
        if v <= 0.0 or is_feasible(R, cur):
            break
        delta = R.A - R.A[:, cur[R.parcel]]
        cut = v - violation(R, ax[:, None] + delta).sum(axis=0)
        loss = R.c[cur][R.parcel] - R.c
        key = np.where(cut > 1e-15 * (1.0 + v), loss / np.maximum(cut, 1e-300), np.inf)
        pick = _first_per_parcel(R, key)
        pick = pick[pick >= 0]
        if not pick.size:
            break
        pick = pick[np.argsort(key[pick], kind="stable")]
        path = ax[:, None] + np.cumsum(delta[:, pick], axis=1)
        k = int(np.argmin(violation(R, path).sum(axis=0))) + 1
        chosen = pick[:k]
        cur[R.parcel[chosen]] = chosen
        ax = R.A[:, cur].sum(axis=1)
    return cur, ax


def _improve(R: Relaxation, cur: np.ndarray, lam: np.ndarray, max_rounds: int) -> np.ndarray:
    """Phase 2: swaps that gain objective and keep every row met, best gain per weighted use of
    the rows first (weights: the multipliers), checked one by one against the current slack."""
    weight = np.abs(lam) + 1e-6
    eq = R.equality
    for _ in range(max_rounds):
        ax = R.A[:, cur].sum(axis=1)
        delta = R.A - R.A[:, cur[R.parcel]]
        gain = R.c - R.c[cur][R.parcel]
        use = weight @ np.maximum(delta, 0.0)
        ok = (gain > 1e-15) & ~np.any(np.abs(delta[eq]) > 0.0, axis=0)
        ok &= np.all((ax[:, None] + delta <= R.b[:, None]) | eq[:, None], axis=0)  # fits alone
        key = np.where(ok, -gain / np.maximum(use, 1e-12), np.inf)
        pick = _first_per_parcel(R, key)
        pick = pick[pick >= 0]
        if not pick.size:
            break
        pick = pick[np.argsort(key[pick], kind="stable")]
        slack = (R.b - ax).tolist()
        ineq = [r for r in range(R.m) if not eq[r]]
        moved = 0
        for j, col in zip(pick.tolist(), delta[:, pick].T.tolist()):
            if all(col[r] <= slack[r] for r in ineq):
                for r in ineq:
                    slack[r] -= col[r]
                cur[R.parcel[j]] = j
                moved += 1
        if not moved:
            break
    return cur


def repair(R: Relaxation, plan: np.ndarray, lam: np.ndarray, max_rounds: int = 50) -> np.ndarray | None:
    """A feasible plan near ``plan`` (candidate position per parcel), or None if none was found."""
    cur = plan.copy()
    ax = R.A[:, cur].sum(axis=1) if R.m else np.zeros(0)
    cur, ax = _restore(R, cur, ax, max_rounds)
    if not is_feasible(R, cur):
        return None
    cur = _improve(R, cur, lam, max_rounds)
    return cur if is_feasible(R, cur) else None


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

    @property
    def kept_share(self) -> float:
        return float(self.keep.mean()) if self.keep.size else 1.0


def fixing_margin(R: Relaxation, lam: np.ndarray, upper: float, lower: float) -> float:
    """Slack added to L - LB before dropping a candidate (scaled objective units)."""
    return float(MODEL_FEAS_TOL * np.abs(lam).sum() + REL_TOL * (1.0 + abs(upper) + abs(lower)))


def presolve(objective: np.ndarray, rows: list[CouplingRow], parcel: np.ndarray, *,
             start: np.ndarray | None = None, plans: list[np.ndarray] | None = None,
             max_evals: int = 200) -> Presolve:
    """Bound, repaired plan and reduced-cost fixing for ``max objective'x`` under ``rows``.

    ``start``: multipliers of an earlier, similar problem (scaled, as ``Presolve.multipliers``);
    ``plans``: earlier plans (candidate positions) worth checking for feasibility.
    """
    t0 = time.perf_counter()
    R = relaxation(np.asarray(objective, dtype=float), rows, parcel)
    known = [p for p in (plans or []) if p.size == R.starts.size and is_feasible(R, p)]
    lower = max((float(R.c[p].sum()) for p in known), default=-np.inf)
    search = dual_search(R, start, max_evals=max_evals, lower_bound=lower)
    ev = search.best
    fixed = repair(R, ev.plan, ev.lam)
    pool = known + search.feasible_plans + ([fixed] if fixed is not None else [])
    plan = max(pool, key=lambda p: float(R.c[p].sum())) if pool else None
    keep = np.ones(R.n, dtype=bool)
    value = None
    if plan is not None:
        value = float(R.c[plan].sum())
        margin = fixing_margin(R, ev.lam, ev.value, value)
        keep = deficits(R, ev) <= ev.value - value + margin
        keep[plan] = True  # kept anyway by the inequality; explicit against rounding
    prices = {name: float(ev.lam[r] * R.obj_scale / R.scale[r]) for r, name in enumerate(R.names)}
    out = Presolve(keep, ev.value * R.obj_scale, plan, None if value is None else value * R.obj_scale,
                   ev.lam, prices, search.evaluations, search.converged, time.perf_counter() - t0)
    log.info("Lagrangian presolve: bound %.6g, plan %s, kept %d of %d candidates (%d evaluations, %.2f s)",
             out.bound, "none" if value is None else f"{out.plan_value:.6g}", int(keep.sum()), R.n,
             out.evaluations, out.seconds)
    return out


def presolve_candidates(c: Candidates, s: PlanSettings, *, start: np.ndarray | None = None,
                        plans: list[np.ndarray] | None = None) -> Presolve:
    """``presolve`` of the plan model of candidates ``c`` under settings ``s`` (its objective in
    maximisation form: carbon, or minus cost for min-cost)."""
    return presolve(objective(c, s), coupling_rows(c, s), c.parcel, start=start, plans=plans)


def model_bound(pre: Presolve, s: PlanSettings) -> float:
    """The Lagrangian bound in the model's own objective units (a lower bound on cost for min-cost)."""
    return -pre.bound if s.objective == "min-cost" else pre.bound
