"""Risk-aware plans and near-optimal alternatives, built on the plan model's rows.

Notation as in ``optimizer.planning.model``: x_i binary per kept row, c_i its carbon [t CO2e], k_i its
cost [CNY]; here C[d, i] is row i's credited carbon under parameter draw d (d = 1..N, an ensemble
of ``optimizer.planning.uncertainty``), X_d(x) = sum_i C[d, i] x_i the plan's carbon in draw d.  Every model
keeps the budget, sediment, share and lock rows of the expected-value model (``build_from_candidates``).

* CVaR (Rockafellar & Uryasev 2000): CVaR_a(X) = max_eta eta - 1/(a N) sum_d (eta - X_d)^+, the mean
  of the worst a-share of draws; linear with one continuous u_d >= eta - X_d, u_d >= 0 per draw plus eta.
* chance constraint: min sum k_i x_i s.t. X_d(x) >= L_d + (T - L_d) z_d, z_d binary, sum z_d >= ceil(q N),
  with L_d = sum_p min_{i in p} C[d, i] (the least carbon any plan has in draw d: a tight big-M).
* alternatives: the optimum, then plans that share as few choices as possible with the earlier
  ones (minimise sum_i n_i x_i, n_i = how many earlier plans chose row i) subject to carbon within
  the gap of the optimum (cost, for min-cost) and a no-good cut per earlier plan
  (sum_{i in S_k} x_i <= P - 1).

Options dominated within their parcel in every draw (and in cost and every active row) are dropped
first: swapping one for its dominator raises the carbon of every draw, so neither the CVaR nor the
share of draws meeting a target can fall.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from estimators.table import OptionTable
from optimizer.planning.candidates import Candidates, criteria, dominated, per_parcel, select, subset
from optimizer.errors import InputError, RunError
from optimizer.planning.model import _linear, build_from_candidates
from optimizer.planning.plan import PlanResult
from optimizer.inputs.settings import PlanSettings
from optimizer.planning.solve import Solution, solve

log = logging.getLogger(__name__)


def risk_candidates(table: OptionTable, settings: PlanSettings, carbon: np.ndarray) -> tuple[Candidates, np.ndarray]:
    """Candidates after filters, pruned by dominance over every draw; and their carbon matrix
    (N, kept rows) [t CO2e] from ``carbon`` (N, option-table rows) [t CO2e per row]."""
    c = select(table, settings.with_(prune_dominated=False))
    mat = carbon[:, c.rows]
    crit = np.column_stack([mat.T, criteria(c, settings)])
    keep = ~dominated(c.parcel, crit)
    log.info("risk model: %d of %d options kept after dominance over %d draws", keep.sum(), keep.size, mat.shape[0])
    return subset(c, keep), mat[:, keep]


def _base(c: Candidates, settings: PlanSettings) -> pyo.ConcreteModel:
    """The expected-value model's rows without its objective and carbon target."""
    c = replace(c, active={k: v for k, v in c.active.items() if k != "target"})
    m = build_from_candidates(c, settings.with_(objective="max-carbon", target_tco2e=None))
    m.del_component(m.obj)
    return m


def build_cvar(c: Candidates, settings: PlanSettings, carbon: np.ndarray, alpha: float) -> pyo.ConcreteModel:
    """max eta - 1/(alpha N) sum_d u_d s.t. u_d >= eta - X_d(x), u_d >= 0 (Rockafellar-Uryasev)."""
    if not 0.0 < alpha <= 1.0:
        raise InputError(f"--alpha must be in (0, 1] (got {alpha})")
    n = carbon.shape[0]
    m = _base(c, settings)
    m.D = pyo.RangeSet(0, n - 1)
    m.eta = pyo.Var()
    m.u = pyo.Var(m.D, within=pyo.NonNegativeReals)
    xs = m._xs

    def tail(_m: pyo.ConcreteModel, d: int) -> object:  # u_d - eta + X_d(x) >= 0
        return LinearExpression(constant=0.0, linear_coefs=[*carbon[d].tolist(), 1.0, -1.0],
                                linear_vars=[*xs, m.u[d], m.eta]) >= 0

    m.tail = pyo.Constraint(m.D, rule=tail)
    m.obj = pyo.Objective(expr=m.eta - sum(m.u[d] for d in m.D) / (alpha * n), sense=pyo.maximize)
    return m


def lowest_carbon(c: Candidates, carbon: np.ndarray) -> np.ndarray:
    """L_d: the least carbon any plan of the candidates has in each draw (N,)."""
    return np.array([per_parcel(row, c.parcel, c.n_parcels, "min").sum() for row in carbon])


