"""Option table -> Pyomo model: a multiple-choice knapsack with a few coupling rows.

``build_model`` is a flat sequence of ``add_*`` steps; each states its algebra. Notation:
i indexes kept parcel x option rows (candidates), p parcels, x_i binary (1 = parcel p(i) takes
option i), a_p parcel area [ha], c_i = a x net t CO2e/ha at the horizon, k_i = a x cost CNY/ha,
e_i = a x erosion t/ha/yr, l_i^L = a x layer-L share, s_i^S = a x species-S share, A = sum a_p.

Locks, forced options, the per-parcel erosion tolerance and species suitability are filters:
rows they exclude get no variable (optimizer.planning.candidates). Coupling rows that no plan can violate
are left out. Everything is built from numpy arrays: no loop over option rows.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from estimators.table import OptionTable
from optimizer.planning.candidates import Candidates, select
from optimizer.planning.coupling import (CouplingRow, budget_row, layer_rows, sediment_row, species_rows,
                                target_row)
from optimizer.errors import InputError
from optimizer.inputs.settings import PlanSettings

log = logging.getLogger(__name__)


def _linear(coefs: np.ndarray, xs: list) -> LinearExpression:
    """sum_i coefs_i x_i as one LinearExpression (fast: no operator overloading per term)."""
    nz = np.flatnonzero(coefs)
    if nz.size == coefs.size:
        return LinearExpression(constant=0.0, linear_coefs=coefs.tolist(), linear_vars=xs)
    return LinearExpression(constant=0.0, linear_coefs=coefs[nz].tolist(),
                            linear_vars=[xs[i] for i in nz.tolist()])


def add_choices(m: pyo.ConcreteModel, c: Candidates, decided: np.ndarray | None = None) -> None:
    """Sets and variables: I = kept rows with a variable, P = parcels with a choice left,
    x_i in {0, 1} for i in I.

    Only rows that pass the filters exist, so suitability, lock-out (natural only), lock-in
    (no natural) and forced options (that row only) hold by construction. A ``decided`` row (the
    only candidate its parcel has left) gets no variable: x_i = 1 is a constant, its terms move
    to the right-hand sides and the objective constant. ``m._var`` are the positions (in ``c``)
    of the rows with a variable; ``m._rows`` the option-table rows of all of ``c``.
    """
    decided = np.zeros(c.rows.size, dtype=bool) if decided is None else decided
    var = np.flatnonzero(~decided)
    m.I = pyo.RangeSet(0, var.size - 1)
    m.x = pyo.Var(m.I, within=pyo.Binary)
    m._rows = c.rows
    m._candidates = c
    m._var = var
    m._decided = decided
    m._xs = list(m.x.values())


def add_one_option(m: pyo.ConcreteModel, c: Candidates) -> None:
    """One option per parcel: sum_{i in I(p)} x_i = 1 for every parcel p with a choice left."""
    parcel = c.parcel[m._var]
    starts = np.flatnonzero(np.r_[True, parcel[1:] != parcel[:-1]]) if parcel.size else np.zeros(0, dtype=int)
    bounds = np.r_[starts, parcel.size].tolist()
    xs = m._xs
    m.P = pyo.RangeSet(0, starts.size - 1)

    def rule(_m: pyo.ConcreteModel, p: int) -> object:
        lo, hi = bounds[p], bounds[p + 1]
        return LinearExpression(constant=0.0, linear_coefs=[1.0] * (hi - lo), linear_vars=xs[lo:hi]) == 1

    m.one_option = pyo.Constraint(m.P, rule=rule)
    m._nnz += int(parcel.size)


def _coupling(m: pyo.ConcreteModel, row: CouplingRow | None) -> None:
    """Add ``sum coefs_i x_i (<=|>=|==) rhs``; in an elastic model with slacks that relax it.

    The row is divided by its largest |coefficient| (HiGHS warns about, and slows on, rows like
    a budget in CNY with coefficients of 1e6 and a right-hand side of 1e9); the slack of an
    elastic row is in those scaled units, ``m._coupling[name]`` keeps the scale to undo it.
    An elastic equality gets two slacks (above and below), summed in ``m._slacks``.
    """
    if row is None:
        return
    name, sense, rhs = row.name, row.sense, row.rhs
    coefs = row.coefs[m._var]
    fixed = float(row.coefs[m._decided].sum())  # decided rows' part, moved to the rhs
    scale = float(np.abs(coefs).max()) if coefs.size and np.abs(coefs).max() > 0 else 1.0
    if not m._elastic and not np.any(coefs):  # only decided rows carry it: a constant row
        m._coupling[name] = (sense, float(rhs), scale)
        return
    expr = _linear(coefs / scale, m._xs)
    if m._elastic:
        slack = pyo.Var(within=pyo.NonNegativeReals)
        m.add_component(f"slack_{name}", slack)
        relax: object = slack
        if sense == "==":
            below = pyo.Var(within=pyo.NonNegativeReals)
            m.add_component(f"slack_{name}_below", below)
            expr = expr - slack + below
            relax = slack + below
        else:
            expr = expr - slack if sense == "<=" else expr + slack
        m._slacks[name] = (relax, max(abs(rhs) / scale, 1e-6))
    target = (rhs - fixed) / scale
    con = expr <= target if sense == "<=" else expr >= target if sense == ">=" else expr == target
    m.add_component(name, pyo.Constraint(expr=con))
    m._coupling[name] = (sense, float(rhs), scale)
    m._n_coupling += 1
    m._nnz += int(np.count_nonzero(coefs))


def add_budget(m: pyo.ConcreteModel, c: Candidates, s: PlanSettings) -> None:
    """Total budget: sum_i k_i x_i <= B (capital plus maintenance within the horizon)."""
    _coupling(m, budget_row(c, s))


def add_sediment(m: pyo.ConcreteModel, c: Candidates, s: PlanSettings) -> None:
    """Total sediment cap: sum_i e_i x_i <= S_max [t/yr]."""
    _coupling(m, sediment_row(c, s))


def add_layer_shares(m: pyo.ConcreteModel, c: Candidates, s: PlanSettings) -> None:
    """Layer area shares: sum_i l_i^L x_i >= lo_L A and sum_i l_i^L x_i <= hi_L A
    (one equality row ``share_<layer>`` when lo_L = hi_L)."""
    for row in layer_rows(c, s):
        _coupling(m, row)


def add_species_shares(m: pyo.ConcreteModel, c: Candidates, s: PlanSettings) -> None:
    """Species cap: sum_i s_i^S x_i <= cap A for every species S that could exceed it."""
    for row in species_rows(c, s):
        _coupling(m, row)


def add_target(m: pyo.ConcreteModel, c: Candidates, s: PlanSettings) -> None:
    """Carbon target: sum_i c_i x_i >= T [t CO2e at the horizon]."""
    _coupling(m, target_row(c, s))


def add_objective(m: pyo.ConcreteModel, c: Candidates, s: PlanSettings) -> None:
    """max-carbon: maximise sum_i c_i x_i; min-cost: minimise sum_i k_i x_i.

    Elastic model: minimise sum_r slack_r / |rhs_r| (how far each row is violated, relative to
    its right-hand side).
    """
    if m._elastic:
        m.obj = pyo.Objective(expr=sum(v / scale for v, scale in m._slacks.values()), sense=pyo.minimize)
        return
    coefs = c.cost if s.objective == "min-cost" else c.carbon
    expr = _linear(coefs[m._var], m._xs)
    expr = LinearExpression(constant=float(coefs[m._decided].sum()), linear_coefs=list(expr.linear_coefs),
                            linear_vars=list(expr.linear_vars))
    m.obj = pyo.Objective(expr=expr, sense=pyo.minimize if s.objective == "min-cost" else pyo.maximize)


def decided_rows(c: Candidates) -> np.ndarray:
    """Rows that are the only candidate of their parcel (all but the first such parcel, so that
    a model keeps at least one variable)."""
    counts = np.bincount(c.parcel, minlength=c.n_parcels)
    single = counts[c.parcel] == 1
    if single.all() and single.size:
        single[0] = False
    return single


def build_from_candidates(c: Candidates, settings: PlanSettings, elastic: bool = False,
                          fold: bool = False) -> pyo.ConcreteModel:
    """The model for already selected candidates (see ``build_model``).

    ``fold``: parcels left with a single candidate (after the presolve's fixing) get no variable
    and no one-option row; their terms are constants (``decided_rows``). The model is the same
    problem, smaller.
    """
    if elastic and fold:
        raise ValueError("an elastic model is not folded")
    m = pyo.ConcreteModel(name="minesink_plan")
    m._elastic = elastic
    m._slacks = {}
    m._coupling = {}
    m._n_coupling = 0
    m._nnz = 0
    add_choices(m, c, decided_rows(c) if fold else None)
    add_one_option(m, c)
    add_budget(m, c, settings)
    add_sediment(m, c, settings)
    add_layer_shares(m, c, settings)
    add_species_shares(m, c, settings)
    add_target(m, c, settings)
    add_objective(m, c, settings)
    m._settings = settings
    return m


def build_model(table: OptionTable, settings: PlanSettings, elastic: bool = False) -> pyo.ConcreteModel:
    """Build the plan model for ``table`` under ``settings``.

    Returns a ConcreteModel with ``x`` (binary per kept row), ``one_option``, the coupling rows
    that can bind (budget, sediment, min_share_<layer>, max_share_<layer>, max_share_<species>,
    target) and ``obj``. ``model._rows`` are the option-table rows of the candidates
    (``model._candidates``), ``model._var`` the candidates that have a variable, in order.
    Raises InputError / RunError from candidate selection (unknown forced option, parcels that
    no option can serve).
    """
    c = select(table, settings)
    m = build_from_candidates(c, settings, elastic)
    log.info("model: %d binaries, %d parcels, coupling rows %s", c.rows.size, c.n_parcels, list(m._coupling))
    return m


def model_size(m: pyo.ConcreteModel) -> dict[str, int]:
    """Variables, constraints and nonzeros of a built model."""
    return {"variables": int(len(m._xs) + len(m._slacks)), "constraints": int(len(m.P) + m._n_coupling),
            "nonzeros": int(m._nnz + len(m._slacks))}


def export_model(m: pyo.ConcreteModel, path: str | Path) -> Path:
    """Write the model as MPS or LP (chosen by the file suffix) with readable names."""
    path = Path(path)
    fmt = {".mps": "mps", ".lp": "lp"}.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"--export-model {path}: the file must end in .mps or .lp")
    path.parent.mkdir(parents=True, exist_ok=True)
    m.write(str(path), format=fmt, io_options={"symbolic_solver_labels": True})
    return path
