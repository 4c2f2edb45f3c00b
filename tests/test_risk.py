"""Risk-aware plans (CVaR, chance constraint) and near-optimal alternatives against exhaustive
enumeration on small random instances."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from optimizer.planning.candidates import select
from optimizer.planning.plan import plan
from optimizer.planning.risk import alternatives, build_cvar, cvar, risk_candidates, risk_plan
from optimizer.inputs.settings import PlanSettings
from optimizer.planning.solve import solve
from optables import make_option_table


def _instance(seed: int, n_parcels: int = 4, n_options: int = 4, n_draws: int = 16):
    table = make_option_table(n_parcels, n_options, seed)
    rows = table.rows
    area = rows["area_ha"].to_numpy()
    carbon = area * rows["credited_tco2e_ha"].to_numpy()
    cost = area * rows["cost_cny_ha"].to_numpy()
    rng = np.random.default_rng(100 + seed)
    # options differ in risk: a common shock per draw, scaled by a per-row sensitivity, plus noise
    shock = rng.normal(0.0, 1.0, (n_draws, 1))
    sensitivity = rng.uniform(0.0, 0.5, (1, len(rows)))
    draws = carbon[None, :] * np.exp(sensitivity * shock + rng.normal(0.0, 0.15, (n_draws, len(rows))))
    budget = float(np.median([cost[rows["parcel_id"] == p].max() for p in table.parcels.index]) * n_parcels * 0.7)
    settings = PlanSettings(budget_cny=budget, erosion_tolerance_t_ha_yr=1e9, mip_gap=0.0, time_limit_s=60)
    return table, draws, cost, carbon, settings


def _plans(table, cost, budget):
    by_parcel = [np.flatnonzero(table.rows["parcel_id"].to_numpy() == p) for p in table.parcels.index]
    for combo in itertools.product(*by_parcel):
        idx = np.array(combo)
        if cost[idx].sum() <= budget:
            yield idx


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("alpha", [0.1, 0.25])
def test_cvar_plan_equals_enumeration(seed, alpha):
    table, draws, cost, _, s = _instance(seed)
    best = max(cvar(draws[:, idx].sum(axis=1), alpha) for idx in _plans(table, cost, s.budget_cny))
    rp = risk_plan(table, s, draws, "cvar", alpha=alpha)
    got = cvar(draws[:, rp.result.solution.rows].sum(axis=1), alpha)
    assert got == pytest.approx(best, rel=1e-7)
    assert rp.result.solution.objective == pytest.approx(best, rel=1e-7)
    assert cost[rp.result.solution.rows].sum() <= s.budget_cny * (1 + 1e-9)


def test_cvar_with_alpha_one_is_the_expected_value_plan():
    table, draws, cost, _, s = _instance(3)
    c, mat = risk_candidates(table, s, draws)
    sol = solve(build_cvar(c, s, mat, 1.0), s)
    best = max(draws[:, idx].sum(axis=1).mean() for idx in _plans(table, cost, s.budget_cny))
    assert sol.objective == pytest.approx(best, rel=1e-7)


def test_empirical_cvar_is_the_mean_of_the_worst_share():
    values = np.arange(1.0, 21.0)  # 20 draws: worst 10 % = {1, 2}
    assert cvar(values, 0.1) == pytest.approx(1.5)
    assert cvar(values, 1.0) == pytest.approx(values.mean())


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("confidence", [0.75, 0.9])
def test_chance_plan_is_the_cheapest_meeting_the_target_in_the_share_of_draws(seed, confidence):
    table, draws, cost, carbon, s = _instance(seed)
    need = math.ceil(confidence * draws.shape[0] - 1e-9)
    plans = list(_plans(table, cost, s.budget_cny))
    # a plan meets T in `need` draws iff its need-th largest draw is >= T: half the plans can
    target = float(np.median([np.sort(draws[:, idx].sum(axis=1))[-need] for idx in plans]))
    ok = [idx for idx in plans if (draws[:, idx].sum(axis=1) >= target).sum() >= need]
    assert ok, "instance without a feasible chance plan"
    best = min(cost[idx].sum() for idx in ok)
    rp = risk_plan(table, s, draws, "chance", confidence=confidence, target=target)
    rows = rp.result.solution.rows
    assert (draws[:, rows].sum(axis=1) >= target * (1 - 1e-9)).sum() >= need
    assert cost[rows].sum() == pytest.approx(best, rel=1e-7)


def test_chance_plan_with_an_unreachable_target_is_explained():
    from optimizer.errors import RunError

    table, draws, _, _, s = _instance(1)
    with pytest.raises(RunError, match="no plan meets"):
        risk_plan(table, s, draws, "chance", confidence=0.9, target=float(draws.sum()))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("objective", ["max-carbon", "min-cost"])
def test_alternatives_are_distinct_within_the_gap_and_include_the_optimum(seed, objective):
    table, _, cost, carbon, s = _instance(seed, n_parcels=5, n_options=4)
    plans = list(_plans(table, cost, s.budget_cny))
    if objective == "min-cost":
        target = float(np.median([carbon[idx].sum() for idx in plans]))
        s = s.with_(objective="min-cost", target_tco2e=target)
        plans = [idx for idx in plans if carbon[idx].sum() >= target]
        best = min(cost[idx].sum() for idx in plans)
    else:
        best = max(carbon[idx].sum() for idx in plans)
    within = 0.05
    found = alternatives(table, s, 4, within)
    keys = {tuple(sorted(f.rows.tolist())) for f in found}
    assert len(keys) == len(found)  # distinct
    first = found[0].rows
    if objective == "min-cost":
        assert cost[first].sum() == pytest.approx(best, rel=1e-7)
        for f in found:
            assert cost[f.rows].sum() <= best * (1 + within) + 1e-6
            assert carbon[f.rows].sum() >= s.target_tco2e * (1 - 1e-9)
    else:
        assert carbon[first].sum() == pytest.approx(best, rel=1e-7)
        for f in found:
            assert carbon[f.rows].sum() >= best * (1 - within) - 1e-6
            assert cost[f.rows].sum() <= s.budget_cny * (1 + 1e-9)
    # as many as exist among plans of undominated options (a dominated option is never worth offering)
    kept = set(select(table, s).rows.tolist())
    near = [idx for idx in plans if set(idx.tolist()) <= kept and (carbon[idx].sum() >= best * (1 - within) - 1e-6 if objective == "max-carbon"
                                     else cost[idx].sum() <= best * (1 + within) + 1e-6)]
    assert len(found) == min(4, len(near))


def test_alternatives_reuse_the_plan_already_solved():
    table, _, _, _, s = _instance(2)
    first = plan(table, s)
    found = alternatives(table, s, 3, 0.1, first=first)
    assert np.array_equal(found[0].rows, first.solution.rows)