def build_chance(c: Candidates, settings: PlanSettings, carbon: np.ndarray, confidence: float,
                 target: float) -> pyo.ConcreteModel:
    """min cost s.t. X_d(x) >= L_d + (T - L_d) z_d and sum_d z_d >= ceil(confidence N)."""
    if not 0.0 < confidence <= 1.0:
        raise InputError(f"--confidence must be in (0, 1] (got {confidence})")
    n = carbon.shape[0]
    m = _base(c, settings)
    low = lowest_carbon(c, carbon)
    need = int(math.ceil(confidence * n - 1e-9))
    m.D = pyo.RangeSet(0, n - 1)
    m.z = pyo.Var(m.D, within=pyo.Binary)
    xs = m._xs
    for d in range(n):
        if low[d] >= target:
            m.z[d].fix(1)
    hard = [d for d in range(n) if low[d] < target]
    scale = max(abs(target), 1.0)

    def meets(_m: pyo.ConcreteModel, d: int) -> object:  # X_d - (T - L_d) z_d >= L_d, scaled by |T|
        return LinearExpression(constant=0.0, linear_coefs=[*(carbon[d] / scale).tolist(), -(target - low[d]) / scale],
                                linear_vars=[*xs, m.z[d]]) >= low[d] / scale

    m.meets = pyo.Constraint(hard, rule=meets)
    m.share = pyo.Constraint(expr=sum(m.z[d] for d in m.D) >= need)
    m.obj = pyo.Objective(expr=_linear(c.cost, xs), sense=pyo.minimize)
    m._need = need
    return m


def cvar(values: np.ndarray, alpha: float) -> float:
    """Empirical CVaR_alpha of ``values`` (lower tail): max over eta of the Rockafellar-Uryasev
    function, attained at one of the values."""
    v = np.sort(np.asarray(values, dtype=float))
    n = v.size
    return float(max(eta - np.maximum(eta - v, 0.0).sum() / (alpha * n) for eta in v))


@dataclass
class RiskPlan:
    """A risk-aware plan and what it was asked."""

    result: PlanResult
    risk: str
    alpha: float | None
    confidence: float | None
    target: float | None


def risk_plan(table: OptionTable, settings: PlanSettings, carbon: np.ndarray, risk: str, *,
              alpha: float = 0.1, confidence: float = 0.9, target: float | None = None) -> RiskPlan:
    """Solve the CVaR or chance-constrained plan over the ensemble ``carbon`` (N, table rows)."""
    c, mat = risk_candidates(table, settings.with_(target_tco2e=None, objective="max-carbon"), carbon)
    if risk == "cvar":
        m = build_cvar(c, settings, mat, alpha)
    elif risk == "chance":
        if target is None:
            raise InputError("--risk chance needs a carbon target (--target-tco2e)")
        m = build_chance(c, settings, mat, confidence, target)
    else:
        raise InputError(f"--risk must be cvar or chance (got '{risk}')")
    sol = solve(m, settings)
    if sol.status == "infeasible":
        what = (f"no plan meets {target:,.0f} t CO2e in {confidence:.0%} of the draws within the budget and limits"
                if risk == "chance" else "no plan satisfies the budget and limits")
        raise RunError(what)
    res = PlanResult(table, settings, c, m, sol, {"estimate": (table.meta.get("timings_s") or {}).get("estimate"),
                                                  "build": None, "solve": sol.solve_s, "write": None})
    return RiskPlan(res, risk, alpha if risk == "cvar" else None, confidence if risk == "chance" else None, target)


def alternatives(table: OptionTable, settings: PlanSettings, k: int, within: float,
                 first: PlanResult | None = None) -> list[Solution]:
    """The optimum and up to ``k - 1`` distinct plans within ``within`` (relative) of it."""
    if k < 1:
        raise InputError(f"--alternatives must be at least 1 (got {k})")
    if not 0.0 <= within < 1.0:
        raise InputError(f"--within must be in [0, 1) (got {within})")
    c = select(table, settings)
    m = build_from_candidates(c, settings)
    sol = solve(m, settings) if first is None else first.solution
    if sol.status == "infeasible":
        raise RunError("no plan is possible (see `minesink plan` for the explanation)")
    found = [sol]
    position = {int(r): i for i, r in enumerate(c.rows)}
    values = c.cost if settings.objective == "min-cost" else c.carbon
    best = float(values[[position[int(r)] for r in sol.rows]].sum())
    m.del_component(m.obj)
    if settings.objective == "min-cost":
        m.near = pyo.Constraint(expr=_linear(c.cost, m._xs) <= best + within * abs(best))
    else:
        m.near = pyo.Constraint(expr=_linear(c.carbon, m._xs) >= best - within * abs(best))
    m.cuts = pyo.ConstraintList()
    used = np.zeros(c.rows.size)
    while len(found) < k:
        chosen = np.array([position[int(r)] for r in found[-1].rows])
        used[chosen] += 1
        m.cuts.add(LinearExpression(constant=0.0, linear_coefs=[1.0] * chosen.size,
                                    linear_vars=[m._xs[i] for i in chosen.tolist()]) <= c.n_parcels - 1)
        if m.component("obj") is not None:
            m.del_component(m.obj)
        m.obj = pyo.Objective(expr=_linear(used, m._xs), sense=pyo.minimize)
        nxt = solve(m, settings)
        if nxt.status == "infeasible":
            log.info("only %d distinct plans lie within %.3g of the optimum", len(found), within)
            break
        found.append(nxt)
    return found
