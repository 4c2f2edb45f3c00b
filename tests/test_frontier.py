"""``optimizer.planning.frontier`` and ``minesink frontier``: the budget sweep of the max-carbon plan.

On the bundled Pingshuo example: carbon never falls as the budget rises, no plan exceeds its
budget, the ends of the sweep are the cheapest plan and the unconstrained max-carbon plan (both
solved independently with ``optimizer.planning.plan.plan``), marginal costs are positive. On tiny
random option tables every point equals the exhaustive-enumeration optimum for its budget.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import optimizer.planning.frontier as fr
from optimizer.outputs.planout import FLOAT_FORMAT
from optimizer.cli.app import run
from optimizer.errors import InputError, RunError
from optimizer.planning.frontier import frontier, frontier_frame
from optimizer.planning.pipeline import estimate, plan_settings
from optimizer.planning.plan import plan
from optimizer.inputs.project import load_project
from optimizer.inputs.settings import PlanSettings
from optables import make_option_table
from projfix import EXAMPLE, copy_example, edit_toml
from test_model import brute_force


@pytest.fixture(scope="module")
def example():
    project = load_project(EXAMPLE)
    table = estimate(project)
    settings = plan_settings(project, mip_gap=0.0)
    return table, settings, frontier(table, settings, 6)


def totals(table, rows) -> tuple[float, float]:
    chosen = table.rows.iloc[rows]
    area = chosen["area_ha"].to_numpy()
    return float((area * chosen["cost_cny_ha"]).sum()), float((area * chosen["credited_tco2e_ha"]).sum())


def test_example_sweep_is_monotone_and_within_budget(example):
    table, _, result = example
    assert len(result.points) == 6
    budgets = [p.budget_cny for p in result.points]
    assert budgets == sorted(budgets) and budgets[0] < budgets[-1]
    carbon = [p.carbon_tco2e for p in result.points]
    assert all(b >= a for a, b in zip(carbon, carbon[1:]))
    for p in result.points:
        assert p.cost_cny <= p.budget_cny * (1 + 1e-9)
        cost, stored = totals(table, p.rows)  # the point's figures are its plan's
        assert p.cost_cny == pytest.approx(cost, rel=1e-12) and p.carbon_tco2e == pytest.approx(stored, rel=1e-12)
        assert p.rows.size == len(table.parcels) and p.status == "optimal"


def test_example_ends_are_the_cheapest_and_the_max_carbon_plans(example):
    table, settings, result = example
    most = plan(table, settings.with_(budget_cny=None))
    cost, carbon = totals(table, most.solution.rows)
    assert result.points[-1].carbon_tco2e == pytest.approx(carbon, rel=settings.mip_gap + 1e-9)
    assert result.max_carbon_tco2e == pytest.approx(carbon, rel=1e-9)
    assert result.points[-1].budget_cny == pytest.approx(result.max_carbon_cost_cny, rel=1e-12)
    # min-cost with a target every plan meets: the cheapest plan under the project's shares
    cheapest = plan(table, settings.with_(budget_cny=None, objective="min-cost", target_tco2e=-1e12))
    cheap_cost, _ = totals(table, cheapest.solution.rows)
    assert result.min_cost_cny == pytest.approx(cheap_cost, rel=1e-9)
    assert result.points[0].cost_cny == pytest.approx(cheap_cost, rel=1e-9)
    # the project's min tree share makes it dearer than every parcel's cheapest option
    rows = table.rows
    assert cheap_cost > (rows["area_ha"] * rows["cost_cny_ha"]).groupby(rows["parcel_id"]).min().sum()


def test_example_marginal_costs(example):
    _, _, result = example
    first, rest = result.points[0], result.points[1:]
    assert first.marginal_cny_per_tco2e is None
    for prev, cur in zip(result.points, rest):
        if cur.carbon_tco2e > prev.carbon_tco2e + 1e-6:
            assert cur.marginal_cny_per_tco2e > 0
            assert cur.marginal_cny_per_tco2e == pytest.approx(
                (cur.cost_cny - prev.cost_cny) / (cur.carbon_tco2e - prev.carbon_tco2e))
    # diminishing returns: the first step (cheap grass and shrubs) buys carbon far cheaper than the last
    assert rest[0].marginal_cny_per_tco2e < rest[-1].marginal_cny_per_tco2e


@pytest.mark.parametrize("seed", range(8))
def test_each_point_equals_enumeration(seed):
    rng = np.random.default_rng(500 + seed)
    table = make_option_table(4, int(rng.integers(3, 5)), seed, tolerance=1e9)
    kw = {"mip_gap": 0.0}
    if seed % 2:
        kw["min_area_share"] = {"tree": float(rng.uniform(0.05, 0.3))}
    if seed % 3 == 0:
        table.parcels.loc[table.parcels.index[0], "status"] = "lock_out"
    settings = PlanSettings(**kw)
    result = frontier(table, settings, 5)
    for p in result.points:
        expected, _ = brute_force(table, settings.with_(budget_cny=p.budget_cny * (1 + 1e-12)))
        assert p.carbon_tco2e == pytest.approx(expected, rel=1e-9, abs=1e-6)
        assert p.cost_cny <= p.budget_cny * (1 + 1e-9)
    top, _ = brute_force(table, settings)
    assert result.points[-1].carbon_tco2e == pytest.approx(top, rel=1e-9)


def test_a_worse_later_answer_is_replaced_by_the_earlier_plan(monkeypatch):
    """A solve stopped at its gap may store less carbon than an earlier, cheaper plan: the earlier
    plan is feasible for the larger budget and is carried forward."""
    table = make_option_table(12, 6, 3, tolerance=1e9)
    calls, real = [], fr.solve_candidates

    def solve(cand, settings, **kw):
        done = real(cand, settings, **kw)
        calls.append(done.solution)
        if len(calls) == 5:  # third budget of the sweep: answer with the first point's plan
            done.solution.rows, done.solution.status = calls[2].rows, "time_limit"
        return done

    monkeypatch.setattr(fr, "solve_candidates", solve)
    result = frontier(table, PlanSettings(mip_gap=0.0), 4)
    p1, p2, p3 = result.points[:3]
    assert not p2.carried_forward and p3.carried_forward and p3.status == "time_limit"
    assert p3.carbon_tco2e == p2.carbon_tco2e and np.array_equal(p3.rows, p2.rows)
    assert p3.marginal_cny_per_tco2e is None  # no carbon gained: no marginal cost
    carbon = [p.carbon_tco2e for p in result.points]
    assert all(b >= a for a, b in zip(carbon, carbon[1:]))


def test_too_few_points_and_impossible_settings():
    table = make_option_table(5, 4, 1, tolerance=1e9)
    with pytest.raises(InputError, match="at least 2"):
        frontier(table, PlanSettings(), 1)
    with pytest.raises(RunError, match="cannot be met"):
        frontier(table, PlanSettings(erosion_tolerance_t_ha_yr=0.0), 3)
    with pytest.raises(RunError, match="no plan is possible"):
        frontier(table, PlanSettings(min_area_share={"tree": 0.99}), 3)


def test_csv_is_deterministic():
    table = make_option_table(10, 5, 4, tolerance=1e9)
    a = frontier_frame(frontier(table, PlanSettings(mip_gap=0.0), 3))
    b = frontier_frame(frontier(table, PlanSettings(mip_gap=0.0), 3))
    assert a.to_csv(float_format=FLOAT_FORMAT) == b.to_csv(float_format=FLOAT_FORMAT)
    assert list(a.columns) == list(fr.CSV_COLUMNS)


def has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def test_cli_writes_csv_and_json(tmp_path, capsys):
    out = tmp_path / "front"
    assert run(["frontier", str(EXAMPLE), "-o", str(out), "--points", "4"]) == 0
    printed = capsys.readouterr().out
    frame = pd.read_csv(out / "frontier.csv", encoding="utf-8-sig")
    assert list(frame.columns) == list(fr.CSV_COLUMNS) and len(frame) == 4
    assert (out / "frontier.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert frame["carbon_tco2e"].is_monotonic_increasing
    assert (frame["cost_cny"] <= frame["budget_cny"] * (1 + 1e-9)).all()
    assert np.isnan(frame["marginal_cny_per_tco2e"].iloc[0]) and (frame["marginal_cny_per_tco2e"].iloc[1:] > 0).all()
    data = json.loads((out / "frontier.json").read_text(encoding="utf-8"))
    assert len(data["points"]) == 4 and data["bounds"]["min_cost_cny"] == pytest.approx(frame["budget_cny"].iloc[0])
    assert set(data["timings_s"]) >= {"estimate", "solve", "write"}
    assert (out / "frontier.png").exists() == has_matplotlib() == (data["plot"] == "frontier.png")
    assert ("not written (matplotlib is not installed)" in printed) != has_matplotlib()
    assert "frontier: 4 budgets from" in printed


def test_cli_json_output_parses(tmp_path, capsys):
    out = tmp_path / "front"
    assert run(["frontier", str(EXAMPLE), "-o", str(out), "--points", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [p["budget_cny"] for p in data["points"]] == sorted(p["budget_cny"] for p in data["points"])
    assert data == json.loads((out / "frontier.json").read_text(encoding="utf-8"))


def test_cli_user_mistakes_exit_2(tmp_path, capsys):
    out = tmp_path / "front"
    capsys.readouterr()
    assert run(["frontier", str(EXAMPLE), "-o", str(out), "--points", "1"]) == 2
    assert capsys.readouterr().err.strip() == "error: --points must be at least 2 (got 1)"
    assert not out.exists()
    out.mkdir()
    (out / "keep.txt").write_text("x", encoding="utf-8")
    assert run(["frontier", str(EXAMPLE), "-o", str(out)]) == 2
    assert "holds files minesink did not write (keep.txt)" in capsys.readouterr().err
    assert run(["frontier", str(EXAMPLE), "-o", str(out), "--points", "2", "--force"]) == 2  # not ours
    assert (out / "keep.txt").read_text(encoding="utf-8") == "x"
    (out / "keep.txt").unlink()
    assert run(["frontier", str(EXAMPLE), "-o", str(out), "--points", "2"]) == 0
    assert sorted(p.name for p in out.iterdir() if p.suffix != ".png") == [
        ".minesink-manifest.json", "frontier.csv", "frontier.json", "plans"]
    assert run(["frontier", str(EXAMPLE), "-o", str(out), "--points", "2", "--force"]) == 0  # its own, plans/ too


def test_cli_no_plan_at_any_budget_exits_1(tmp_path, capsys):
    root = copy_example(tmp_path)
    edit_toml(root, "[constraints]", "[constraints]\nerosion_tolerance_t_ha_yr = 0.05")
    out = tmp_path / "front"
    capsys.readouterr()
    assert run(["frontier", str(root), "-o", str(out)]) == 1
    captured = capsys.readouterr()
    assert len(captured.err.strip().splitlines()) == 1 and "Traceback" not in captured.err
    assert "the erosion tolerance of 0.05 t/ha/yr cannot be met on parcel(s) SD-P1340" in captured.err
    assert not out.exists()


def test_plot_is_a_png_with_the_dev_extra(tmp_path, capsys):
    """The dev extra installs matplotlib, so the plot path is exercised in CI."""
    assert has_matplotlib()
    out = tmp_path / "f"
    assert run(["frontier", str(EXAMPLE), "-o", str(out), "--points", "3"]) == 0
    assert (out / "frontier.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_point_reports_its_proven_gap_and_one_solver_serves_the_sweep(monkeypatch):
    made = []

    class Counting(fr.Solver):
        def __init__(self):
            super().__init__()
            made.append(self)

    monkeypatch.setattr(fr, "Solver", Counting)
    table = make_option_table(60, 10, 4, tolerance=1e9)
    settings = PlanSettings(min_area_share={"tree": 0.2}, mip_gap=1e-4)
    result = frontier(table, settings, 6)
    assert len(made) == 1
    for p in result.points:
        assert p.status == "optimal" and p.gap is not None and 0 <= p.gap <= 1e-4
    data = fr.frontier_dict(result)
    assert data["max_gap"] == max(p.gap for p in result.points)
    assert len(data["model_variables_per_point"]) == 6
