"""plan.csv, summary.json and report.md: totals, constraints, determinism, DESIGN keys."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from estimators.table import LAYERS, POOLS
from optimizer.errors import InputError
from optimizer.planning import plan
from optimizer.report import write_outputs
from optimizer.settings import PlanSettings
from optables import make_option_table

DESIGN_KEYS = ("status", "objective", "bound", "gap", "budget_cny", "cost_cny", "carbon_tco2e", "baseline_tco2e",
               "additional_tco2e", "carbon_by_pool", "horizon_year", "n_parcels", "n_options", "timings_s", "solver")


def solved(seed=4):
    t = make_option_table(40, 8, seed, tolerance=1e9)
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
    assert set(on_disk["timings_s"]) == {"estimate", "build", "solve", "write"}
    assert on_disk["status"] == "optimal" and on_disk["n_parcels"] == 40 and on_disk["horizon_year"] == 2060
    for key, col in (("cost_cny", "cost_cny"), ("carbon_tco2e", "carbon_tco2e"),
                     ("additional_tco2e", "additional_tco2e"), ("baseline_tco2e", "baseline_tco2e")):
        assert on_disk[key] == pytest.approx(frame[col].sum(), rel=1e-6)
    for pool in POOLS:
        assert on_disk["carbon_by_pool"][pool] == pytest.approx(frame[f"{pool}_tco2e"].sum(), rel=1e-6, abs=0.01)
    # pools add up to the net carbon, and net = baseline + additional
    assert frame[[f"{p}_tco2e" for p in POOLS]].sum(axis=1).to_numpy() == pytest.approx(frame["carbon_tco2e"], abs=1e-3)
    assert on_disk["carbon_tco2e"] == pytest.approx(on_disk["baseline_tco2e"] + on_disk["additional_tco2e"])
    assert on_disk["objective"] == pytest.approx(on_disk["carbon_tco2e"], rel=1e-6)
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
    text = (tmp_path / "a" / "plan.csv").read_text()
    assert "\r" not in text and text.splitlines()[1].split(",")[1] == f"{first.table.parcels.area_ha.iloc[0]:.4f}"


def test_report_md_names_choices_totals_and_assumptions(tmp_path):
    t, _, result = solved()
    t.meta["assumptions"] = ["bulk density of P0003 defaulted from its landform (assumption)"]
    write_outputs(result, tmp_path / "out")
    md = (tmp_path / "out" / "report.md").read_text()
    for text in ("status **optimal**", "## Carbon (t CO2e)", "| 2030 |", "| 2060 |", "## Cost",
                 "## What was chosen where", "| natural |", "`budget`", "`min_share_tree`",
                 "bulk density of P0003 defaulted from its landform (assumption)", "gap 0.000 %"):
        assert text in md


def test_existing_output_folder_needs_force(tmp_path):
    result = solved()[2]
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("keep me")
    with pytest.raises(InputError, match="exists and is not empty; use --force"):
        write_outputs(result, out)
    assert (out / "old.txt").exists()
    write_outputs(result, out, force=True)
    assert sorted(p.name for p in out.iterdir()) == ["plan.csv", "report.md", "summary.json"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no temp folder left


def test_min_cost_summary_meets_the_target(tmp_path):
    t = make_option_table(25, 6, 8, tolerance=1e9)
    top = (t.rows["area_ha"] * t.rows["net_tco2e_ha"]).groupby(t.rows["parcel_id"]).max().sum()
    result = plan(t, PlanSettings(objective="min-cost", target_tco2e=float(0.6 * top), mip_gap=0.0))
    summary = write_outputs(result, tmp_path / "mc")
    assert summary["carbon_tco2e"] >= 0.6 * top * (1 - 1e-9)
    assert summary["objective"] == pytest.approx(summary["cost_cny"], rel=1e-6)
    assert summary["objective_name"] == "min-cost"
    assert np.isfinite(summary["timings_s"]["write"])
