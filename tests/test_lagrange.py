"""The Lagrangian presolve never removes what could win (optimizer.planning.lagrange).

Generic instances (random objective, "<=", ">=" and "==" rows, both objective senses) against
exhaustive enumeration: L(lambda) bounds every feasible plan, the repaired plan is feasible and no
better than the optimum, and every feasible plan at least as good as the repaired plan keeps all
its candidates (so the optimum survives the fixing). Then the full pipeline (``plan``) with and
without the presolve on random option tables with every kind of coupling row, locks and both
objectives, and the case where the budget and a minimum tree share near its reachable maximum
both bind.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from estimators.table import LAYERS
from optimizer.planning.coupling import CouplingRow
from optimizer.planning.lagrange import evaluate, is_feasible, presolve, relaxation
from optimizer.planning.plan import plan
from optimizer.inputs.settings import PlanSettings
from optables import make_option_table
from test_model import brute_force, random_case


def generic_case(seed: int) -> tuple[np.ndarray, list[CouplingRow], np.ndarray]:
    """Random parcels x options, objective and coupling rows of every sense.

    Coefficients are small integers (ties and exact equalities happen); right-hand sides are
    taken from a random plan so that most instances are feasible, nudged for inequalities.
    """
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 5, size=int(rng.integers(2, 6)))
    parcel = np.repeat(np.arange(counts.size), counts)
    n = parcel.size
    obj = rng.integers(-20, 40, n).astype(float) * (1.0 if rng.random() < 0.5 else 0.37)
    ref = np.array([rng.integers(c) for c in counts]) + np.r_[0, np.cumsum(counts)[:-1]]
    rows = []
    for r in range(int(rng.integers(1, 4))):
        coefs = rng.integers(-3, 8, n).astype(float) * float(rng.choice([1.0, 1e5, 1e-3]))
        sense = str(rng.choice(["<=", ">=", "=="], p=[0.45, 0.35, 0.2]))
        rhs = float(coefs[ref].sum())
        if sense != "==":
            nudge = rng.uniform(0, 0.3) * float(np.abs(coefs).sum() / max(counts.size, 1))
            rhs += nudge if sense == "<=" else -nudge
        rows.append(CouplingRow(f"r{r}", coefs, sense, rhs))
    return obj, rows, parcel


def enumerate_plans(obj, rows, parcel):
    """Every feasible plan (candidate positions) with its value."""
    groups = [np.flatnonzero(parcel == p) for p in range(parcel.max() + 1)]
    out = []
    for combo in itertools.product(*groups):
        x = np.array(combo)
        ok = True
        for row in rows:
            v = row.coefs[x].sum()
            scale = np.abs(row.coefs).max() or 1.0
            if row.sense == "<=" and v > row.rhs or row.sense == ">=" and v < row.rhs:
                ok = False
            if row.sense == "==" and abs(v - row.rhs) > 1e-12 * scale:
                ok = False
        if ok:
            out.append((float(obj[x].sum()), x))
    return out


@pytest.mark.parametrize("seed", range(150))
def test_generic_presolve_against_enumeration(seed):
    obj, rows, parcel = generic_case(seed)
    plans = enumerate_plans(obj, rows, parcel)
    pre = presolve(obj, rows, parcel)
    if not plans:
        assert pre.plan is None
        return
    best = max(v for v, _ in plans)
    tol = 1e-9 * (1 + abs(best))
    assert pre.bound >= best - tol  # an upper bound on every plan
    if pre.plan is None:  # only infeasible candidates may go
        assert all(pre.keep[x].all() for _, x in plans)
        return
    R = relaxation(obj, rows, parcel)
    assert is_feasible(R, pre.plan) and pre.plan_value == pytest.approx(obj[pre.plan].sum(), abs=1e-9)
    assert pre.plan_value <= best + tol
    for value, x in plans:  # every plan as good as the repaired one survives the fixing
        if value >= pre.plan_value - tol:
            assert pre.keep[x].all(), (value, x, pre.plan_value)
    optimum = [x for v, x in plans if v >= best - tol]
    assert all(pre.keep[x].all() for x in optimum)


@pytest.mark.parametrize("seed", range(0, 150, 5))
def test_generic_presolve_minimisation(seed):
    """min cost'x = -max (-cost)'x: the same guarantees for a minimisation passed in max form."""
    cost, rows, parcel = generic_case(seed)
    plans = enumerate_plans(-cost, rows, parcel)
    pre = presolve(-cost, rows, parcel)
    if not plans or pre.plan is None:
        return
    cheapest = min(-v for v, _ in plans)
    assert -pre.bound <= cheapest + 1e-9 * (1 + abs(cheapest))  # a lower bound on cost
    for value, x in plans:
        if -value <= -pre.plan_value + 1e-9:
            assert pre.keep[x].all()


def test_lagrangian_value_bounds_every_plan_at_any_multipliers():
    obj, rows, parcel = generic_case(7)
    R = relaxation(obj, rows, parcel)
    plans = enumerate_plans(obj, rows, parcel)
    rng = np.random.default_rng(0)
    for _ in range(20):
        lam = np.where(R.equality, rng.normal(0, 3, R.m), rng.exponential(2, R.m))
        ev = evaluate(R, lam)
        for value, _ in plans:
            assert ev.value * R.obj_scale >= value - 1e-9 * (1 + abs(value))


def test_equality_rows_take_free_multipliers():
    """An equality that pulls the wrong way needs a negative multiplier to bound tightly."""
    parcel = np.array([0, 0, 1, 1, 2, 2])
    obj = np.array([5.0, 1.0, 5.0, 1.0, 5.0, 1.0])
    eq = CouplingRow("eq", np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0]), "==", 2.0)  # exactly two "1" options
    pre = presolve(obj, [eq], parcel)
    assert pre.plan_value == pytest.approx(7.0) and pre.bound == pytest.approx(7.0, abs=1e-6)
    # each extra "1" forced costs 4: d(optimum)/d(rhs) = -4, a negative multiplier
    assert pre.row_prices["eq"] == pytest.approx(-4.0, rel=1e-6)
    ge = CouplingRow("ge", np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0]), "==", 1.0)  # exactly one "5"
    pre = presolve(obj, [ge], parcel)
    assert pre.plan_value == pytest.approx(7.0) and pre.bound == pytest.approx(7.0, abs=1e-6)


def test_no_coupling_rows_keeps_only_the_best_options():
    parcel = np.array([0, 0, 0, 1, 1])
    obj = np.array([1.0, 3.0, 3.0, 2.0, -1.0])
    pre = presolve(obj, [], parcel)
    assert pre.bound == pre.plan_value == 5.0
    assert pre.keep.tolist() == [False, True, True, True, False]  # ties kept


@pytest.mark.parametrize("seed", range(0, 60, 2))
def test_plan_with_and_without_presolve_agree(seed):
    table, s = random_case(seed)
    try:
        plain = plan(table, s.with_(presolve=False))
    except Exception as err:  # the presolve must fail the same way
        with pytest.raises(type(err)):
            plan(table, s)
        return
    fast = plan(table, s)
    assert fast.solution.objective == pytest.approx(plain.solution.objective, rel=1e-9, abs=1e-6)
    assert fast.solution.status == "optimal"
    if fast.presolve is not None and fast.presolve.plan is not None:
        sign = 1.0 if s.objective == "max-carbon" else -1.0
        assert sign * fast.solution.bound >= sign * fast.solution.objective - 1e-6
        assert fast.candidates.rows.size <= plain.candidates.rows.size


@pytest.mark.parametrize("seed", range(12))
def test_equal_layer_share_is_one_equality_row_and_matches_enumeration(seed):
    """min share = max share: a 'share_<layer>' equality row (share 0: no trees at all)."""
    rng = np.random.default_rng(seed)
    table = make_option_table(int(rng.integers(3, 6)), int(rng.integers(3, 6)), 500 + seed, tolerance=1e9)
    rows = table.rows
    cost = rows["area_ha"] * rows["cost_cny_ha"]
    lo = cost.groupby(rows["parcel_id"]).min().sum()
    hi = cost.groupby(rows["parcel_id"]).max().sum()
    layer = str(rng.choice(LAYERS))
    s = PlanSettings(budget_cny=float(lo + rng.uniform(0.2, 0.8) * (hi - lo)), mip_gap=0.0,
                     min_area_share={layer: 0.0}, max_area_share={layer: 0.0})
    expected, _ = brute_force(table, s)
    if expected is None:
        return
    result = plan(table, s)
    assert "share_" + layer in result.model._coupling and result.model._coupling["share_" + layer][0] == "=="
    assert result.solution.objective == pytest.approx(expected, rel=1e-9)
    chosen = rows.iloc[result.solution.rows]
    assert (chosen[f"{layer}_share"] == 0).all()


def test_budget_and_tree_share_both_binding_give_a_proven_plan():
    """A minimum tree share near the largest the budget can reach, with the budget binding:
    the presolve repairs a feasible plan and HiGHS proves it within the gap."""
    table = make_option_table(400, 40, 21, tolerance=1e9)
    rows = table.rows
    area = rows["area_ha"].to_numpy()
    tree = area * rows["tree_share"].to_numpy()
    cost = area * rows["cost_cny_ha"].to_numpy()
    pid = rows["parcel_id"].to_numpy()
    # per parcel: the cheapest option with the parcel's largest tree area
    frame = rows.assign(tree=tree, cost=cost)
    top = frame[frame["tree"] >= frame.groupby("parcel_id")["tree"].transform("max") - 1e-12]
    cheapest_top = top.groupby("parcel_id")["cost"].min()
    max_share = frame.groupby("parcel_id")["tree"].max().sum() / table.parcels["area_ha"].sum()
    s = PlanSettings(budget_cny=float(cheapest_top.sum() * 0.97), min_area_share={"tree": 0.95 * max_share},
                     mip_gap=1e-4, time_limit_s=60)
    result = plan(table, s)
    assert result.solution.status == "optimal" and result.solution.gap <= 1e-4
    assert {"budget", "min_share_tree"} <= set(result.model._coupling)
    chosen = result.solution.rows
    total = table.parcels["area_ha"].sum()
    assert cost[chosen].sum() <= s.budget_cny * (1 + 1e-9)
    assert tree[chosen].sum() >= 0.95 * max_share * total * (1 - 1e-9)
    assert len(np.unique(pid[chosen])) == 400
    pre = result.presolve
    assert pre is not None and pre.plan is not None and pre.kept_share < 0.8
    # the Lagrangian bound is what the reported bound cannot exceed
    assert result.solution.bound <= pre.bound + 1e-6 * abs(pre.bound)
