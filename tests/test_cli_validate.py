"""`minesink validate PROJECT`: one test per malformed input; each shows the message a user sees.

Every bad input must exit 2 with one stderr line naming the file (and row and column where there
is one), print no traceback, and write nothing into the project folder.
"""

from __future__ import annotations

import pytest
from projfix import copy_example, drop_column, edit_toml, set_cell, snapshot, write_rows

from optimizer.cli.app import run


def _fails(capsys, root, *expected: str) -> str:
    """Run validate on ``root``; assert exit 2, the expected fragments, no traceback, no writes."""
    before = snapshot(root)
    code = run(["validate", str(root)])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert "Traceback" not in err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert snapshot(root) == before
    return err


def test_example_is_valid(tmp_path, capsys):
    root = copy_example(tmp_path)
    assert run(["validate", str(root)]) == 0
    out = capsys.readouterr().out
    assert "Pingshuo" in out and "valid" in out
    assert "north" in out
    assert "34, 293.6 ha" in out  # parcels.csv: 34 rows summing to 293.6 ha
    assert "12,000,000 CNY" in out
    assert "all applicable" in out
    assert "bulk_density_g_cm3: default used for 2 of 34 parcels" in out  # SD-P1430, RD-2


def test_missing_folder(tmp_path, capsys):
    err = _fails(capsys, tmp_path / "nowhere", "nowhere", "project folder not found")
    print(err)


def test_missing_project_toml(tmp_path, capsys):
    root = copy_example(tmp_path)
    (root / "project.toml").unlink()
    _fails(capsys, root, "no project.toml")


def test_missing_parcels_file(tmp_path, capsys):
    root = copy_example(tmp_path)
    (root / "parcels.csv").unlink()
    _fails(capsys, root, "no parcels file found", "parcels.csv")


def test_missing_column(tmp_path, capsys):
    root = copy_example(tmp_path)
    drop_column(root, "soil_ph")
    _fails(capsys, root, "parcels.csv", "missing required column 'soil_ph'")


def test_unknown_region(tmp_path, capsys):
    root = copy_example(tmp_path)
    edit_toml(root, 'region = "north"', 'region = "Shanxi"')
    err = _fails(capsys, root, "project.toml, line 6, [project] region", "unknown region 'Shanxi'",
                 "north", "southwest")
    print(err)


def test_unknown_option_name(tmp_path, capsys):
    root = copy_example(tmp_path)
    edit_toml(root, "# [options]", '[options]\nmixes = ["grass", "oak_forest"]\n# ')
    _fails(capsys, root, "project.toml", "[options] mixes", "unknown mix 'oak_forest'", "grass")


def test_unknown_regrading_name(tmp_path, capsys):
    root = copy_example(tmp_path)
    edit_toml(root, "# [options]", '[options]\nregrading = ["none", "slope_20"]\n# ')
    _fails(capsys, root, "[options] regrading", "unknown regrading 'slope_20'", "slope_25")


def test_unknown_species_in_mixes_override(tmp_path, capsys):
    root = copy_example(tmp_path)
    (root / "my_mixes.csv").write_text(
        "region,mix,species,layer,area_share,planted,delay_yr,productivity,source\n"
        "north,oak_grass,quercus_mongolicus,tree,0.4,true,0,1,assumption\n"
        "north,oak_grass,elymus_dahuricus,grass,0.4,true,0,1,assumption\n", encoding="utf-8")
    edit_toml(root, "# [parameters]", '[parameters]\nmixes = "my_mixes.csv"\n# ')
    err = _fails(capsys, root, "my_mixes.csv", "quercus_mongolicus")
    print(err)


def test_unknown_species_in_species_override(tmp_path, capsys):
    root = copy_example(tmp_path)
    # misspelt key (the table has pinus_tabuliformis): read as a new, incomplete species row
    (root / "sp.csv").write_text("species,max_slope_deg,source\npinus_tabulaeformis,30,assumption\n",
                                 encoding="utf-8")
    edit_toml(root, "# [parameters]", '[parameters]\nspecies = "sp.csv"\n# ')
    _fails(capsys, root, "sp.csv, row 2", "'pinus_tabulaeformis' is a new species row")


def test_duplicate_parcel_id(tmp_path, capsys):
    root = copy_example(tmp_path)
    set_cell(root, 9, "parcel_id", "SD-S1")  # SD-S1 is on row 6
    _fails(capsys, root, "parcels.csv, row 9, column 'parcel_id'", "duplicate parcel_id 'SD-S1'",
           "also on row 6")


def test_negative_area(tmp_path, capsys):
    root = copy_example(tmp_path)
    set_cell(root, 4, "area_ha", "-16.4")
    _fails(capsys, root, "parcels.csv, row 4, column 'area_ha'", "-16.4", "greater than 0")


def test_zero_area(tmp_path, capsys):
    root = copy_example(tmp_path)
    set_cell(root, 12, "area_ha", "0")
    _fails(capsys, root, "parcels.csv, row 12, column 'area_ha'", "0 is too small")


def test_slope_above_90(tmp_path, capsys):
    root = copy_example(tmp_path)
    set_cell(root, 23, "slope_deg", "95")
    _fails(capsys, root, "parcels.csv, row 23, column 'slope_deg'", "95 is too large", "0 to below 90")


def test_slope_of_exactly_90_refused_with_advice(tmp_path, capsys):
    root = copy_example(tmp_path)
    set_cell(root, 23, "slope_deg", "90")
    _fails(capsys, root, "parcels.csv, row 23, column 'slope_deg'", "90 is too large",
           "for a vertical face give its steepest measured angle, e.g. 89")


@pytest.mark.parametrize("ph", ["-1", "14.5"])
def test_ph_outside_0_14(tmp_path, capsys, ph):
    root = copy_example(tmp_path)
    set_cell(root, 7, "soil_ph", ph)
    _fails(capsys, root, "parcels.csv, row 7, column 'soil_ph'", ph, "pH from 0 to 14")


def test_text_in_numeric_column(tmp_path, capsys):
    root = copy_example(tmp_path)
    set_cell(root, 15, "slope_length_m", "about 70")
    _fails(capsys, root, "parcels.csv, row 15, column 'slope_length_m'", "'about 70' is not a number")


def test_empty_file(tmp_path, capsys):
    root = copy_example(tmp_path)
    (root / "parcels.csv").write_text("", encoding="utf-8")
    _fails(capsys, root, "parcels.csv", "empty")


def test_header_only(tmp_path, capsys):
    root = copy_example(tmp_path)
    write_rows(root, [["parcel_id", "area_ha"]])
    _fails(capsys, root, "parcels.csv", "no data rows")


def test_unreadable_encoding(tmp_path, capsys):
    root = copy_example(tmp_path)
    text = (root / "parcels.csv").read_text(encoding="utf-8").replace("平台", "plat\u00e9")
    (root / "parcels.csv").write_bytes(text.encode("latin-1", errors="replace"))  # neither UTF-8 nor GB18030
    _fails(capsys, root, "parcels.csv", "not readable text", "CSV UTF-8")


def test_toml_syntax_error_names_line(tmp_path, capsys):
    root = copy_example(tmp_path)
    edit_toml(root, "start_year = 2026", "start_year 2026")
    _fails(capsys, root, "project.toml, line 7", "syntax error")
