"""``minesink plan`` on copies of the Pingshuo example that no plan can satisfy: exit 1, one line
naming the cause, no traceback, no output folder. Plus a solve stopped early that still writes
its best plan."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

import optimizer.planning.pipeline
from optimizer.cli.app import run
from projfix import copy_example, edit_toml

MIN_SHARES = "min_area_share = { tree = 0.15, shrub = 0.05 }"


def fails(capsys, root, out, *extra) -> str:
    """Run plan, check exit 1, a single stderr line and no output folder; return the line."""
    capsys.readouterr()
    assert run(["plan", str(root), "-o", str(out), *extra]) == 1
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in captured.err and captured.out == ""
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]  # no temp folder
    return err


def test_budget_below_what_the_locked_in_parcels_need(tmp_path, capsys):
    root = copy_example(tmp_path)
    err = fails(capsys, root, tmp_path / "out", "--budget", "1000")
    assert err.startswith("error: no plan is possible: budget 1,000 CNY is below the")
    assert "locked-in or forced parcel(s) need" in err and "cheapest complete plan costs" in err


def test_impossible_erosion_tolerance_names_the_parcels(tmp_path, capsys):
    root = copy_example(tmp_path)
    edit_toml(root, "[constraints]", "[constraints]\nerosion_tolerance_t_ha_yr = 0.05")
    err = fails(capsys, root, tmp_path / "out")
    assert "the erosion tolerance of 0.05 t/ha/yr cannot be met on parcel(s) SD-P1340, SD-P1370" in err
    assert re.search(r"and \d+ more by any option .*\(best: \d+\.\d, \d+\.\d", err)
    assert "raise the tolerance" in err


def test_impossible_tree_share_names_the_tree_share(tmp_path, capsys):
    root = copy_example(tmp_path)
    edit_toml(root, MIN_SHARES, "min_area_share = { tree = 0.99 }")
    err = fails(capsys, root, tmp_path / "out")
    assert "a tree share of at least 0.99 cannot be reached" in err
    assert re.search(r"at most 0\.\d\d of the area can carry trees$", err)


def test_min_cost_with_an_unreachable_target(tmp_path, capsys):
    root = copy_example(tmp_path)
    err = fails(capsys, root, tmp_path / "out", "--objective", "min-cost", "--target-tco2e", "1e9")
    assert "the carbon target of 1,000,000,000 t CO2e cannot be reached" in err
    assert "the most any plan stores by 2060 is" in err


def test_a_solve_stopped_early_still_writes_its_best_plan(tmp_path, capsys, monkeypatch):
    # A 3000-parcel synthetic project with --time-limit 0.5 is solved to optimality within the
    # limit on a 2-core machine, so a time limit cannot stop HiGHS reliably. A node limit of 1
    # at gap 0 stops it deterministically on this example through the same status path
    # (HiGHS reports a limit with an incumbent -> status time_limit).
    original = optimizer.planning.pipeline.plan_settings

    def one_node(project, **overrides):
        return original(project, **overrides).with_(solver_options={"presolve": "off", "mip_max_nodes": 1})

    monkeypatch.setattr(optimizer.planning.pipeline, "plan_settings", one_node)
    root = copy_example(tmp_path)
    out = tmp_path / "out"
    capsys.readouterr()
    assert run(["plan", str(root), "-o", str(out), "--gap", "0", "--json"]) == 3  # feasible, not proven
    printed = json.loads(capsys.readouterr().out)
    assert printed["status_note"].startswith("TIME LIMIT: the solver stopped at a limit (iterationLimit)")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == printed["status"] == "time_limit"
    assert summary["gap"] > 0 and summary["bound"] > summary["objective"]
    frame = pd.read_csv(out / "plan.csv", keep_default_na=False, encoding="utf-8-sig")
    assert len(frame) == 34 and frame["parcel_id"].is_unique and (frame["option_id"] != "").all()
    assert summary["carbon_tco2e"] == pytest.approx(frame["carbon_tco2e"].sum(), rel=1e-6)
    assert summary["cost_cny"] <= 12_000_000
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "status **time_limit**" in report
    first = report.splitlines()[0]
    assert first.startswith("> **TIME LIMIT:") and f"bound {summary['bound']:,.0f} t CO2e" in first, first
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<p class="warn" id="status-note"><strong>TIME LIMIT:' in html
    # without --json the first line of stdout says it, with the gap and the bound; exit code 3
    assert run(["plan", str(root), "-o", str(out), "--gap", "0", "--force"]) == 3
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("TIME LIMIT:") and "gap " in line and "bound " in line, line
