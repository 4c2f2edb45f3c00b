"""Synthetic projects (`minesink synth`): deterministic, sized as asked, valid, realistic shape."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from projfix import snapshot

from optimizer.cli.app import run
from optimizer.inputs.parcels import LANDFORMS
from optimizer.inputs.project import load_project
from optimizer.inputs.synth import LANDFORM_SHAPES, synth_budget, synth_parcels


def test_same_seed_same_parcels_other_seed_differs():
    a, b = synth_parcels(500, "north", seed=7), synth_parcels(500, "north", seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert not synth_parcels(500, "north", seed=8)["area_ha"].equals(a["area_ha"])


@pytest.mark.parametrize("n", [1, 37, 10_000])
def test_sizes_and_unique_ids(n):
    frame = synth_parcels(n, "north", seed=1)
    assert len(frame) == n and frame["parcel_id"].is_unique
    assert frame["parcel_id"].str.len().nunique() == 1  # zero-padded, sorts in order


def test_landform_mix_and_ranges_follow_the_shapes():
    frame = synth_parcels(20_000, "north", seed=3)
    shares = frame["landform"].value_counts(normalize=True)
    for landform in LANDFORMS:
        share, _, _, (lo, hi), (len_lo, len_hi), _ = LANDFORM_SHAPES[landform]
        assert shares[landform] == pytest.approx(share, abs=0.015), landform
        rows = frame[frame["landform"] == landform]
        assert rows["slope_deg"].between(lo, hi).all(), landform
        assert rows["slope_length_m"].between(len_lo, len_hi).all(), landform
    dumps = frame[frame["landform"].isin(["platform", "slope"])]
    # Pingshuo dump facts (Bai et al. 1998): bulk density > 1.6 g/cm3 on average
    assert dumps["bulk_density_g_cm3"].median() > 1.6
    assert (frame["area_ha"] > 0).all()
    # flat parcels have no aspect
    assert frame.loc[frame["slope_deg"] < 3, "aspect_deg"].isna().all()


def test_region_shapes_ph():
    north = synth_parcels(3000, "north", seed=2)["soil_ph"].median()
    south = synth_parcels(3000, "south", seed=2)["soil_ph"].median()
    assert north > 7.8 and south < 6.0  # calcareous loess vs acid red soils


def test_budget_scales_with_area():
    costs = pd.DataFrame({"item": ["terrace_cny_ha", "tree_planting_cny_ha", "grass_seeding_cny_ha",
                                   "maintenance_planted_cny_ha_yr", "maintenance_years"],
                          "cny": [20000, 7000, 5000, 100, 5]})
    assert synth_budget(100.0, costs) == 100 * (20000 + 7000 + 5000 + 500)
    assert synth_budget(200.0, costs) == 2 * synth_budget(100.0, costs)


def test_cli_synth_writes_a_project_that_loads(tmp_path, capsys):
    out = tmp_path / "bench"
    assert run(["synth", str(out), "--parcels", "300", "--region", "north", "--seed", "5"]) == 0
    assert "300 parcels" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == [".minesink-manifest.json", "parcels.csv", "project.toml"]
    project = load_project(out)
    assert len(project.parcels) == 300 and project.region == "north"
    assert project.budget_cny > 0
    per_ha = project.budget_cny / project.total_area_ha
    assert 10_000 < per_ha < 80_000
    # a second run with the same seed writes the same parcels
    again = tmp_path / "again"
    assert run(["synth", str(again), "--parcels", "300", "--seed", "5"]) == 0
    assert (again / "parcels.csv").read_bytes() == (out / "parcels.csv").read_bytes()


@pytest.mark.parametrize("region", ["south", "northeast", "northwest", "southwest"])
def test_other_regions_load(tmp_path, region):
    assert run(["synth", str(tmp_path / region), "--parcels", "200", "--region", region]) == 0
    assert len(load_project(tmp_path / region).parcels) == 200


def test_cli_synth_refuses_non_empty_folder(tmp_path, capsys):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    before = snapshot(out)
    assert run(["synth", str(out), "--parcels", "10"]) == 2
    err = capsys.readouterr().err
    assert "exists and is not empty" in err and "--force" in err and "Traceback" not in err
    assert snapshot(out) == before
    assert run(["synth", str(out), "--parcels", "10", "--force"]) == 2  # not minesink's file
    assert snapshot(out) == before
    (out / "keep.txt").unlink()
    assert run(["synth", str(out), "--parcels", "10"]) == 0
    assert run(["synth", str(out), "--parcels", "12", "--force"]) == 0
    assert (out / "parcels.csv").read_text().count("\n") == 13


def test_cli_synth_unknown_region_and_bad_size(tmp_path, capsys):
    assert run(["synth", str(tmp_path / "a"), "--parcels", "10", "--region", "mars"]) == 2
    err = capsys.readouterr().err
    assert "unknown region" in err and "north" in err
    assert run(["synth", str(tmp_path / "b"), "--parcels", "0"]) == 2
    assert "at least 1" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_large_synth_is_vectorised_and_valid():
    frame = synth_parcels(10_000, "north", seed=11)
    numeric = frame[["area_ha", "slope_deg", "soil_ph", "soc_g_kg"]].to_numpy()
    assert np.isfinite(numeric).all()
    assert frame["soil_ph"].between(0, 14).all() and (frame["soc_g_kg"] >= 0).all()
