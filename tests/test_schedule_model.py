"""The phased-plan model: one period equals today's plan; small random schedules equal
exhaustive enumeration of (option, start) per parcel; money, release years and milestones hold or
are explained; moving money earlier never lowers carbon at 2030."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from optimizer.errors import RunError
from optimizer.planning.pipeline import estimate, plan_settings
from optimizer.planning.plan import plan
from optimizer.inputs.project import load_project
from optimizer.inputs.schedule_spec import ScheduleSpec
from optimizer.planning.schedule_inputs import maintenance_years
from optimizer.planning.scheduling import schedule
from optimizer.inputs.settings import PlanSettings
from optimizer.planning.shift import DEFER
from projfix import EXAMPLE
from schedtables import enumerate_best, reference_columns, traj_table

EXACT = dict(mip_gap=0.0, time_limit_s=60.0)


def _chosen_ids(table, rows) -> list[str]:
    return table.rows["option_id"].to_numpy()[rows].tolist()


def test_one_period_with_the_whole_budget_is_todays_plan_on_the_example() -> None:
    project = load_project(EXAMPLE)
    table = estimate(project, trajectory=True)
    settings = plan_settings(project, **EXACT)
    today = plan(table, settings)
    phased = schedule(table, ScheduleSpec.one_lump(project.start_year, project.budget_cny), settings,
                      maintenance_years=maintenance_years(project), compare=False, delays=False)
    chosen = phased.plan.columns.row[phased.plan.chosen]
    assert _chosen_ids(table, chosen) == _chosen_ids(table, today.solution.rows)
    assert phased.plan.solution.objective == pytest.approx(today.solution.objective, rel=1e-6)
    assert phased.plan.carbon(2030) == pytest.approx(
        float((table.rows["area_ha"] * table.rows["credited_tco2e_ha_2030"]).to_numpy()[chosen].sum()), rel=1e-5)
    assert phased.plan.spend()[0] == pytest.approx(
        float((table.rows["area_ha"] * table.rows["cost_cny_ha"]).to_numpy()[chosen].sum()), rel=1e-9)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_one_period_is_todays_plan_on_random_tables(seed: int) -> None:
    table = traj_table(25, 12, seed)
    cost = table.rows.groupby("parcel_id")["cost_cny_ha"]
    cheapest = float((cost.min() * table.parcels["area_ha"]).sum())
    dearest = float((cost.max() * table.parcels["area_ha"]).sum())
    budget = cheapest + 0.4 * (dearest - cheapest)
    settings = PlanSettings(budget_cny=budget, min_area_share={"tree": 0.1}, **EXACT)
    today = plan(table, settings)
    phased = schedule(table, ScheduleSpec.one_lump(table.start_year, budget), settings, maintenance_years=5,
                      compare=False, delays=False)
    assert _chosen_ids(table, phased.plan.columns.row[phased.plan.chosen]) == _chosen_ids(table, today.solution.rows)
    assert phased.plan.solution.objective == pytest.approx(today.solution.objective, rel=1e-6)


def _instance(seed: int):
    """A random small schedule: 3-4 parcels, 3 options each, 2-3 periods, budgets that bind,
    sometimes carry-over, capacity, a milestone, release years, locks, waiting and tolerances."""
    rng = np.random.default_rng(seed)
    n_par = int(rng.integers(3, 5))
    table = traj_table(n_par, 3, seed, tolerance=1e9)
    if rng.random() < 0.3:
        table.parcels["erosion_tolerance_t_ha_yr"] = rng.uniform(6.0, 20.0, n_par)
    if rng.random() < 0.3:
        table.parcels.loc[table.parcels.index[0], "status"] = str(rng.choice(["lock_in", "lock_out"]))
    n_per = int(rng.integers(2, 4))
    length = int(rng.integers(1, 3))
    starts = [2026 + k * length for k in range(n_per)]
    ends = [s + length - 1 for s in starts]
    earliest = np.where(rng.random(n_par) < 0.4, rng.integers(2027, 2026 + n_per * length + 2, n_par), np.nan)
    if table.parcels["status"].iloc[0] == "lock_in":
        earliest[0] = np.nan  # a locked-in parcel released after the schedule is an input error
    area = table.parcels["area_ha"].to_numpy()
    dearest = float((table.rows.groupby("parcel_id", sort=False)["cost_cny_ha"].max().to_numpy() * area).sum())
    budgets = tuple(float(b) for b in rng.uniform(0.1, 0.6, n_per) * dearest / n_per * 1.5)
    spec = ScheduleSpec(starts=tuple(starts), ends=tuple(ends), budget_cny=budgets,
                        carry_over=bool(rng.random() < 0.5), allow_defer=bool(rng.random() < 0.6),
                        max_area_ha=tuple(float(a) for a in rng.uniform(0.3, 1.0, n_per) * area.sum())
                        if rng.random() < 0.4 else None,
                        carbon_weights={2040: 1.0} if rng.random() < 0.5 else {2030: 0.5, 2040: 0.5})
    if rng.random() < 0.4:
        spec = replace(spec, milestones={2030: float(rng.uniform(-50, 400))})
    settings = PlanSettings(**EXACT)
    if rng.random() < 0.3:
        settings = settings.with_(min_area_share={"tree": float(rng.uniform(0.02, 0.15))})
    if rng.random() < 0.3:
        settings = settings.with_(max_sediment_t_yr=float(rng.uniform(0.5, 1.0) * table.rows.groupby(
            "parcel_id", sort=False)["erosion_t_ha_yr"].max().to_numpy() @ area))
    return table, spec, earliest, settings


def _feasible(spec: ScheduleSpec, plan_choices, settings: PlanSettings, total_area: float) -> bool:
    spend = np.sum([c.spend for c in plan_choices], axis=0)
    budgets = np.asarray(spec.budget_cny)
    if spec.carry_over:
        ok = (np.cumsum(spend) <= np.cumsum(budgets) * (1 + 1e-9) + 1e-6).all()
    else:
        ok = (spend <= budgets * (1 + 1e-9) + 1e-6).all()
    if spec.max_area_ha is not None:
        for k, cap in enumerate(spec.max_area_ha):
            ok &= sum(c.worked for c in plan_choices if c.period == k) <= cap * (1 + 1e-9) + 1e-9
    for year, target in spec.milestones.items():
        ok &= sum(c.carbon[year] for c in plan_choices) >= target * (1 - 1e-9) - 1e-6
    for layer, share in dict(settings.min_area_share).items():
        ok &= sum(c.layer[layer] for c in plan_choices) >= share * total_area * (1 - 1e-9)
    if settings.max_sediment_t_yr is not None:
        ok &= sum(c.sediment for c in plan_choices) <= settings.max_sediment_t_yr * (1 + 1e-9)
    return bool(ok)


@pytest.mark.parametrize("seed", range(24))
def test_schedule_equals_exhaustive_enumeration(seed: int) -> None:
    table, spec, earliest, settings = _instance(seed)
    tol = table.parcels["erosion_tolerance_t_ha_yr"].to_numpy()
    status = table.parcels["status"].tolist()
    years = sorted({2030, 2040} | set(spec.milestones))

    def reference(s: ScheduleSpec):
        return reference_columns(table, list(s.starts), list(s.ends), years, earliest=earliest, maintenance_years=5,
                                 tolerance=np.where(np.array(status) == "lock_out", np.inf, tol),
                                 allow_defer=s.allow_defer, status=status, discount_rate=0.05)

    choices = reference(spec)
    if seed >= 18:  # the least discounted cost that meets a milestone at a share of the most possible
        most = sum(max(c.carbon[2030] for c in cs) for cs in choices if cs)
        spec = replace(spec, objective="min-cost", discount_rate=0.05,
                       milestones={2030: (0.3 + 0.1 * (seed - 18)) * most})

    def objective(p):
        if spec.objective == "min-cost":
            return -sum(c.discounted for c in p)
        return sum(w * sum(c.carbon[y] for c in p) for y, w in spec.carbon_weights.items())

    total_area = float(table.parcels["area_ha"].sum())
    best, _ = enumerate_best(choices, objective, lambda p: _feasible(spec, p, settings, total_area))
    try:
        result = schedule(table, spec, settings, earliest=earliest, maintenance_years=5,
                          compare=False, delays=False)
    except RunError as err:
        assert best is None, f"the model found no schedule ({err}) but enumeration found {best}"
        return
    assert best is not None
    sign = -1.0 if spec.objective == "min-cost" else 1.0
    assert sign * result.plan.solution.objective == pytest.approx(best, rel=1e-6, abs=1e-4)
    # and the plan itself keeps every rule
    c, j = result.plan.columns, result.plan.chosen
    spend = c.spend[j].sum(axis=0)
    if spec.carry_over:
        assert (np.cumsum(spend) <= np.cumsum(spec.budget_cny) * (1 + 1e-6) + 1e-3).all()
    else:
        assert (spend <= np.asarray(spec.budget_cny) * (1 + 1e-6) + 1e-3).all()
    release = np.nan_to_num(earliest, nan=2026)[c.parcel[j]]
    worked = c.period[j] != DEFER
    assert (c.start[j][worked] >= release[worked]).all()
    for year, target in spec.milestones.items():
        assert result.plan.carbon(year) >= target - 1e-3


def _milestone_spec(table, target: float, budget: float | None) -> ScheduleSpec:
    return ScheduleSpec(starts=(2026, 2027, 2028), ends=(2026, 2027, 2028),
                        budget_cny=None if budget is None else (budget,) * 3, milestones={2030: target})


def test_a_milestone_beyond_any_money_names_it_and_the_shortfall() -> None:
    table = traj_table(6, 6, 21)
    best = float(table.rows.assign(c=table.rows["area_ha"] * 1e6).c.max())  # far above anything
    with pytest.raises(RunError, match=r"milestone min_tco2e_2030 \([\d,]+ t CO2e by 2030\) cannot be reached: "
                                       r"even with unlimited money .* \(short by [\d,]+ t CO2e\)"):
        schedule(table, _milestone_spec(table, best, None), PlanSettings(**EXACT), compare=False, delays=False)


def test_a_milestone_beyond_the_budgets_names_the_most_they_allow() -> None:
    table = traj_table(6, 6, 22)
    unlimited = schedule(table, replace(_milestone_spec(table, 0.0, None), carbon_weights={2030: 1.0}),
                         PlanSettings(**EXACT), compare=False, delays=False)
    top = unlimited.plan.carbon(2030)
    cheapest = float((table.rows.groupby("parcel_id", sort=False)["cost_cny_ha"].min()
                      * table.parcels["area_ha"]).sum())
    spec = _milestone_spec(table, 0.99 * top, cheapest / 2)
    with pytest.raises(RunError) as err:
        schedule(table, spec, PlanSettings(**EXACT), compare=False, delays=False)
    text = str(err.value)
    assert "min_tco2e_2030" in text and "cannot be met with these budgets" in text and "short by" in text
    most = float(text.split("holds by then is ")[1].split(" t CO2e")[0].replace(",", ""))
    assert most < 0.99 * top


def test_a_reachable_milestone_holds() -> None:
    table = traj_table(6, 6, 23)
    base = schedule(table, _milestone_spec(table, -1e9, 4e6), PlanSettings(**EXACT), compare=False, delays=False)
    target = base.plan.carbon(2030) + 50.0
    spec = _milestone_spec(table, target, 4e6)
    try:
        held = schedule(table, spec, PlanSettings(**EXACT), compare=False, delays=False)
    except RunError as err:  # the budgets may not stretch that far: then it must say so
        assert "min_tco2e_2030" in str(err)
        return
    assert held.plan.carbon(2030) >= target - 1e-3


@pytest.mark.parametrize("seed", range(8))
def test_moving_money_earlier_never_lowers_carbon_at_2030(seed: int) -> None:
    """With carry-over, money that comes earlier can still be spent when it came before:
    every schedule stays possible, so the most carbon at 2030 cannot fall."""
    rng = np.random.default_rng(100 + seed)
    table = traj_table(5, 4, 100 + seed)
    n = 4
    area = table.parcels["area_ha"].to_numpy()
    dearest = float((table.rows.groupby("parcel_id", sort=False)["cost_cny_ha"].max().to_numpy() * area).sum())
    budgets = rng.uniform(0.05, 0.3, n) * dearest / n
    spec = ScheduleSpec(starts=(2026, 2027, 2028, 2029), ends=(2026, 2027, 2028, 2029), budget_cny=tuple(budgets),
                        carry_over=True, carbon_weights={2030: 1.0})
    before = schedule(table, spec, PlanSettings(**EXACT), compare=False, delays=False).plan.carbon(2030)
    late = int(rng.integers(1, n))
    early = int(rng.integers(0, late))
    moved = budgets.copy()
    amount = rng.uniform(0.2, 1.0) * moved[late]
    moved[late] -= amount
    moved[early] += amount
    after = schedule(table, spec.with_budgets(tuple(moved)), PlanSettings(**EXACT), compare=False,
                     delays=False).plan.carbon(2030)
    assert after >= before - 1e-6 * max(1.0, abs(before))


def test_delay_costs_are_never_gains_with_carry_over() -> None:
    """Money of a period arriving one period later is a tighter schedule: no carbon is gained
    (objective at 2030, solved exactly)."""
    table = traj_table(5, 4, 31)
    area = table.parcels["area_ha"].to_numpy()
    dearest = float((table.rows.groupby("parcel_id", sort=False)["cost_cny_ha"].max().to_numpy() * area).sum())
    spec = ScheduleSpec(starts=(2026, 2027, 2028), ends=(2026, 2027, 2028), budget_cny=(dearest / 6,) * 3,
                        carry_over=True, carbon_weights={2030: 1.0})
    result = schedule(table, spec, PlanSettings(**EXACT), compare=True, delays=True)
    assert [d["period"] for d in result.delays] == ["2026", "2027"]
    assert all(d["loss_2030_tco2e"] >= -1e-6 for d in result.delays)
    assert result.one_lump is not None and result.one_lump.spec.n_periods == 1
