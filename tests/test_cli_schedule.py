"""``minesink schedule`` on copies of the Pingshuo example: the outputs, the money and release
years they keep, and every bad [schedule] input with the message a user sees."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from optimizer.cli.app import run
from projfix import copy_example, edit_toml, set_cell, snapshot

TRANCHES = "\n[schedule]\nperiods = 5\nbudget_cny = 2_400_000\n"


def _add(root, text: str) -> None:
    path = root / "project.toml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def tranches(tmp_path_factory):
    """The example with five yearly tranches, two parcels released later and carry-over."""
    tmp = tmp_path_factory.mktemp("sched")
    root = copy_example(tmp)
    _add(root, TRANCHES + "carry_over = true\nmin_tco2e_2030 = 3000\n")
    table = pd.read_csv(root / "parcels.csv", dtype=str, keep_default_na=False)
    table["earliest_year"] = ""
    table.loc[1, "earliest_year"] = "2028"
    table.loc[2, "earliest_year"] = "2029"
    table.to_csv(root / "parcels.csv", index=False)
    out = tmp / "out"
    code = run(["schedule", str(root), "-o", str(out), "--no-delays"])
    assert code == 0
    return root, out, table


def test_schedule_writes_its_outputs(tranches) -> None:
    _root, out, _ = tranches
    # plus the manifest of the files minesink wrote (optimizer.outputs.files)
    assert sorted(p.name for p in out.iterdir()) == [".minesink-manifest.json", "gantt.svg", "periods.csv",
                                                      "report.md", "schedule.csv", "summary.json"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal" and summary["n_parcels"] == 34
    assert summary["one_lump"]["credited_tco2e"] > 0
    # the presolve block with plan's keys; its bound is above the schedule (max carbon)
    pre = summary["presolve"]
    assert set(pre) == {"lagrangian_bound", "repaired_objective", "kept_share", "kept", "candidates", "evaluations",
                        "converged", "row_prices"}
    assert pre["lagrangian_bound"] >= summary["objective"] - 1e-6 * abs(summary["objective"])
    assert pre["kept"] == summary["sizes"]["columns_kept"] <= pre["candidates"] == summary["sizes"]["columns_pruned"]
    assert summary["bound"] <= pre["lagrangian_bound"] + 1e-6 and summary["gap"] <= 1e-3
    assert {"columns", "prune", "presolve", "build", "solve", "plan"} <= set(summary["timings_s"])
    report = (out / "report.md").read_text()
    assert "## Periods" in report and "![works by year](gantt.svg)" in report
    svg = (out / "gantt.svg").read_text()
    assert svg.startswith("<svg") and svg.count("<rect") >= 34


def test_money_per_period_stays_within_the_budgets_with_carry_over(tranches) -> None:
    _root, out, _ = tranches
    sched, periods = _read(out / "schedule.csv"), _read(out / "periods.csv")
    per_period = [sched[f"cny_{label}"].sum() for label in periods["period"].astype(str)]
    assert per_period == pytest.approx(periods["spent_cny"].tolist(), rel=1e-9)
    assert (np.cumsum(per_period) <= np.cumsum(periods["budget_cny"]) * (1 + 1e-6)).all()
    assert sched["cost_cny"].sum() == pytest.approx(sum(per_period), rel=1e-9)


def test_no_parcel_starts_before_its_release(tranches) -> None:
    _root, out, table = tranches
    sched = _read(out / "schedule.csv").set_index("parcel_id")
    for i in (1, 2):
        pid = table.loc[i, "parcel_id"]
        assert sched.loc[pid, "start_year"] >= int(table.loc[i, "earliest_year"])
    assert (sched["start_year"].dropna() >= 2026).all()


def test_the_milestone_holds(tranches) -> None:
    _root, out, _ = tranches
    summary = json.loads((out / "summary.json").read_text())
    assert summary["milestones"]["2030"]["credited_tco2e"] >= 3000 - 1e-6
    assert _read(out / "schedule.csv")["credited_2030_tco2e"].sum() == pytest.approx(summary["credited_2030_tco2e"])


def test_an_impossible_milestone_is_explained(tmp_path, capsys) -> None:
    root = copy_example(tmp_path)
    _add(root, TRANCHES + "min_tco2e_2030 = 9_000_000\n")
    out = tmp_path / "out"
    assert run(["schedule", str(root), "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "milestone min_tco2e_2030 (9,000,000 t CO2e by 2030) cannot be reached" in err and "short by" in err
    assert not out.exists()


def test_without_a_schedule_table(tmp_path, capsys) -> None:
    root = copy_example(tmp_path)
    assert run(["schedule", str(root), "-o", str(tmp_path / "out")]) == 2
    assert "has no [schedule] table" in capsys.readouterr().err


@pytest.mark.parametrize("text, expected", [
    ("periods = 0", "[schedule] periods: 0: expected at least 1 period"),
    ("periods = [2027, 2030]", "[schedule] periods: the first period must start in [project] start_year 2026"),
    ("periods = [2026, 2026]", "must increase"),
    ("periods = 3\nbudget_cny = [1, 2]", "[schedule] budget_cny: 2 value(s) for 3 period(s)"),
    ("budget_cny = -5", "[schedule] budget_cny: -5 must be 0 or more"),
    ("periods = 40", "the last period starts in 2065, not before the horizon 2060"),
    ("min_tco2e_2020 = 5", "[schedule] min_tco2e_2020: milestone year 2020 must be after the start year 2026"),
    ("objective = \"min-cost\"", "min-cost needs at least one milestone"),
    ("carbon_weights = { 2099 = 1 }", "'2099' is not a year after 2026 and up to the horizon 2060"),
    ("discount_rate = 1.5", "[schedule] discount_rate: 1.5 must be from 0 to below 1"),
    ("carry_over = \"yes\"", "[schedule] carry_over: expected true or false"),
    ("budgets = 5", "[schedule] budgets: unknown key 'budgets'"),
])
def test_bad_schedule_tables(tmp_path, capsys, text: str, expected: str) -> None:
    root = copy_example(tmp_path)
    _add(root, "\n[schedule]\n" + text + "\n")
    before = snapshot(root)
    assert run(["validate", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: project.toml, line ") and expected in err, err
    assert "Traceback" not in err and snapshot(root) == before


@pytest.mark.parametrize("value, expected", [
    ("soon", "'soon' is not a number"),
    ("1800", "1800 is too small"),
    ("2028.5", "2028.5 is not a year (expected a whole number such as 2029)"),
])
def test_bad_earliest_year(tmp_path, capsys, value: str, expected: str) -> None:
    root = copy_example(tmp_path)
    _add(root, TRANCHES)
    table = pd.read_csv(root / "parcels.csv", dtype=str, keep_default_na=False)
    table["earliest_year"] = ""
    table.to_csv(root / "parcels.csv", index=False)
    set_cell(root, 4, "earliest_year", value)
    assert run(["schedule", str(root), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "parcels.csv, row 4, column 'earliest_year'" in err and expected in err, err


def test_plan_ignores_the_schedule_table(tmp_path) -> None:
    """The one-lump plan still runs on a project with [schedule]."""
    root = copy_example(tmp_path)
    edit_toml(root, "total_cny = 12_000_000", "total_cny = 12_000_000")
    _add(root, TRANCHES)
    assert run(["plan", str(root), "-o", str(tmp_path / "plan"), "--json"]) == 0


def test_the_example_readme_figures(tmp_path) -> None:
    """data/examples/pingshuo/README.md: the five-tranche variant's table is what the tool says."""
    root = copy_example(tmp_path)
    readme = (root / "README.md").read_text(encoding="utf-8")
    _add(root, "\n[schedule]\nperiods = 5\nbudget_cny = 2_400_000\ncarry_over = true\n")
    out = tmp_path / "out"
    assert run(["schedule", str(root), "-o", str(out), "--gap", "0", "--no-delays"]) == 0
    summary = json.loads((out / "summary.json").read_text())

    def row(label: str) -> list[int]:
        line = next(x for x in readme.splitlines() if x.startswith(f"| {label}"))
        return [int(cell.replace(" ", "")) for cell in line.split("|")[2:4]]

    lump = summary["one_lump"]
    assert row("one lump") == [round(lump["credited_2030_tco2e"]), round(lump["credited_tco2e"])]
    assert row("five tranches of 2.4 M CNY, carry-over") == [round(summary["credited_2030_tco2e"]),
                                                             round(summary["credited_tco2e"])]


