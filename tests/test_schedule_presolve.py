"""The Lagrangian presolve of the phased plan against exhaustive enumeration.

Small random schedules (5 parcels, 3 options, 3 periods, release years, "not yet" sometimes
allowed) with every kind of row: per-period budgets with and without carry-over, works
capacity, a 2030 milestone, a minimum tree share; both objectives (max carbon, min discounted
cost with a milestone). Every (option, start) combination of the pruned columns is enumerated:
the Lagrangian bound is above the best schedule, the repaired schedule is feasible, no column of
a schedule at least as good as the repaired one is dropped, and the model on the survivors
gives the enumerated optimum, as the model without the presolve does.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from optimizer.errors import RunError
from optimizer.inputs.schedule_spec import ScheduleSpec
from optimizer.inputs.settings import PlanSettings
from optimizer.planning import schedpresolve
from optimizer.planning.schedpresolve import max_form, plan_meets, presolve_columns
from optimizer.planning.schedule import group_starts, prune_columns, schedule_rows
from optimizer.planning.scheduling import solve_variant
from optimizer.planning.shift import DEFER, build_columns
from schedtables import traj_table

EXACT = dict(mip_gap=0.0, time_limit_s=60.0)
#: (objective, carry-over, capacity, milestone) of each case; seeds vary the rest
KINDS = [("max-carbon", False, False, False), ("max-carbon", True, False, False), ("max-carbon", False, True, False),
         ("max-carbon", True, True, True), ("max-carbon", False, False, True), ("min-cost", False, False, True),
         ("min-cost", True, True, True), ("min-cost", False, True, True)]
CASES = [(seed, *kind) for seed in (1, 2) for kind in KINDS]


def _case(seed: int, objective: str, carry: bool, capacity: bool, milestone: bool):
    """Columns, rows, spec and settings of one small schedule whose budgets bind."""
    rng = np.random.default_rng(1000 * seed + len(objective) + 2 * carry + 4 * capacity + 8 * milestone)
    n_par, n_per = 5, 3
    table = traj_table(n_par, 3, int(rng.integers(1, 10_000)))
    area = table.parcels["area_ha"].to_numpy()
    earliest = np.where(rng.random(n_par) < 0.4, rng.integers(2027, 2030, n_par), np.nan)
    earliest[0] = 2028.0  # at least one parcel released late
    cost = table.rows.groupby("parcel_id", sort=False)["cost_cny_ha"]
    cheapest, dearest = float(cost.min().to_numpy() @ area), float(cost.max().to_numpy() @ area)
    money = (cheapest + rng.uniform(0.3, 0.6) * (dearest - cheapest)) / n_per
    spec = ScheduleSpec(starts=(2026, 2027, 2028), ends=(2026, 2027, 2028),
                        budget_cny=tuple(float(b) for b in rng.uniform(0.7, 1.3, n_per) * money),
                        carry_over=carry, allow_defer=bool(rng.random() < 0.5),
                        max_area_ha=tuple(float(a) for a in rng.uniform(0.25, 0.6, n_per) * area.sum())
                        if capacity else None,
                        objective=objective, discount_rate=0.05,
                        carbon_weights={2040: 1.0} if rng.random() < 0.5 else {2030: 0.5, 2040: 0.5})
    settings = PlanSettings(**EXACT)
    if rng.random() < 0.4:
        settings = settings.with_(min_area_share={"tree": float(rng.uniform(0.02, 0.1))})
    base = build_columns(table, spec, settings, earliest=earliest, maintenance_years=5)
    if milestone:  # a share of the most carbon any schedule could hold by 2030
        most = float(np.maximum.reduceat(base.carbon[:, base.year_index(2030)], group_starts(base.parcel)).sum())
        spec = replace(spec, milestones={2030: float(rng.uniform(0.1, 0.35)) * most})
    rows = schedule_rows(base, spec, settings)
    c = base.subset(~prune_columns(base, spec, rows))
    return base, c, schedule_rows(c, spec, settings), spec, settings


def _enumerate(c, rows, objective: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every feasible schedule over ``c`` (column positions, one per parcel) and its value."""
    starts = group_starts(c.parcel)
    ends = np.r_[starts[1:], c.size]
    grids = np.meshgrid(*[np.arange(a, b) for a, b in zip(starts, ends)], indexing="ij")
    plans = np.stack([g.ravel() for g in grids], axis=1)
    assert len(plans) <= 400_000
    ok = np.ones(len(plans), dtype=bool)
    for r in rows:
        value = r.coefs[plans].sum(axis=1)
        tol = 1e-9 * max(abs(r.rhs), 1.0)
        ok &= value <= r.rhs + tol if r.sense == "<=" else value >= r.rhs - tol
    return plans[ok], objective[plans[ok]].sum(axis=1)


