"""The phased-plan model: columns (``optimizer.planning.shift``) -> coupling rows -> Pyomo model.

Notation: j indexes columns (parcel p(j), option o(j), start s(j) in period k(j); or "not yet"),
x_j binary; C_j(Y) credited t CO2e of the column's parcel at year Y, m_jk money [CNY] it needs in
period k, a_j area [ha] of active works (0 for natural recovery and "not yet"), e_j sediment
[t/yr], l_j^L and s_j^S layer and species areas [ha], D_j discounted cost [CNY].

    one choice per parcel   sum_{j in J(p)} x_j = 1            ("not yet" is a column of its own)
    budgets                 sum_j m_jk x_j <= B_k               for every period k, or with
                            sum_j sum_{k'<=k} m_jk' x_j <= sum_{k'<=k} B_k'   (carry-over)
    total                   sum_j sum_k m_jk x_j <= B_total     ([budget] total_cny beside them)
    capacity                sum_{j: k(j) = k} a_j x_j <= A_k
    sediment, shares        as in the one-lump plan (optimizer.planning.model)
    milestones              sum_j C_j(Y) x_j >= T_Y
    objective               max sum_Y w_Y sum_j C_j(Y) x_j, or min sum_j D_j x_j

The structure is the one-lump plan's multiple-choice knapsack with more coupling rows (one per
period for money and for capacity, one per milestone): the carry-over is written as cumulative
rows on x alone, with no money variables, so every row is a ``ScheduleRow`` (name, coefficients
per column, sense, rhs) and the Lagrangian presolve of the one-lump plan applies unchanged
(``objective_coefs`` gives the objective in maximisation form).

``schedule_rows`` lists the rows that can bind (a row no choice can violate is left out),
``prune_columns`` drops columns dominated within their (parcel, period) on every row that can
bind, and ``build_schedule_model`` is a flat sequence of ``add_*`` steps over arrays.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from estimators.table import LAYERS
from optimizer.planning.candidates import EPS
from optimizer.planning.dominance import dominated
from optimizer.planning.model import _linear
from optimizer.inputs.schedule_spec import ScheduleSpec
from optimizer.inputs.settings import PlanSettings
from optimizer.planning.shift import DEFER, Columns

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduleRow:
    """``sum_j coefs[j] x_j (sense) rhs``, ``kind`` one of budget, total, capacity, sediment,
    share, milestone; ``text`` names it for a planner."""

    name: str
    coefs: np.ndarray
    sense: str
    rhs: float
    kind: str
    text: str


def group_starts(parcel: np.ndarray) -> np.ndarray:
    """First column of every parcel (columns of a parcel are contiguous)."""
    return np.flatnonzero(np.r_[True, parcel[1:] != parcel[:-1]]) if parcel.size else np.zeros(0, dtype=np.int64)


def per_parcel(values: np.ndarray, parcel: np.ndarray, how: str) -> np.ndarray:
    """Per-parcel max or min of ``values`` over contiguous parcel columns."""
    starts = group_starts(parcel)
    return (np.maximum if how == "max" else np.minimum).reduceat(values, starts)


def can_bind(row: ScheduleRow, parcel: np.ndarray) -> bool:
    """Whether some choice of one column per parcel can violate the row."""
    if row.sense == "<=":
        return bool(per_parcel(row.coefs, parcel, "max").sum() > row.rhs * (1 + EPS) + EPS)
    return bool(per_parcel(row.coefs, parcel, "min").sum() < row.rhs * (1 - EPS) - EPS)


def _money(cny: float) -> str:
    return f"{cny / 1e6:.2f} M CNY" if abs(cny) >= 1e6 else f"{cny:,.0f} CNY"


def budget_rows(c: Columns, spec: ScheduleSpec) -> list[ScheduleRow]:
    """Money per period (cumulative with carry-over) and the total cap."""
    labels = spec.labels()
    out = []
    if spec.budget_cny is not None:
        budgets = np.asarray(spec.budget_cny, dtype=float)
        if spec.carry_over:
            cum = np.cumsum(c.spend, axis=1)
            for k, label in enumerate(labels):
                out.append(ScheduleRow(f"budget_to_{label}", cum[:, k], "<=", float(budgets[:k + 1].sum()), "budget",
                                       f"the money available up to period {label} "
                                       f"({_money(float(budgets[:k + 1].sum()))} with carry-over)"))
        else:
            for k, label in enumerate(labels):
                out.append(ScheduleRow(f"budget_{label}", c.spend[:, k], "<=", float(budgets[k]), "budget",
                                       f"the budget of period {label} ({_money(float(budgets[k]))})"))
    if spec.total_cny is not None:
        out.append(ScheduleRow("budget_total", c.spend.sum(axis=1), "<=", float(spec.total_cny), "total",
                               f"the total budget ({_money(float(spec.total_cny))})"))
    return out


def capacity_rows(c: Columns, spec: ScheduleSpec) -> list[ScheduleRow]:
    """Area on which active works start in each period."""
    if spec.max_area_ha is None:
        return []
    out = []
    for k, label in enumerate(spec.labels()):
        cap = spec.max_area_ha[k]
        if cap is not None:
            out.append(ScheduleRow(f"area_{label}", np.where(c.period == k, c.worked_area, 0.0), "<=", float(cap),
                                   "capacity", f"the works capacity of period {label} ({cap:,.1f} ha)"))
    return out


def plan_rows(c: Columns, settings: PlanSettings) -> list[ScheduleRow]:
    """Sediment cap, layer shares and species caps, as in the one-lump plan."""
    out = []
    total = c.total_area
    if settings.max_sediment_t_yr is not None:
        out.append(ScheduleRow("sediment", c.sediment, "<=", float(settings.max_sediment_t_yr), "sediment",
                               f"the sediment cap ({settings.max_sediment_t_yr:,.0f} t/yr)"))
    for layer in LAYERS:
        lo = dict(settings.min_area_share).get(layer)
        hi = dict(settings.max_area_share).get(layer)
        if lo is not None:
            out.append(ScheduleRow(f"min_share_{layer}", c.layer_area[layer], ">=", lo * total, "share",
                                   f"the minimum {layer} area share ({lo:g})"))
        if hi is not None:
            out.append(ScheduleRow(f"max_share_{layer}", c.layer_area[layer], "<=", hi * total, "share",
                                   f"the maximum {layer} area share ({hi:g})"))
    if settings.max_species_area_share is not None:
        cap = float(settings.max_species_area_share)
        for sp in sorted(c.species_area):
            out.append(ScheduleRow(f"max_share_{sp}", c.species_area[sp], "<=", cap * total, "share",
                                   f"the species cap ({sp} on at most {cap:g} of the area)"))
    return out


def milestone_rows(c: Columns, spec: ScheduleSpec) -> list[ScheduleRow]:
    """Credited carbon of the whole mine at each milestone year."""
    return [ScheduleRow(f"milestone_{year}", c.carbon[:, c.year_index(year)], ">=", float(target), "milestone",
                        f"milestone min_tco2e_{year} ({target:,.0f} t CO2e by {year})")
            for year, target in spec.milestones.items()]


def schedule_rows(c: Columns, spec: ScheduleSpec, settings: PlanSettings, *,
                  kinds: tuple[str, ...] | None = None, keep_all: bool = False) -> list[ScheduleRow]:
    """Every coupling row that can bind (all of them with ``keep_all``), in model order."""
    rows = budget_rows(c, spec) + capacity_rows(c, spec) + plan_rows(c, settings) + milestone_rows(c, spec)
    if kinds is not None:
        rows = [r for r in rows if r.kind in kinds]
    return rows if keep_all else [r for r in rows if can_bind(r, c.parcel)]


def objective_coefs(c: Columns, spec: ScheduleSpec) -> tuple[np.ndarray, str]:
    """Objective coefficients and sense: weighted credited carbon (maximise; no weights = the
    horizon, the last of ``c.years``) or discounted cost (minimise)."""
    if spec.objective == "min-cost":
        return c.discounted, "min"
    weights = np.zeros(len(c.years))
    for year, w in (spec.carbon_weights or {max(c.years): 1.0}).items():
        weights[c.year_index(year)] = w
    return c.carbon @ weights, "max"


def distinct_columns(cols: list[np.ndarray]) -> list[int]:
    """Positions of the criteria that repeat no earlier one up to a positive factor (first
    occurrences, in order: the objective and the cost stay first, they choose the champions).
    Compared by scaling each by its largest |value|, column against column: m^2 vector
    comparisons instead of sorting m records of n fields each."""
    scaled = [v / (float(np.abs(v).max()) or 1.0) if v.size else v for v in cols]
    out: list[int] = []
    for i, v in enumerate(scaled):
        if not any(np.array_equal(v, scaled[j]) for j in out):
            out.append(i)
    return out


def prune_columns(c: Columns, spec: ScheduleSpec, rows: list[ScheduleRow]) -> np.ndarray:
    """Columns dominated within their (parcel, period): True = drop.

    Column j is dominated by another column of the same parcel and period when that one is at
    least as good on the objective, the total cost and every row that can bind (exact: the
    swap keeps every plan feasible and never worse). Criteria that repeat another are dropped.
    """
    coefs, sense = objective_coefs(c, spec)
    cols = [coefs if sense == "max" else -coefs, -(c.capital + c.maintenance)]
    cols += [-r.coefs if r.sense == "<=" else r.coefs for r in rows]
    crit = np.column_stack([cols[i] for i in distinct_columns(cols)])
    k = spec.n_periods + 1
    group = c.parcel.astype(np.int64) * k + np.where(c.period == DEFER, k - 1, c.period)
    return dominated(group, crit)


def _coupling(m: pyo.ConcreteModel, row: ScheduleRow) -> None:
    """Add one row, divided by its largest |coefficient| over the columns with a variable; the
    decided columns' part moves to the rhs (a row only they carry is a constant: recorded, not
    added). Elastic rows get a slack."""
    coefs = row.coefs[m._var]
    fixed = float(row.coefs[m._decided].sum())
    big = float(np.abs(coefs).max()) if coefs.size else 0.0
    scale = big if big > 0 else 1.0
    if not m._elastic and not np.any(coefs):
        m._coupling[row.name] = (row.sense, float(row.rhs), scale)
        return
    expr = _linear(coefs / scale, m._xs)
    if row.kind in m._elastic:
        slack = pyo.Var(within=pyo.NonNegativeReals)
        m.add_component(f"slack_{row.name}", slack)
        m._slacks[row.name] = (slack, max(abs(row.rhs) / scale, 1e-6))
        expr = expr - slack if row.sense == "<=" else expr + slack
    rhs = (row.rhs - fixed) / scale
    m.add_component(row.name, pyo.Constraint(expr=expr <= rhs if row.sense == "<=" else expr >= rhs))
    m._coupling[row.name] = (row.sense, float(row.rhs), scale)
    m._nnz += int(np.count_nonzero(coefs))


def decided_columns(c: Columns) -> np.ndarray:
    """Columns that are the only one of their parcel (all but the first such parcel, so that a
    model keeps at least one variable)."""
    counts = np.bincount(c.parcel, minlength=c.n_parcels)
    single = counts[c.parcel] == 1
    if single.all() and single.size:
        single[0] = False
    return single


def add_choices(m: pyo.ConcreteModel, c: Columns, decided: np.ndarray | None = None) -> None:
    """x_j in {0, 1} for every column j (filters and pruning already applied) but the
    ``decided`` ones (the only column of their parcel: x_j = 1 is a constant).

    ``m._rows`` are the column positions of all of ``c``, ``m._var`` those with a variable.
    """
    decided = np.zeros(c.size, dtype=bool) if decided is None else decided
    var = np.flatnonzero(~decided)
    m.J = pyo.RangeSet(0, var.size - 1)
    m.x = pyo.Var(m.J, within=pyo.Binary)
    m._xs = list(m.x.values())
    m._rows = np.arange(c.size)
    m._var = var
    m._decided = decided
    m._candidates = c


def add_one_choice(m: pyo.ConcreteModel, c: Columns) -> None:
    """sum_{j in J(p)} x_j = 1 for every parcel p with a choice left (an option and start, or
    "not yet")."""
    parcel = c.parcel[m._var]
    bounds = np.r_[group_starts(parcel), parcel.size].tolist()
    xs = m._xs
    m.P = pyo.RangeSet(0, len(bounds) - 2)

    def rule(_m: pyo.ConcreteModel, p: int) -> object:
        lo, hi = bounds[p], bounds[p + 1]
        return LinearExpression(constant=0.0, linear_coefs=[1.0] * (hi - lo), linear_vars=xs[lo:hi]) == 1

    m.one_choice = pyo.Constraint(m.P, rule=rule)
    m._nnz += int(parcel.size)


def _add_kind(m: pyo.ConcreteModel, rows: list[ScheduleRow], kinds: tuple[str, ...]) -> None:
    for row in rows:
        if row.kind in kinds:
            _coupling(m, row)


def add_budgets(m: pyo.ConcreteModel, rows: list[ScheduleRow]) -> None:
    """sum_j m_jk x_j <= B_k per period (cumulative with carry-over) and the total cap."""
    _add_kind(m, rows, ("budget", "total"))


def add_capacity(m: pyo.ConcreteModel, rows: list[ScheduleRow]) -> None:
    """sum_{j in period k} a_j x_j <= A_k per period."""
    _add_kind(m, rows, ("capacity",))


def add_plan_rows(m: pyo.ConcreteModel, rows: list[ScheduleRow]) -> None:
    """Sediment cap and area shares (as optimizer.planning.model)."""
    _add_kind(m, rows, ("sediment", "share"))


def add_milestones(m: pyo.ConcreteModel, rows: list[ScheduleRow]) -> None:
    """sum_j C_j(Y) x_j >= T_Y per milestone year Y."""
    _add_kind(m, rows, ("milestone",))


def add_objective(m: pyo.ConcreteModel, coefs: np.ndarray, sense: str) -> None:
    """max sum_j coefs_j x_j (or min), the decided columns' part a constant; an elastic model
    minimises sum_r slack_r / |rhs_r|."""
    if m._elastic:
        m.obj = pyo.Objective(expr=sum(v / scale for v, scale in m._slacks.values()), sense=pyo.minimize)
        return
    expr = _linear(coefs[m._var], m._xs)
    expr = LinearExpression(constant=float(coefs[m._decided].sum()), linear_coefs=list(expr.linear_coefs),
                            linear_vars=list(expr.linear_vars))
    m.obj = pyo.Objective(expr=expr, sense=pyo.maximize if sense == "max" else pyo.minimize)


def build_schedule_model(c: Columns, rows: list[ScheduleRow], objective: tuple[np.ndarray, str],
                         elastic: tuple[str, ...] = (), fold: bool = False) -> pyo.ConcreteModel:
    """The phased-plan model over columns ``c`` with coupling ``rows``.

    ``elastic``: row kinds that get a slack; the objective is then the sum of relative slacks.
    ``fold``: parcels left with one column (after the presolve's fixing) get no variable and no
    one-choice row; their terms are constants (``decided_columns``): the same problem, smaller.
    The model carries what ``optimizer.planning.solve.solve`` reads (``_xs``, ``_rows`` = column
    positions, ``_var``, ``_decided``, ``_candidates`` = the columns).
    """
    if elastic and fold:
        raise ValueError("an elastic model is not folded")
    m = pyo.ConcreteModel(name="minesink_schedule")
    m._elastic = tuple(elastic)
    m._slacks = {}
    m._coupling = {}
    m._nnz = 0
    add_choices(m, c, decided_columns(c) if fold else None)
    add_one_choice(m, c)
    add_budgets(m, rows)
    add_capacity(m, rows)
    add_plan_rows(m, rows)
    add_milestones(m, rows)
    add_objective(m, *objective)
    return m


def model_size(m: pyo.ConcreteModel) -> dict[str, int]:
    """Binaries, constraints and nonzeros of a built schedule model."""
    added = sum(1 for name in m._coupling if m.component(name) is not None)
    return {"variables": len(m._xs) + len(m._slacks), "constraints": len(m.P) + added,
            "nonzeros": int(m._nnz + len(m._slacks))}
