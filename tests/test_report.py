"""plan.csv, summary.json and report.md: totals, constraints, determinism, DESIGN keys."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from estimators.table import POOLS
from optimizer.errors import InputError
from optimizer.planning.plan import plan
from optimizer.outputs.report import write_outputs
from optimizer.inputs.settings import PlanSettings
from optables import make_option_table

DESIGN_KEYS = ("status", "objective", "bound", "gap", "budget_cny", "cost_cny", "carbon_tco2e", "baseline_tco2e",
               "additional_tco2e", "carbon_by_pool", "horizon_year", "n_parcels", "n_options", "timings_s", "solver")


def solved(seed=4, pools_2030=False):
    t = make_option_table(40, 8, seed, tolerance=1e9)
    if pools_2030:  # per-pool 2030 columns as estimators.options writes them (they add up to the net)
        for p in POOLS:
            t.rows[f"{p}_tco2e_ha_2030"] = t.rows[f"{p}_tco2e_ha"] * t.rows["tco2e_ha_2030"] / t.rows["net_tco2e_ha"]
        t.rows["credited_tco2e_ha_2030"] = t.rows[[f"{p}_tco2e_ha_2030" for p in POOLS]].sum(axis=1)
    t.parcels.loc["P0002", "status"] = "lock_out"
    t.parcels.loc["P0005", "status"] = "lock_in"
    cost = (t.rows["area_ha"] * t.rows["cost_cny_ha"]).sum() / 8
    s = PlanSettings(budget_cny=float(cost * 0.5), max_sediment_t_yr=2000.0, min_area_share={"tree": 0.15},
                     max_species_area_share=0.3, mip_gap=0.0)
    return t, s, plan(t, s)


def test_summary_totals_equal_plan_csv_sums_and_constraints_hold(tmp_path):
    t, s, result = solved()
    summary = write_outputs(result, tmp_path / "out")
    frame = pd.read_csv(tmp_path / "out" / "plan.csv", keep_default_na=False)
    on_disk = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert set(DESIGN_KEYS) <= set(on_disk)
    assert set(on_disk["carbon_by_pool"]) == set(POOLS)
    assert set(on_disk["timings_s"]) == {"estimate", "select", "presolve", "build", "solve", "write"}
    assert on_disk["status"] == "optimal" and on_disk["n_parcels"] == 40 and on_disk["horizon_year"] == 2060
    for key, col in (("cost_cny", "cost_cny"), ("carbon_tco2e", "carbon_tco2e"), ("credited_tco2e", "credited_tco2e"),
                     ("additional_tco2e", "additional_tco2e"), ("baseline_tco2e", "baseline_tco2e")):
        assert on_disk[key] == pytest.approx(frame[col].sum(), rel=1e-6)
    for pool in POOLS:
        assert on_disk["carbon_by_pool"][pool] == pytest.approx(frame[f"{pool}_tco2e"].sum(), rel=1e-6, abs=0.01)
    # the pools add up to the credited carbon (buffer included), and credited = baseline + additional
    assert frame[[f"{p}_tco2e" for p in POOLS]].sum(axis=1).to_numpy() == pytest.approx(frame["credited_tco2e"], abs=1e-3)
    assert on_disk["credited_tco2e"] == pytest.approx(on_disk["baseline_tco2e"] + on_disk["additional_tco2e"])
    assert on_disk["objective"] == pytest.approx(on_disk["credited_tco2e"], rel=1e-6)
    # constraints recomputed from plan.csv
    area = frame["area_ha"].sum()
    assert frame["cost_cny"].sum() <= s.budget_cny * (1 + 1e-7)
    assert frame["sediment_t_yr"].sum() <= 2000.0 * (1 + 1e-7)
    assert (frame["area_ha"] * frame["tree_share"]).sum() / area >= 0.15 - 1e-6
    species = t.mix_species.loc[frame["mix"]].mul(frame["area_ha"].to_numpy(), axis=0).sum() / area
    assert species.max() <= 0.3 + 1e-6
    row = frame.set_index("parcel_id")
    assert row.loc["P0002", "option_id"] == "natural" and row.loc["P0005", "option_id"] != "natural"
    assert list(frame["parcel_id"]) == list(t.parcels.index)
    assert summary["cost_cny"] == on_disk["cost_cny"]


def test_plan_csv_is_byte_identical_across_runs(tmp_path):
    first = solved()[2]
    second = solved()[2]
    write_outputs(first, tmp_path / "a")
    write_outputs(second, tmp_path / "b")
    assert (tmp_path / "a" / "plan.csv").read_bytes() == (tmp_path / "b" / "plan.csv").read_bytes()
    raw = (tmp_path / "a" / "plan.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfparcel_id,")  # UTF-8 byte-order mark for Excel
    text = raw.decode("utf-8-sig")
    assert "\r" not in text and text.splitlines()[1].split(",")[1] == f"{first.table.parcels.area_ha.iloc[0]:.4f}"


def test_report_md_names_choices_totals_and_assumptions(tmp_path):
    t, _, result = solved()
    t.meta["assumptions"] = ["bulk density of P0003 defaulted from its landform (assumption)"]
    t.meta.update(project="Test mine", region="north")
    write_outputs(result, tmp_path / "out")
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# Restoration plan: Test mine\n\nRegion **north**, works from 2026, carbon counted to "
                         "**2060**")
    for text in ("status **optimal**", "## Carbon (t CO2e)", "| 2030 |", "| 2060 |", "## Cost",
                 "## What was chosen where", "| natural |", "`budget`", "`min_share_tree`",
                 "bulk density of P0003 defaulted from its landform (assumption)", "gap 0.000 %",
                 "| CNY per additional t |"):
        assert text in md
    # the option table has no per-pool 2030 columns: only the horizon row of the pool table
    assert ("| year | tree | shrub | grass | soil | imported (not counted) | biochar (not counted) | erosion | works "
            "| buffer | credited |") in md
    assert not any(line.startswith("| 2030 | ") and line.count("|") == 12 for line in md.splitlines())
    # CNY per additional t of each chosen option = its cost / its additional carbon
    frame = pd.read_csv(tmp_path / "out" / "plan.csv", encoding="utf-8-sig", keep_default_na=False)
    g = frame.groupby("option_id")[["cost_cny", "additional_tco2e"]].sum()
    best = g[g["additional_tco2e"] > 0].sort_values("additional_tco2e").iloc[-1]
    line = next(x for x in md.splitlines() if x.startswith(f"| {best.name} |"))
    assert line.split("|")[-2].strip() == f"{best['cost_cny'] / best['additional_tco2e']:,.0f}"


def test_pools_at_2030_and_the_horizon(tmp_path):
    t, _, result = solved(pools_2030=True)
    summary = write_outputs(result, tmp_path / "out")
    frame = pd.read_csv(tmp_path / "out" / "plan.csv", encoding="utf-8-sig", keep_default_na=False)
    on_disk = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert on_disk["carbon_2030_by_pool"] == summary["carbon_2030_by_pool"]
    assert set(on_disk["carbon_2030_by_pool"]) == set(POOLS)
    for pool in POOLS:  # plan.csv keeps 4 decimals
        total = frame[f"{pool}_2030_tco2e"].sum()
        assert on_disk["carbon_2030_by_pool"][pool] == pytest.approx(total, rel=1e-6, abs=0.01)
    assert sum(on_disk["carbon_2030_by_pool"].values()) == pytest.approx(on_disk["credited_2030_tco2e"], rel=1e-6)
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    for year, pools, net in ((2030, on_disk["carbon_2030_by_pool"], on_disk["credited_2030_tco2e"]),
                             (2060, on_disk["carbon_by_pool"], on_disk["credited_tco2e"])):
        row = f"| {year} | " + " | ".join(f"{pools[p]:,.0f}" for p in POOLS) + f" | {net:,.0f} |"
        assert row in md
    # without the 2030 pool columns summary.json says so with null, and plan.csv leaves them blank
    bare = write_outputs(solved()[2], tmp_path / "bare")
    assert bare["carbon_2030_by_pool"] is None
    assert json.loads((tmp_path / "bare" / "summary.json").read_text())["carbon_2030_by_pool"] is None


def test_locked_out_parcels_listed_outside_the_tolerance(tmp_path):
    t, s, _ = solved()
    t.parcels["erosion_tolerance_t_ha_yr"] = 10.0
    natural = t.rows["option_id"] == "natural"
    steep = (t.rows["parcel_id"] == "P0002") & natural
    t.rows.loc[steep, "erosion_t_ha_yr"] = 150.0  # a pit wall: nothing may be done there
    t.rows.loc[~natural & (t.rows["erosion_t_ha_yr"] > 10), "erosion_t_ha_yr"] = 9.0
    t.rows.loc[natural & ~steep, "erosion_t_ha_yr"] = 5.0
    t.parcels.loc["P0007", "status"] = "lock_out"  # locked out but within the tolerance
    result = plan(t, s.with_(max_sediment_t_yr=None))
    write_outputs(result, tmp_path / "out")
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "## Left to natural recovery: locked out" in md
    assert "They are outside the erosion tolerance" in md and "1 of them erode more than it" in md
    area2, area7 = t.parcels.loc["P0002", "area_ha"], t.parcels.loc["P0007", "area_ha"]
    assert f"| P0002 |  | {area2:,.1f} | 150.00 | 10 | yes | {150 * area2:,.1f} |" in md
    assert f"| P0007 |  | {area7:,.1f} | 5.00 | 10 | no | {5 * area7:,.1f} |" in md
    section = md.split("## Left to natural recovery")[1].split("## Why")[0]
    assert section.count("\n| P") == 2  # only the locked-out parcels
    assert "## Left to natural recovery" not in (report_without_locks := _report_no_locks(tmp_path))
    assert report_without_locks.startswith("# Restoration plan: unnamed project")


def _report_no_locks(tmp_path) -> str:
    t = make_option_table(12, 5, 3, tolerance=1e9)
    write_outputs(plan(t, PlanSettings()), tmp_path / "nolock")
    return (tmp_path / "nolock" / "report.md").read_text(encoding="utf-8")


def test_plan_csv_keeps_chinese_parcel_ids_for_excel(tmp_path):
    t, s, _ = solved()
    name = "南排土场-1340平台"
    t.rows["parcel_id"] = t.rows["parcel_id"].replace("P0001", name)
    t.parcels = t.parcels.rename(index={"P0001": name})
    write_outputs(plan(t, s), tmp_path / "out")
    raw = (tmp_path / "out" / "plan.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
    assert name.encode("utf-8") in raw
    frame = pd.read_csv(tmp_path / "out" / "plan.csv", encoding="utf-8-sig", keep_default_na=False)
    assert frame.columns[0] == "parcel_id" and frame["parcel_id"].iloc[0] == name


def test_existing_output_folder_needs_force(tmp_path):
    result = solved()[2]
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("keep me")
    with pytest.raises(InputError, match="exists and is not empty: it holds files minesink did not write"):
        write_outputs(result, out)
    with pytest.raises(InputError, match=r"\(old.txt\), which --force would not replace"):
        write_outputs(result, out, force=True)
    assert (out / "old.txt").read_text() == "keep me"
    (out / "old.txt").unlink()
    write_outputs(result, out)
    with pytest.raises(InputError, match="exists and is not empty; use --force"):
        write_outputs(result, out)
    write_outputs(result, out, force=True)
    assert sorted(p.name for p in out.iterdir()) == [".minesink-manifest.json", "plan.csv", "report.md",
                                                     "summary.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temp folder or lock file left


def test_min_cost_summary_meets_the_target(tmp_path):
    t = make_option_table(25, 6, 8, tolerance=1e9)
    top = (t.rows["area_ha"] * t.rows["net_tco2e_ha"]).groupby(t.rows["parcel_id"]).max().sum()
    result = plan(t, PlanSettings(objective="min-cost", target_tco2e=float(0.6 * top), mip_gap=0.0))
    summary = write_outputs(result, tmp_path / "mc")
    assert summary["carbon_tco2e"] >= 0.6 * top * (1 - 1e-9)
    assert summary["objective"] == pytest.approx(summary["cost_cny"], rel=1e-6)
    assert summary["objective_name"] == "min-cost"
    assert np.isfinite(summary["timings_s"]["write"])
