"""Option table -> Pyomo model: a multiple-choice knapsack with a few coupling rows.

``build_model`` is a flat sequence of ``add_*`` steps; each states its algebra. Notation:
i indexes kept parcel x option rows (candidates), p parcels, x_i binary (1 = parcel p(i) takes
option i), a_p parcel area [ha], c_i = a x net t CO2e/ha at the horizon, k_i = a x cost CNY/ha,
e_i = a x erosion t/ha/yr, l_i^L = a x layer-L share, s_i^S = a x species-S share, A = sum a_p.

Locks, forced options, the per-parcel erosion tolerance and species suitability are filters:
rows they exclude get no variable (optimizer.candidates). Coupling rows that no plan can violate
are left out. Everything is built from numpy arrays: no loop over option rows.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from estimators.table import LAYERS, OptionTable
from optimizer.candidates import Candidates, select
from optimizer.errors import InputError
from optimizer.settings import PlanSettings

log = logging.getLogger(__name__)


def _linear(coefs: np.ndarray, xs: list) -> LinearExpression:
    """sum_i coefs_i x_i as one LinearExpression (fast: no operator overloading per term)."""
    nz = np.flatnonzero(coefs)
    if nz.size == coefs.size:
        return LinearExpression(constant=0.0, linear_coefs=coefs.tolist(), linear_vars=xs)
    return LinearExpression(constant=0.0, linear_coefs=coefs[nz].tolist(),
                            linear_vars=[xs[i] for i in nz.tolist()])


def add_choices(m: pyo.ConcreteModel, c: Candidates) -> None:
    """Sets and variables: I = kept rows, P = parcels, x_i in {0, 1} for i in I.

    Only rows that pass the filters exist, so suitability, lock-out (natural only), lock-in
    (no natural) and forced options (that row only) hold by construction.
    """
    m.I = pyo.RangeSet(0, c.rows.size - 1)
    m.P = pyo.RangeSet(0, c.n_parcels - 1)
    m.x = pyo.Var(m.I, within=pyo.Binary)
    m._rows = c.rows
    m._candidates = c
    m._xs = list(m.x.values())


def add_one_option(m: pyo.ConcreteModel, c: Candidates) -> None:
    """One option per parcel: sum_{i in I(p)} x_i = 1 for every parcel p."""
    starts = np.flatnonzero(np.r_[True, c.parcel[1:] != c.parcel[:-1]])
    bounds = np.r_[starts, c.rows.size].tolist()
    xs = m._xs

    def rule(_m: pyo.ConcreteModel, p: int) -> object:
        lo, hi = bounds[p], bounds[p + 1]
        return LinearExpression(constant=0.0, linear_coefs=[1.0] * (hi - lo), linear_vars=xs[lo:hi]) == 1

    m.one_option = pyo.Constraint(m.P, rule=rule)


def _coupling(m: pyo.ConcreteModel, name: str, coefs: np.ndarray, sense: str, rhs: float) -> None:
    """Add ``sum coefs_i x_i (<=|>=) rhs``; in an elastic model with a slack that relaxes it.

    The row is divided by its largest |coefficient| (HiGHS warns about, and slows on, rows like
    a budget in CNY with coefficients of 1e6 and a right-hand side of 1e9); the slack of an
    elastic row is in those scaled units, ``m._coupling[name]`` keeps the scale to undo it.
    """
    scale = float(np.abs(coefs).max()) if coefs.size and np.abs(coefs).max() > 0 else 1.0
    expr = _linear(coefs / scale, m._xs)
    if m._elastic:
        slack = pyo.Var(within=pyo.NonNegativeReals)
        m.add_component(f"slack_{name}", slack)
        m._slacks[name] = (slack, max(abs(rhs) / scale, 1e-6))
        expr = expr - slack if sense == "<=" else expr + slack
    con = expr <= rhs / scale if sense == "<=" else expr >= rhs / scale
    m.add_component(name, pyo.Constraint(expr=con))
    m._coupling[name] = (sense, float(rhs), scale)
    m._nnz += int(np.count_nonzero(coefs))


def add_budget(m: pyo.ConcreteModel, c: Candidates, s: PlanSettings) -> None:
    """Total budget: sum_i k_i x_i <= B (capital plus maintenance within the horizon)."""
    if c.active.get("budget"):
        assert s.budget_cny is not None  # active_rows sets "budget" only with a budget
        _coupling(m, "budget", c.cost, "<=", float(s.budget_cny))


def add_sediment(m: pyo.ConcreteModel, c: Candidates, s: PlanSettings) -> None:
    """Total sediment cap: sum_i e_i x_i <= S_max [t/yr]."""
    if c.active.get("sediment"):
        assert s.max_sediment_t_yr is not None  # active only with a cap
        _coupling(m, "sediment", c.sediment, "<=", float(s.max_sediment_t_yr))


def add_layer_shares(m: pyo.ConcreteModel, c: Candidates, s: PlanSettings) -> None:
    """Layer area shares: sum_i l_i^L x_i >= lo_L A and sum_i l_i^L x_i <= hi_L A."""
    total = c.total_area
    for layer in LAYERS:
        if c.active.get(f"min_share_{layer}"):
            _coupling(m, f"min_share_{layer}", c.layer_area[layer], ">=", s.min_area_share[layer] * total)
        if c.active.get(f"max_share_{layer}"):
            _coupling(m, f"max_share_{layer}", c.layer_area[layer], "<=", s.max_area_share[layer] * total)


def add_species_shares(m: pyo.ConcreteModel, c: Candidates, s: PlanSettings) -> None:
    """Species cap: sum_i s_i^S x_i <= cap A for every species S that could exceed it."""
    for sp in sorted(c.species_area):
        assert s.max_species_area_share is not None  # species rows exist only with a cap
        _coupling(m, f"max_share_{sp}", c.species_area[sp], "<=", float(s.max_species_area_share) * c.total_area)


def add_target(m: pyo.ConcreteModel, c: Candidates, s: PlanSettings) -> None:
    """Carbon target: sum_i c_i x_i >= T [t CO2e at the horizon]."""
    if c.active.get("target"):
        assert s.target_tco2e is not None  # active only with a target
        _coupling(m, "target", c.carbon, ">=", float(s.target_tco2e))


def add_objective(m: pyo.ConcreteModel, c: Candidates, s: PlanSettings) -> None:
    """max-carbon: maximise sum_i c_i x_i; min-cost: minimise sum_i k_i x_i.

    Elastic model: minimise sum_r slack_r / |rhs_r| (how far each row is violated, relative to
    its right-hand side).
    """
    if m._elastic:
        m.obj = pyo.Objective(expr=sum(v / scale for v, scale in m._slacks.values()), sense=pyo.minimize)
    elif s.objective == "min-cost":
        m.obj = pyo.Objective(expr=_linear(c.cost, m._xs), sense=pyo.minimize)
    else:
        m.obj = pyo.Objective(expr=_linear(c.carbon, m._xs), sense=pyo.maximize)


def build_from_candidates(c: Candidates, settings: PlanSettings, elastic: bool = False) -> pyo.ConcreteModel:
    """The model for already selected candidates (see ``build_model``)."""
    m = pyo.ConcreteModel(name="minesink_plan")
    m._elastic = elastic
    m._slacks = {}
    m._coupling = {}
    m._nnz = int(c.rows.size)  # one_option rows
    add_choices(m, c)
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
    target) and ``obj``. ``model._rows`` maps variable index i to the option-table row position.
    Raises InputError / RunError from candidate selection (unknown forced option, parcels that
    no option can serve).
    """
    c = select(table, settings)
    m = build_from_candidates(c, settings, elastic)
    log.info("model: %d binaries, %d parcels, coupling rows %s", c.rows.size, c.n_parcels, list(m._coupling))
    return m


def model_size(m: pyo.ConcreteModel) -> dict[str, int]:
    """Variables, constraints and nonzeros of a built model."""
    c: Candidates = m._candidates
    return {"variables": int(c.rows.size + len(m._slacks)), "constraints": int(c.n_parcels + len(m._coupling)),
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
