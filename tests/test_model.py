"""Plans equal the optimum found by exhaustive enumeration on small instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from estimators.table import LAYERS
from optimizer.planning.candidates import dominated
from optimizer.errors import InputError, RunError
from optimizer.planning.model import build_model, export_model, model_size
from optimizer.planning.plan import plan
from optimizer.inputs.settings import PlanSettings
from optables import make_option_table


def brute_force(table, s: PlanSettings):
    """Best objective and plan (row positions) by enumerating every combination; None if none."""
    rows, parcels = table.rows, table.parcels
    area = rows["area_ha"].to_numpy()
    carbon = area * rows["credited_tco2e_ha"].to_numpy()
    cost = area * rows["cost_cny_ha"].to_numpy()
    sed = area * rows["erosion_t_ha_yr"].to_numpy()
    layer = {lay: area * rows[f"{lay}_share"].to_numpy() for lay in LAYERS}
    ms = table.mix_species.loc[rows["mix"]].to_numpy() * area[:, None]
    total = parcels["area_ha"].sum()
    choices = []
    for pid, p in parcels.iterrows():
        tol = s.erosion_tolerance_t_ha_yr if s.erosion_tolerance_t_ha_yr is not None else p.erosion_tolerance_t_ha_yr
        ok = []
        for i in np.flatnonzero(rows["parcel_id"].to_numpy() == pid):
            opt = rows["option_id"].iat[i]
            if p.status == "lock_out" and opt != "natural" or p.status == "lock_in" and opt == "natural":
                continue
            if p.forced_option and opt != p.forced_option:
                continue
            if rows["erosion_t_ha_yr"].iat[i] > tol and p.status != "lock_out":  # lock_out: exempt
                continue
            ok.append(i)
        choices.append(ok)
    best, best_plan = None, None
    for combo in itertools.product(*choices):
        idx = list(combo)
        if s.budget_cny is not None and cost[idx].sum() > s.budget_cny:
            continue
        if s.max_sediment_t_yr is not None and sed[idx].sum() > s.max_sediment_t_yr:
            continue
        if s.target_tco2e is not None and carbon[idx].sum() < s.target_tco2e:
            continue
        if any(layer[k][idx].sum() < v * total - 1e-9 for k, v in s.min_area_share.items()):
            continue
        if any(layer[k][idx].sum() > v * total + 1e-9 for k, v in s.max_area_share.items()):
            continue
        if s.max_species_area_share is not None and (ms[idx].sum(axis=0) > s.max_species_area_share * total + 1e-9).any():
            continue
        value = -cost[idx].sum() if s.objective == "min-cost" else carbon[idx].sum()
        if best is None or value > best:
            best, best_plan = value, idx
    if best is None:
        return None, None
    return (-best if s.objective == "min-cost" else best), best_plan


def random_case(seed: int):
    """A small table and settings drawn from ``seed``: budgets, caps, shares, locks, targets."""
    rng = np.random.default_rng(1000 + seed)
    table = make_option_table(int(rng.integers(3, 6)), int(rng.integers(2, 5)), seed, tolerance=12.0)
    rows = table.rows
    area_cost = rows["area_ha"] * rows["cost_cny_ha"]
    per_parcel = area_cost.groupby(rows["parcel_id"])
    kw: dict = {"mip_gap": 0.0}
    kw["budget_cny"] = float(per_parcel.min().sum() + rng.uniform(0.1, 0.9) * (per_parcel.max().sum() - per_parcel.min().sum()))
    if rng.random() < 0.4:
        sed = rows["area_ha"] * rows["erosion_t_ha_yr"]
        kw["max_sediment_t_yr"] = float(sed.groupby(rows["parcel_id"]).min().sum() * rng.uniform(1.0, 1.6))
    if rng.random() < 0.4:
        kw["min_area_share"] = {"tree": float(rng.uniform(0.05, 0.3))}
    if rng.random() < 0.3:
        kw["max_area_share"] = {"grass": float(rng.uniform(0.2, 0.5))}
    if rng.random() < 0.3:
        kw["max_species_area_share"] = float(rng.uniform(0.2, 0.5))
    if rng.random() < 0.3:
        kw["erosion_tolerance_t_ha_yr"] = float(rng.uniform(4, 10))
    if rng.random() < 0.5:  # lock one parcel in or out, or force an option it has
        p = table.parcels.index[int(rng.integers(len(table.parcels)))]
        opts = rows.loc[rows["parcel_id"] == p, "option_id"].tolist()
        kind = rng.integers(3)
        if kind == 0:
            table.parcels.loc[p, "status"] = "lock_out"
        elif kind == 1 and len(opts) > 1:
            table.parcels.loc[p, "status"] = "lock_in"
        else:
            table.parcels.loc[p, "forced_option"] = opts[int(rng.integers(len(opts)))]
    if rng.random() < 0.3:
        carbon = rows["area_ha"] * rows["credited_tco2e_ha"]
        top = carbon.groupby(rows["parcel_id"]).max().sum()
        kw.update(objective="min-cost", target_tco2e=float(top * rng.uniform(0.3, 0.95)), budget_cny=None)
    return table, PlanSettings(**kw)


@pytest.mark.parametrize("seed", range(60))
def test_plan_equals_enumeration(seed):
    table, s = random_case(seed)
    expected, _ = brute_force(table, s)
    if expected is None:
        with pytest.raises(RunError, match="no plan is possible|cannot be met"):
            plan(table, s)
        return
    result = plan(table, s)
    assert result.solution.status == "optimal"
    chosen = result.solution.rows
    rows = table.rows.iloc[chosen]
    got = (rows["area_ha"] * rows["cost_cny_ha" if s.objective == "min-cost" else "credited_tco2e_ha"]).sum()
    assert got == pytest.approx(expected, rel=1e-7, abs=1e-6)
    assert result.solution.objective == pytest.approx(expected, rel=1e-6)
    # one option per parcel, locks and forced options respected
    assert list(rows["parcel_id"]) == list(table.parcels.index)
    status = table.parcels["status"].reindex(rows["parcel_id"]).to_numpy()
    forced = table.parcels["forced_option"].reindex(rows["parcel_id"]).to_numpy()
    opt = rows["option_id"].to_numpy()
    assert not np.any((status == "lock_out") & (opt != "natural"))
    assert not np.any((status == "lock_in") & (opt == "natural"))
    assert np.all((forced == "") | (forced == opt))
    if s.budget_cny is not None:
        assert (rows["area_ha"] * rows["cost_cny_ha"]).sum() <= s.budget_cny * (1 + 1e-9)


@pytest.mark.parametrize("seed", range(0, 60, 3))
def test_pruning_does_not_change_the_optimum(seed):
    table, s = random_case(seed)
    try:
        with_pruning = plan(table, s).solution.objective
    except RunError:
        with pytest.raises(RunError):
            plan(table, s.with_(prune_dominated=False))
        return
    without = plan(table, s.with_(prune_dominated=False)).solution.objective
    assert with_pruning == pytest.approx(without, rel=1e-9)


def test_pruning_shrinks_a_large_instance_and_keeps_its_optimum():
    table = make_option_table(60, 12, 7)
    cost = (table.rows["area_ha"] * table.rows["cost_cny_ha"]).sum() / 12
    s = PlanSettings(budget_cny=float(cost * 0.4), min_area_share={"tree": 0.15}, mip_gap=0.0)
    pruned, full = plan(table, s), plan(table, s.with_(prune_dominated=False))
    assert pruned.selected.rows.size < 0.7 * full.selected.rows.size
    assert pruned.solution.objective == pytest.approx(full.solution.objective, rel=1e-9)


def test_dominated_matches_pairwise_definition():
    rng = np.random.default_rng(3)
    parcel = np.sort(rng.integers(0, 25, 300))
    crit = rng.integers(0, 4, (300, 3)).astype(float)  # small integers: many ties and duplicates
    got = dominated(parcel, crit, chunk_cells=50)
    for j in range(300):
        same = np.flatnonzero(parcel == parcel[j])
        expect = any(
            i != j and np.all(crit[i] >= crit[j]) and (np.any(crit[i] > crit[j]) or i < j) for i in same
        )
        assert got[j] == expect
    for p in np.unique(parcel):  # every parcel keeps at least one row
        assert not got[parcel == p].all()


def test_budget_monotonic_and_never_exceeded():
    table = make_option_table(40, 8, 11, tolerance=1e9)
    rows = table.rows
    lo = (rows["area_ha"] * rows["cost_cny_ha"]).groupby(rows["parcel_id"]).min().sum()
    hi = (rows["area_ha"] * rows["cost_cny_ha"]).groupby(rows["parcel_id"]).max().sum()
    previous = -np.inf
    for frac in (0.05, 0.2, 0.4, 0.6, 0.8, 1.0):
        budget = float(lo + frac * (hi - lo))
        result = plan(table, PlanSettings(budget_cny=budget, mip_gap=0.0))
        chosen = rows.iloc[result.solution.rows]
        assert (chosen["area_ha"] * chosen["cost_cny_ha"]).sum() <= budget * (1 + 1e-9)
        assert result.solution.objective >= previous - 1e-6
        previous = result.solution.objective


def test_shares_hold_on_a_larger_instance():
    table = make_option_table(80, 10, 5)
    s = PlanSettings(min_area_share={"tree": 0.25, "shrub": 0.1}, max_area_share={"grass": 0.3},
                     max_species_area_share=0.2, mip_gap=0.0)
    result = plan(table, s)
    chosen = table.rows.iloc[result.solution.rows]
    total = table.parcels["area_ha"].sum()
    share = {lay: (chosen["area_ha"] * chosen[f"{lay}_share"]).sum() / total for lay in LAYERS}
    assert share["tree"] >= 0.25 - 1e-9 and share["shrub"] >= 0.1 - 1e-9 and share["grass"] <= 0.3 + 1e-9
    species = table.mix_species.loc[chosen["mix"]].mul(chosen["area_ha"].to_numpy(), axis=0).sum() / total
    assert species.max() <= 0.2 + 1e-9


def test_model_is_built_from_kept_rows_with_named_constraints(tmp_path):
    table = make_option_table(10, 6, 2)
    s = PlanSettings(budget_cny=2e6, max_sediment_t_yr=1.0e9, min_area_share={"tree": 0.1})
    m = build_model(table, s)
    assert hasattr(m, "one_option") and hasattr(m, "budget") and hasattr(m, "min_share_tree")
    assert not hasattr(m, "sediment")  # a cap no plan can exceed is left out
    assert len(m.one_option) == 10
    size = model_size(m)
    assert size["variables"] == len(m._rows) == len(m.x)
    assert size["constraints"] == 12
    lp = export_model(m, tmp_path / "plan.lp")
    assert "budget" in lp.read_text()
    assert export_model(m, tmp_path / "plan.mps").stat().st_size > 0
    with pytest.raises(InputError, match=r"\.mps or \.lp"):
        export_model(m, tmp_path / "plan.txt")


def test_stopped_solve_returns_its_best_plan():
    # a node limit stops HiGHS deterministically, as a time limit does (same status path)
    table = make_option_table(300, 30, 9, tolerance=1e9)
    cost = (table.rows["area_ha"] * table.rows["cost_cny_ha"]).sum() / 30
    s = PlanSettings(budget_cny=float(cost * 0.5), min_area_share={"tree": 0.2}, max_species_area_share=0.15,
                     mip_gap=0.0, solver_options={"presolve": "off", "mip_max_nodes": 1})
    result = plan(table, s)
    assert result.solution.status == "time_limit"
    assert result.solution.rows.size == 300
    assert result.solution.bound >= result.solution.objective
    assert result.solution.gap > 0


@pytest.mark.parametrize("seed", range(6))
def test_folded_model_solves_the_same_problem(seed):
    """Parcels with one candidate left get no variable in a folded model: same optimum, same plan
    values per candidate, fewer variables and rows."""
    from optimizer.planning.candidates import select, subset
    from optimizer.planning.model import build_from_candidates
    from optimizer.planning.solve import solve

    table = make_option_table(30, 6, seed, tolerance=1e9)
    cost = (table.rows["area_ha"] * table.rows["cost_cny_ha"]).sum() / 6
    s = PlanSettings(budget_cny=float(cost * 0.6), min_area_share={"tree": 0.1}, max_species_area_share=0.3,
                     mip_gap=0.0)
    c = select(table, s)
    first = np.r_[True, c.parcel[1:] != c.parcel[:-1]]
    keep = first | (c.parcel % 3 != 0) if seed < 5 else first  # seed 5: every parcel decided
    sub = subset(c, keep)
    plain, folded = build_from_candidates(sub, s), build_from_candidates(sub, s, fold=True)
    a, b = solve(plain, s), solve(folded, s)
    assert a.status == b.status == "optimal"
    assert b.objective == pytest.approx(a.objective, rel=1e-9)
    assert b.values.size == sub.rows.size and b.values.sum() == pytest.approx(30)
    assert np.array_equal(np.sort(b.rows), b.rows) and b.rows.size == 30
    assert model_size(folded)["variables"] < model_size(plain)["variables"]
    assert model_size(folded)["variables"] == max(1, int((np.bincount(sub.parcel)[sub.parcel] > 1).sum()))


@pytest.mark.parametrize("seed", range(10))
def test_superset_pruning_then_finish_equals_select(seed):
    """The chunked selection's two passes keep exactly the rows ``select`` keeps, whatever rows
    turn out active (ties included: small integer criteria)."""
    from optimizer.planning.candidates import candidate_arrays, extremes, finish, prune_superset, select

    rng = np.random.default_rng(seed)
    table = make_option_table(40, 8, seed, tolerance=1e9)
    rows = table.rows
    for col in ("net_tco2e_ha", "cost_cny_ha", "erosion_t_ha_yr"):  # coarse values: many ties
        rows[col] = np.round(rows[col] / rows[col].abs().max() * 4) * rows[col].abs().max() / 4
    kw: dict = {"budget_cny": float(rng.uniform(1e5, 3e6)) if seed % 3 else None,
                "max_sediment_t_yr": 50.0 if seed % 2 else None,
                "min_area_share": {"tree": 0.2} if seed % 4 < 2 else {},
                "max_area_share": {"grass": 0.4} if seed % 5 < 2 else {},
                "max_species_area_share": 0.2 if seed % 3 == 0 else None}
    s = PlanSettings(**kw)
    direct = select(table, s)
    c = candidate_arrays(table, s)
    ext = extremes(c)
    two = finish(prune_superset(c, s), s, ext)
    assert np.array_equal(two.rows, direct.rows)
    assert two.active == direct.active and two.n_filtered == direct.n_filtered
