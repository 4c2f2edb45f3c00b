"""``minesink plan`` end to end on the bundled Pingshuo example: the issue's done-means.

The plan is run once per module through the CLI; every total of summary.json is checked against
plan.csv and against the option table recomputed by ``optimizer.planning.pipeline.estimate``, and every
constraint of project.toml is recomputed from plan.csv.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from estimators.table import POOLS
from optimizer.cli.app import run
from optimizer.planning.pipeline import estimate
from optimizer.inputs.project import load_project
from projfix import EXAMPLE, snapshot

DESIGN_KEYS = ("status", "objective", "bound", "gap", "budget_cny", "cost_cny", "carbon_tco2e", "baseline_tco2e",
               "additional_tco2e", "carbon_by_pool", "horizon_year", "n_parcels", "n_options", "timings_s", "solver")
# plan.csv column -> per-ha column of the option table
PER_HA = {"carbon_tco2e": "net_tco2e_ha", "credited_tco2e": "credited_tco2e_ha",
          "additional_tco2e": "additional_tco2e_ha", "cost_cny": "cost_cny_ha",
          "carbon_2030_tco2e": "tco2e_ha_2030", **{f"{p}_tco2e": f"{p}_tco2e_ha" for p in POOLS}}
REGION_TOLERANCE = 10.0  # t/ha/yr, data/regions.csv north (SL 190-2007, Loess Plateau)


def read_plan(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "plan.csv", keep_default_na=False, encoding="utf-8-sig")


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """The example planned once through the CLI, plus its option table and project.toml."""
    out = tmp_path_factory.mktemp("plan") / "out"
    assert run(["plan", str(EXAMPLE), "-o", str(out)]) == 0
    table = estimate(load_project(EXAMPLE))
    toml = tomllib.loads((EXAMPLE / "project.toml").read_text(encoding="utf-8"))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return out, read_plan(out), summary, table, toml


def joined(frame: pd.DataFrame, table) -> pd.DataFrame:
    """The option-table row of each plan.csv row, in plan.csv order."""
    rows = table.rows.set_index(["parcel_id", "option_id"])
    keys = pd.MultiIndex.from_arrays([frame["parcel_id"], frame["option_id"]])
    assert keys.isin(rows.index).all()
    return rows.loc[keys].reset_index()


def test_exit_0_and_one_row_per_parcel_in_project_order(planned):
    out, frame, summary, table, _ = planned
    parcels = pd.read_csv(EXAMPLE / "parcels.csv", encoding="utf-8")
    assert list(frame["parcel_id"]) == list(parcels["parcel_id"]) == list(table.parcels.index)
    assert frame["parcel_id"].is_unique and len(frame) == 34
    assert sorted(p.name for p in out.iterdir()) == [".minesink-manifest.json", "plan.csv", "report.html",
                                                     "report.md", "summary.json"]
    assert summary["status"] == "optimal" and summary["n_parcels"] == 34
    assert summary["n_options"] == len(table.rows)


def test_summary_has_every_design_key(planned):
    summary = planned[2]
    assert set(DESIGN_KEYS) <= set(summary)
    assert set(summary["carbon_by_pool"]) == set(POOLS)
    assert set(summary["timings_s"]) == {"estimate", "select", "presolve", "build", "solve", "write"}
    assert all(v is not None and v >= 0 for v in summary["timings_s"].values())
    assert summary["horizon_year"] == 2060 and summary["budget_cny"] == 12_000_000
    assert summary["solver"].startswith("highs ")
    assert summary["bound"] >= summary["objective"] * (1 - 1e-9)
    assert 0 <= summary["gap"] <= 1e-3  # the default --gap


def test_totals_equal_plan_csv_and_option_table_sums(planned):
    _, frame, summary, table, _ = planned
    opt = joined(frame, table)
    area = opt["area_ha"].to_numpy(dtype=float)
    assert frame["area_ha"].to_numpy() == pytest.approx(area)
    recomputed = {col: float((area * opt[per_ha]).sum()) for col, per_ha in PER_HA.items()}
    recomputed["baseline_tco2e"] = recomputed["credited_tco2e"] - recomputed["additional_tco2e"]
    for key in ("carbon_tco2e", "credited_tco2e", "additional_tco2e", "baseline_tco2e", "cost_cny"):
        assert summary[key] == pytest.approx(frame[key].sum(), rel=1e-6)
        assert summary[key] == pytest.approx(recomputed[key], rel=1e-6)
    for pool in POOLS:
        col = f"{pool}_tco2e"
        assert summary["carbon_by_pool"][pool] == pytest.approx(frame[col].sum(), rel=1e-6, abs=0.01)
        assert summary["carbon_by_pool"][pool] == pytest.approx(recomputed[col], rel=1e-6, abs=0.01)
    # the pools the policy counts add up to the net, and with the buffer to the credited carbon
    counted = summary["counted_pools"]
    assert set(counted) == {"tree", "shrub", "grass", "soil", "erosion", "works"}  # conservative defaults
    assert sum(summary["carbon_by_pool"][p] for p in counted) == pytest.approx(summary["carbon_tco2e"], rel=1e-6)
    assert (summary["carbon_tco2e"] + summary["carbon_by_pool"]["buffer"]
            == pytest.approx(summary["credited_tco2e"], rel=1e-6))
    # pools at 2030 from the option table's per-pool 2030 columns
    assert summary["carbon_2030_tco2e"] == pytest.approx(recomputed["carbon_2030_tco2e"], rel=1e-6)
    for pool in POOLS:
        at_2030 = float((area * opt[f"{pool}_tco2e_ha_2030"]).sum())
        assert summary["carbon_2030_by_pool"][pool] == pytest.approx(at_2030, rel=1e-6, abs=0.01)
        assert frame[f"{pool}_2030_tco2e"].sum() == pytest.approx(at_2030, rel=1e-6, abs=0.01)
    assert (sum(summary["carbon_2030_by_pool"][p] for p in counted)
            == pytest.approx(summary["carbon_2030_tco2e"], rel=1e-6))
    assert summary["objective"] == pytest.approx(summary["credited_tco2e"], rel=1e-6)
    # the baseline is each parcel's natural recovery
    natural = table.rows[table.rows["option_id"] == "natural"].set_index("parcel_id")
    base = (natural["area_ha"] * natural["credited_tco2e_ha"]).sum()
    assert summary["baseline_tco2e"] == pytest.approx(base, rel=1e-6)


def test_every_constraint_holds_recomputed(planned):
    _, frame, summary, table, toml = planned
    opt = joined(frame, table)
    area = frame["area_ha"].to_numpy(dtype=float)
    total = area.sum()
    # budget
    assert (area * opt["cost_cny_ha"]).sum() <= toml["budget"]["total_cny"] * (1 + 1e-9)
    # erosion tolerance: the region's 10 t/ha/yr on every parcel except those locked out
    assert (table.parcels["erosion_tolerance_t_ha_yr"] == REGION_TOLERANCE).all()
    status = frame["status"].to_numpy()
    erosion = opt["erosion_t_ha_yr"].to_numpy(dtype=float)
    assert frame["erosion_t_ha_yr"].to_numpy() == pytest.approx(erosion, abs=1e-4)
    assert (erosion[status != "lock_out"] <= REGION_TOLERANCE + 1e-9).all()
    # the example has locked-out pit walls that erode beyond the tolerance (exempt, reported)
    assert (status == "lock_out").any() and (erosion[status == "lock_out"] > REGION_TOLERANCE).any()
    # minimum layer area shares from project.toml
    shares = toml["constraints"]["min_area_share"]
    assert set(shares) == {"tree", "shrub"}
    for layer, low in shares.items():
        assert (area * opt[f"{layer}_share"]).sum() / total >= low - 1e-9
        assert summary["area_share"][layer] >= low - 1e-9
    # maximum area share of any one species
    cap = toml["constraints"]["max_species_area_share"]
    species = table.mix_species.loc[opt["mix"]].mul(area, axis=0).sum() / total
    assert species.max() <= cap + 1e-9 and species.max() > 0
    # locks
    assert (status == "lock_in").any()
    assert (frame.loc[status == "lock_in", "option_id"] != "natural").all()
    assert (frame.loc[status == "lock_out", "option_id"] == "natural").all()


def test_report_names_the_project_and_lists_the_locked_out_pit_walls(planned):
    out, frame, summary, _, toml = planned
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.startswith(f"# Restoration plan: {toml['project']['name']}\n\nRegion **north**, works from 2026, "
                         "carbon counted to **2060**")
    pools = summary["carbon_2030_by_pool"]
    assert f"| 2030 | {pools['tree']:,.0f} | {pools['shrub']:,.0f} |" in md
    section = md.split("## Left to natural recovery: locked out")[1].split("\n## ")[0]
    locked = frame[frame["status"] == "lock_out"]
    assert "outside the erosion tolerance" in section
    assert f"{len(locked)} of them erode more than it" in section
    for r in locked.itertuples():
        assert f"| {r.parcel_id} | pit_wall | {r.area_ha:,.1f} | {r.erosion_t_ha_yr:,.2f} | 10 | yes |" in section
    assert section.count("\n|") == len(locked) + 2  # header, rule, one row per locked-out parcel
    assert (out / "plan.csv").read_bytes().startswith(b"\xef\xbb\xbfparcel_id,")


def test_second_run_is_byte_identical_and_json_equals_summary(planned, tmp_path, capsys):
    out, _, summary, _, _ = planned
    capsys.readouterr()
    assert run(["plan", str(EXAMPLE), "-o", str(tmp_path / "again"), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (tmp_path / "again" / "plan.csv").read_bytes() == (out / "plan.csv").read_bytes()
    again = json.loads((tmp_path / "again" / "summary.json").read_text(encoding="utf-8"))
    for d in (printed, again, summary):
        d.pop("timings_s")
    assert printed == again == summary


def test_export_model_mps_and_lp(tmp_path, capsys):
    for suffix in ("mps", "lp"):
        path = tmp_path / f"model.{suffix}"
        assert run(["plan", str(EXAMPLE), "-o", str(tmp_path / suffix), "--export-model", str(path)]) == 0
        assert path.stat().st_size > 0
    assert "budget" in (tmp_path / "model.lp").read_text()
    capsys.readouterr()
    assert run(["plan", str(EXAMPLE), "-o", str(tmp_path / "bad"), "--export-model", str(tmp_path / "m.txt")]) == 2
    err = capsys.readouterr().err
    assert "--export-model" in err and ".mps or .lp" in err and "Traceback" not in err
    assert not (tmp_path / "bad").exists() and not (tmp_path / "m.txt").exists()


def test_existing_output_folder_is_kept_without_force(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    before = snapshot(tmp_path)
    assert run(["plan", str(EXAMPLE), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "exists and is not empty" in err and "notes.txt" in err and len(err.splitlines()) == 1
    assert snapshot(tmp_path) == before
    assert run(["plan", str(EXAMPLE), "-o", str(out), "--force"]) == 2  # the user's file survives --force
    assert snapshot(tmp_path) == before


def test_min_cost_reaches_half_the_max_carbon_for_less(planned, tmp_path, capsys):
    _, frame, summary, table, _ = planned
    target = summary["carbon_tco2e"] / 2
    assert run(["plan", str(EXAMPLE), "-o", str(tmp_path / "mc"), "--objective", "min-cost",
                "--target-tco2e", f"{target:.6f}"]) == 0
    mc = json.loads((tmp_path / "mc" / "summary.json").read_text(encoding="utf-8"))
    plan_mc = read_plan(tmp_path / "mc")
    assert mc["objective_name"] == "min-cost" and mc["status"] == "optimal"
    assert mc["carbon_tco2e"] >= target * (1 - 1e-9)
    assert plan_mc["carbon_tco2e"].sum() == pytest.approx(mc["carbon_tco2e"], rel=1e-6)
    assert mc["cost_cny"] <= summary["cost_cny"]
    assert mc["objective"] == pytest.approx(mc["cost_cny"], rel=1e-6)
    # half the carbon should cost clearly less than the budget-limited max-carbon plan
    assert mc["cost_cny"] < 0.9 * summary["cost_cny"]
    assert np.array_equal(plan_mc["parcel_id"], frame["parcel_id"])
