"""optimizer.inputs.project.load_project: the example loads typed with defaults; every bad input names
its file, line or row, and column (messages shown in the asserts)."""

from __future__ import annotations

import numpy as np
import pytest
from projfix import EXAMPLE, copy_example, drop_column, edit_toml, set_cell

from optimizer.errors import InputError
from optimizer.inputs.parcels import LANDFORM_DEFAULTS
from optimizer.inputs.project import load_project


def _error(root) -> str:
    with pytest.raises(InputError) as info:
        load_project(root)
    return str(info.value)


# --- the example -----------------------------------------------------------------------------

def test_example_loads_typed():
    project = load_project(EXAMPLE)
    p = project.parcels
    assert (project.name, project.region) == ("Pingshuo Antaibao dumps and subsidence land", "north")
    assert (project.start_year, project.horizon_year, project.budget_cny) == (2026, 2060, 12_000_000.0)
    assert project.options is None
    assert project.constraints["min_area_share"] == {"tree": 0.15, "shrub": 0.05}
    assert len(p) == 34 and p["parcel_id"].is_unique
    assert project.total_area_ha == pytest.approx(293.6)
    for column in ("area_ha", "slope_deg", "soil_ph", "bulk_density_g_cm3", "clay_pct", "soil_depth_cm",
                   "elevation_m"):
        assert p[column].dtype == np.float64, column
    assert p["contaminated"].dtype == bool and p["contaminated"].sum() == 5
    assert set(p["status"]) == {"", "lock_in", "lock_out"}
    assert not p[["bulk_density_g_cm3", "clay_pct", "soil_depth_cm", "elevation_m"]].isna().any().any()
    # flat parcels keep a blank aspect
    assert np.isnan(p.set_index("parcel_id").loc["SD-P1340", "aspect_deg"])


def test_example_matches_published_pingshuo_facts():
    p = load_project(EXAMPLE).parcels
    dump = p[p["landform"].isin(["platform", "slope"]) & (p["soil_ph"] > 7)]
    assert (dump["bulk_density_g_cm3"] > 1.6).all()  # Bai et al. 1998: Antaibao dump > 1.6 g/cm3
    assert (dump["soc_g_kg"] * 1.724 < 4.0).all()  # Bai et al. 1998: organic matter < 4 g/kg
    assert ((p["elevation_m"] >= 1280) & (p["elevation_m"] <= 1450)).all()
    assert ((p["soil_ph"] < 6.0).sum() >= 3)  # acid gangue parcels make lime meaningful


def test_defaults_filled_and_recorded():
    project = load_project(EXAMPLE)
    p = project.parcels.set_index("parcel_id")
    # SD-P1430 (platform) and RD-2 (road) leave bulk density, clay and depth blank
    assert p.loc["SD-P1430", "bulk_density_g_cm3"] == LANDFORM_DEFAULTS["platform"][0] == 1.65
    assert p.loc["RD-2", "bulk_density_g_cm3"] == LANDFORM_DEFAULTS["road"][0]
    assert p.loc["RD-2", "soil_depth_cm"] == LANDFORM_DEFAULTS["road"][1]
    clay_north = float(project.catalogue.regions.set_index("region").loc["north", "clay_pct"])
    assert p.loc["SD-P1430", "clay_pct"] == clay_north
    assert p.loc["SD-P1430", "defaults_used"] == "bulk_density_g_cm3;soil_depth_cm;clay_pct"
    assert p.loc["SD-P1340", "defaults_used"] == ""
    text = "\n".join(project.assumptions)
    assert "bulk_density_g_cm3: default used for 2 of 34 parcels" in text
    assert "clay_pct: default used for 2 of 34 parcels" in text
    assert "erosion tolerance not given" in text


def test_elevation_default_from_region(tmp_path):
    root = copy_example(tmp_path)
    drop_column(root, "elevation_m")
    project = load_project(root)
    typical = float(project.catalogue.regions.set_index("region").loc["north", "elevation_m"])
    assert (project.parcels["elevation_m"] == typical).all()
    assert "elevation_m: default used for 34 of 34 parcels" in "\n".join(project.assumptions)


def test_free_status_and_yes_no_contaminated_accepted(tmp_path):
    root = copy_example(tmp_path)
    set_cell(root, 2, "status", "Free")
    set_cell(root, 3, "contaminated", "yes")
    p = load_project(root).parcels
    assert p.loc[0, "status"] == "" and bool(p.loc[1, "contaminated"])


# --- project.toml ----------------------------------------------------------------------------

@pytest.mark.parametrize("old, new, expected", [
    ('name = "Pingshuo Antaibao dumps and subsidence land"\n', "", "missing required key 'name'"),
    ("start_year = 2026", 'start_year = "2026"', "line 7, [project] start_year: expected a whole number"),
    ("horizon_year = 2060", "horizon_year = 2026",
     "line 8, [project] horizon_year: horizon_year 2026 must be after start_year 2026"),
    ("total_cny = 12_000_000", "total_cny = 0", "[budget] total_cny: 0 CNY: the budget must be greater than 0"),
    ("total_cny = 12_000_000", "total_cny = -5", "must be greater than 0"),
    ("tree = 0.15", "tree = 1.5", "[constraints] min_area_share.tree: 1.5 is out of range"),
    ("max_species_area_share = 0.5", "max_species_area_share = 0.5\nerosion_tolerance_t_ha_yr = 0",
     "[constraints] erosion_tolerance_t_ha_yr: 0 must be greater than 0"),
    ("max_species_area_share = 0.5", "max_species_area_share = 0.5\nmax_area_share = { tree = 0.1 }",
     "min_area_share.tree: min 0.15 is above max_area_share.tree 0.1"),
    ("tree = 0.15, shrub = 0.05", "tree = 0.7, shrub = 0.5", "add up to 1.2"),
    ("max_species_area_share = 0.5", "max_species_share = 0.5", "unknown key 'max_species_share'"),
    ("min_area_share = { tree", "min_area_share = { oak", "unknown key 'min_area_share.oak'"),
    ("[budget]", "[budgets]", "unknown section [budgets]"),
    ("# [parameters]", '[parameters]\ncosts = "my_costs.csv"\n#', "[parameters] costs: file 'my_costs.csv' not found"),
    ("# [options]", '[options]\namendments = ["lime", "manure"]\n#',
     "[options] amendments: unknown amendment 'manure' (valid: none, lime"),
    ("# [options]", "[options]\nmixes = []\n#", "[options] mixes: the list is empty"),
])
def test_project_toml_errors(tmp_path, old, new, expected):
    root = copy_example(tmp_path)
    edit_toml(root, old, new)
    message = _error(root)
    assert message.startswith("project.toml"), message
    assert expected in message, message