@pytest.mark.parametrize("seed,objective,carry,capacity,milestone", CASES)
def test_presolve_keeps_every_schedule_as_good_as_its_repaired_one(seed, objective, carry, capacity,
                                                                    milestone) -> None:
    _, c, rows, spec, _ = _case(seed, objective, carry, capacity, milestone)
    obj = max_form(c, spec)
    plans, values = _enumerate(c, rows, obj)
    pre = presolve_columns(c, spec, rows)
    if not len(plans):
        return  # nothing to keep; the model says why (test below)
    best = float(values.max())
    assert pre.bound >= best - 1e-7 * max(1.0, abs(best))
    if pre.plan is not None:
        assert plan_meets(c, rows, pre.plan)
        assert float(obj[pre.plan].sum()) == pytest.approx(pre.plan_value, rel=1e-12, abs=1e-9)
        assert pre.plan_value <= best + 1e-9 * max(1.0, abs(best))
        good = plans[values >= pre.plan_value - 1e-12 * max(1.0, abs(pre.plan_value))]
        assert pre.keep[good].all(), "a column of a schedule at least as good as the repaired one was dropped"
    else:
        assert pre.keep[plans].all(), "without a repaired schedule only infeasible columns may go"


@pytest.mark.parametrize("seed,objective,carry,capacity,milestone", CASES)
def test_schedule_with_presolve_equals_enumeration_and_presolve_off(seed, objective, carry, capacity,
                                                                    milestone) -> None:
    base, c, rows, spec, settings = _case(seed, objective, carry, capacity, milestone)
    plans, values = _enumerate(c, rows, max_form(c, spec))
    results = []
    for on in (True, False):
        try:
            results.append(solve_variant(base, spec, settings.with_(presolve=on)))
        except RunError:
            results.append(None)
    if not len(plans):
        assert results == [None, None]
        return
    sign = -1.0 if objective == "min-cost" else 1.0
    best = float(values.max())
    on, off = results
    assert on is not None and off is not None
    assert sign * on.solution.objective == pytest.approx(best, rel=1e-7, abs=1e-6)
    assert sign * off.solution.objective == pytest.approx(best, rel=1e-7, abs=1e-6)
    assert on.presolve is not None and off.presolve is None
    assert on.solution.gap is not None and on.solution.gap <= 1e-6
    # the survivors' model holds the same schedule figures as the columns it came from
    chosen = on.columns.row[on.chosen], on.columns.period[on.chosen]
    assert np.isin(chosen[1], [0, 1, 2, DEFER]).all() and chosen[0].size == c.n_parcels
    summary = on.presolve_summary()
    assert summary is not None and summary["candidates"] == c.size
    assert summary["kept"] == on.columns.size and 0 < summary["kept_share"] <= 1
    assert sign * summary["lagrangian_bound"] >= best - 1e-7 * max(1.0, abs(best))


def test_the_presolve_removes_columns_on_these_instances() -> None:
    """Not vacuous: over the cases the fixing drops columns and repairs schedules."""
    dropped = repaired = feasible = 0
    for case in CASES:
        _, c, rows, spec, _ = _case(*case)
        plans, _values = _enumerate(c, rows, max_form(c, spec))
        pre = presolve_columns(c, spec, rows)
        feasible += bool(len(plans))
        repaired += pre.plan is not None
        dropped += int((~pre.keep).sum())
    assert feasible >= len(CASES) // 2
    assert repaired >= feasible // 2
    assert dropped > 0


def test_a_repaired_schedule_breaking_a_row_falls_back_to_feasibility_fixing(monkeypatch) -> None:
    base, c, rows, spec, settings = _case(1, "max-carbon", True, True, True)
    plans, values = _enumerate(c, rows, max_form(c, spec))
    assert len(plans)
    monkeypatch.setattr(schedpresolve, "plan_meets", lambda *_args: False)
    pre = presolve_columns(c, spec, rows)
    assert pre.plan is None and pre.plan_value is None
    assert pre.keep[plans].all()
    solved = solve_variant(base, spec, settings)
    assert solved.solution.objective == pytest.approx(float(values.max()), rel=1e-7, abs=1e-6)


def test_plan_meets_catches_a_broken_budget() -> None:
    _, c, rows, spec, _ = _case(2, "max-carbon", False, False, False)
    budget = next(r for r in rows if r.kind == "budget")
    starts = group_starts(c.parcel)
    ends = np.r_[starts[1:], c.size]
    dearest = np.array([a + int(np.argmax(budget.coefs[a:b])) for a, b in zip(starts, ends)])
    assert float(budget.coefs[dearest].sum()) > budget.rhs  # the budget binds
    assert not plan_meets(c, rows, dearest)
    assert not plan_meets(c, rows, dearest[:-1])  # a parcel without a column