def test_json_prints_the_summary(tmp_path, capsys) -> None:
    root = copy_example(tmp_path)
    _add(root, "\n[schedule]\nperiods = 2\nperiod_years = 3\nbudget_cny = [7e6, 5e6]\nallow_defer = true\n")
    assert run(["schedule", str(root), "-o", str(tmp_path / "out"), "--json", "--no-compare", "--no-delays"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert [p["period"] for p in summary["periods"]] == ["2026-2028", "2029-2031"]
    assert summary["one_lump"] is None and summary["delays"] == []
    assert summary["cost_cny"] <= 12e6 and summary["status"] in ("optimal", "time_limit")
    spent = [p["spent_cny"] for p in summary["periods"]]
    assert spent[0] <= 7e6 * (1 + 1e-6) and spent[1] <= 5e6 * (1 + 1e-6)


def test_an_unproven_schedule_exits_3_and_says_so_first(tmp_path, capsys, monkeypatch) -> None:
    """A node limit of 1 at gap 0 stops HiGHS with a plan it has not proven (as a time limit
    would, independent of the machine's speed): exit 3, the TIME LIMIT line first."""
    import optimizer.planning.pipeline

    original = optimizer.planning.pipeline.plan_settings

    def one_node(project, **overrides):
        return original(project, **overrides).with_(solver_options={"presolve": "off", "mip_max_nodes": 1})

    monkeypatch.setattr(optimizer.planning.pipeline, "plan_settings", one_node)
    root = copy_example(tmp_path)
    _add(root, TRANCHES)
    out = tmp_path / "out"
    assert run(["schedule", str(root), "-o", str(out), "--gap", "0", "--no-compare", "--no-delays"]) == 3
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("TIME LIMIT: ")
    assert (out / "report.md").read_text(encoding="utf-8").startswith("TIME LIMIT: ")


def test_parcels_own_columns_reach_schedule_csv(tranches) -> None:
    _root, out, table = tranches
    sched = _read(out / "schedule.csv")
    assert "description" in sched.columns  # the example's free-text column (Chinese unit names)
    assert sched.set_index("parcel_id").loc[table.loc[0, "parcel_id"], "description"] == table.loc[0, "description"]