def test_toml_syntax_error_names_line_and_column(tmp_path):
    root = copy_example(tmp_path)
    edit_toml(root, "horizon_year = 2060", "horizon_year = = 2060")
    assert _error(root).startswith("project.toml, line 8, column")


def test_folder_is_a_file(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text("", encoding="utf-8")
    assert "not a folder" in _error(path)


def test_two_parcel_files_are_ambiguous(tmp_path):
    root = copy_example(tmp_path)
    (root / "parcels.geojson").write_text("{}", encoding="utf-8")
    assert "found parcels.csv and parcels.geojson; keep only one" in _error(root)


# --- parcels.csv ------------------------------------------------------------------------------

@pytest.mark.parametrize("row, column, value, expected", [
    (5, "landform", "dump", "unknown landform 'dump' (expected one of: platform, slope, pit_wall"),
    (6, "slope_length_m", "0", "0 is too small (expected a slope length in metres greater than 0"),
    (6, "slope_length_m", "1e308", "1e+308 is too large (expected a slope length in metres greater than 0 "
     "and at most 10 000)"),
    (6, "area_ha", "1e308", "1e+308 is too large (expected an area in hectares greater than 0 and at most 100 000)"),
    (6, "aspect_deg", "inf", "'inf' is not a finite number (expected an aspect in degrees"),
    (6, "slope_deg", "nan", "'nan' is not a finite number"),
    (7, "soc_g_kg", "-0.5", "-0.5 is too small"),
    (8, "bulk_density_g_cm3", "2.5", "2.5 is too large (expected a bulk density in g/cm3 between 0.5 and 2.5)"),
    (8, "bulk_density_g_cm3", "0.4", "0.4 is too small"),
    (9, "clay_pct", "120", "120 is too large (expected a clay content in % from 0 to 100)"),
    (10, "contaminated", "maybe", "'maybe' is not true or false"),
    (11, "status", "locked", "unknown status 'locked' (expected one of: lock_in, lock_out or blank)"),
    (12, "soil_ph", "", "a value is required here"),
    (13, "parcel_id", "", "a parcel_id is required on every row"),
    (14, "slope_deg", "3O", "'3O' is not a number"),
    (15, "soil_depth_cm", "-1", "-1 is too small (expected a substrate depth in cm from 0 (bare rock)"),
])
def test_parcel_cell_errors(tmp_path, row, column, value, expected):
    root = copy_example(tmp_path)
    set_cell(root, row, column, value)
    message = _error(root)
    assert message.startswith(f"parcels.csv, row {row}, column '{column}': "), message
    assert expected in message, message


def test_forced_option_unknown_part_named(tmp_path):
    root = copy_example(tmp_path)
    set_cell(root, 14, "forced_option", "slope_25+manure+grass")
    message = _error(root)
    assert message.startswith("parcels.csv, row 14, column 'forced_option': "), message
    assert "manure" in message


def test_forced_option_valid_is_kept(tmp_path):
    root = copy_example(tmp_path)
    set_cell(root, 14, "forced_option", "slope_25+grass")
    p = load_project(root).parcels
    assert p.loc[12, "forced_option"] == "slope_25+grass"


def test_forced_option_contradicting_lock_out(tmp_path):
    root = copy_example(tmp_path)
    set_cell(root, 25, "forced_option", "grass")  # PW-W is lock_out
    message = _error(root)
    assert message.startswith("parcels.csv, row 25, column 'forced_option'"), message
    assert "contradicts status 'lock_out'" in message


def test_forced_natural_on_lock_in(tmp_path):
    root = copy_example(tmp_path)
    set_cell(root, 3, "forced_option", "natural")  # SD-P1370 is lock_in
    assert "contradicts status 'lock_in'" in _error(root)


def test_forced_option_outside_restricted_options(tmp_path):
    root = copy_example(tmp_path)
    edit_toml(root, "# [options]", '[options]\nregrading = ["none", "terrace"]\n#')
    set_cell(root, 14, "forced_option", "slope_25+grass")
    assert "'slope_25' is not among the [options] regrading" in _error(root)


def test_gis_file_without_geopandas_says_install_extra(tmp_path, monkeypatch):
    import builtins

    root = copy_example(tmp_path)
    (root / "parcels.csv").unlink()
    (root / "parcels.geojson").write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    real_import = builtins.__import__

    def no_geopandas(name, *args, **kwargs):
        if name.startswith("geopandas"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_geopandas)
    message = _error(root)
    assert message.startswith("parcels.geojson: ") and "pip install minesink[gis]" in message
