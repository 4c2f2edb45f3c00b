"""Every problem at once, with the message a planner sees (issue 8, items 3-6)."""

from __future__ import annotations

import json

import pytest
from projfix import copy_example, edit_toml, rows, set_cell, snapshot, write_rows

from optimizer.cli.app import run

PLANTED = [(3, "slope_deg", "steep", "row 3, column 'slope_deg': 'steep' is not a number"),
           (4, "landform", "dump", "row 4, column 'landform': unknown landform 'dump'"),
           (6, "soil_ph", "15", "row 6, column 'soil_ph': 15 is too large (expected a pH from 0 to 14)"),
           (8, "contaminated", "maybe", "row 8, column 'contaminated': 'maybe' is not true or false"),
           (12, "area_ha", "1e308", "row 12, column 'area_ha': 1e+308 is too large (expected an area in hectares "
            "greater than 0 and at most 100 000)")]


def _plant_five(root):
    for row, column, value, _ in PLANTED:
        set_cell(root, row, column, value)


def _errors(capsys) -> list[str]:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert all(line.startswith("error: ") for line in lines), err
    return lines


def test_validate_lists_all_five_planted_errors_in_row_order(tmp_path, capsys):
    root = copy_example(tmp_path)
    _plant_five(root)
    before = snapshot(root)
    assert run(["validate", str(root)]) == 2
    lines = _errors(capsys)
    assert len(lines) == 5
    for line, (_, _, _, expected) in zip(lines, PLANTED):
        assert line.startswith("error: parcels.csv, ") and expected in line, (line, expected)
    assert snapshot(root) == before


def test_validate_json_lists_them_as_records(tmp_path, capsys):
    root = copy_example(tmp_path)
    _plant_five(root)
    assert run(["validate", str(root), "--json"]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is False and data["n_errors"] == 5 and data["truncated"] is False
    assert [(e["file"], e["row"], e["column"]) for e in data["errors"]] == [
        ("parcels.csv", row, column) for row, column, _, _ in PLANTED]
    assert data["errors"][0]["detail"].startswith("'steep' is not a number")


def test_validate_json_of_a_valid_project(tmp_path, capsys):
    assert run(["validate", str(copy_example(tmp_path)), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["valid"] is True and data["n_parcels"] == 34 and data["extra_columns"] == ["description"]
    assert data["files"] == {"project.toml": "UTF-8", "parcels.csv": "UTF-8"}


def test_problems_past_the_limit_are_counted(tmp_path, capsys):
    root = copy_example(tmp_path)
    table = rows(root)
    j = table[0].index("soil_ph")
    for row in table[1:]:
        row[j] = "acid"
    write_rows(root, table)
    assert run(["validate", str(root), "--max-errors", "10"]) == 2
    lines = _errors(capsys)
    assert len(lines) == 11 and lines[-1] == "error: ... and 24 more problems (only the first 10 are listed)"


def test_errors_across_project_toml_and_parcels_together(tmp_path, capsys):
    root = copy_example(tmp_path)
    edit_toml(root, "start_year = 2026", "start_year = 1066")
    edit_toml(root, "max_species_area_share = 0.5", "max_species_area_share = 5")
    set_cell(root, 5, "slope_deg", "-3")
    assert run(["validate", str(root)]) == 2
    lines = _errors(capsys)
    assert len(lines) == 3
    assert "[project] start_year: 1066 is not a plausible year" in lines[0]
    assert "[constraints] max_species_area_share: 5 is out of range" in lines[1]
    assert "parcels.csv, row 5, column 'slope_deg': -3 is too small" in lines[2]


@pytest.mark.parametrize("wrong, right", [("stauts", "status"), ("forced_options", "forced_option"),
                                          ("slope_dge", "slope_deg"), ("soil depth_cm", "soil_depth_cm")])
def test_near_miss_column_names_the_column_it_probably_means(tmp_path, capsys, wrong, right):
    root = copy_example(tmp_path)
    table = rows(root)
    table[0][table[0].index(right)] = wrong
    write_rows(root, table)
    assert run(["validate", str(root)]) == 2
    line = _errors(capsys)[0]
    assert f"parcels.csv, column '{wrong}': unknown column '{wrong}': did you mean '{right}'?" in line


def test_case_variant_of_a_column_is_read_and_noted(tmp_path, capsys):
    root = copy_example(tmp_path)
    table = rows(root)
    table[0][table[0].index("soil_ph")] = "Soil_pH"
    write_rows(root, table)
    assert run(["validate", str(root)]) == 0
    assert "note: parcels.csv: column 'Soil_pH' read as 'soil_ph'" in capsys.readouterr().out


def test_duplicated_column_is_an_error(tmp_path, capsys):
    root = copy_example(tmp_path)
    table = rows(root)
    write_rows(root, [r + [r[table[0].index("status")]] for r in table])
    assert run(["validate", str(root)]) == 2
    assert "column 'status' appears twice in the header (columns 14 and 17)" in _errors(capsys)[0]


def test_row_with_a_decimal_comma_is_named_not_shifted(tmp_path, capsys):
    root = copy_example(tmp_path)
    path = root / "parcels.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[3].startswith("SD-P1400,16.4,")
    lines[3] = lines[3].replace(",16.4,", ",16,4,", 1)  # SD-P1400's area written with a decimal comma
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run(["validate", str(root)]) == 2
    (line,) = _errors(capsys)
    assert line.startswith("error: parcels.csv, row 4: 17 values but the header has 16 columns")
    assert "decimal comma ('1,5')" in line


def test_trailing_commas_are_harmless(tmp_path, capsys):
    root = copy_example(tmp_path)
    path = root / "parcels.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line + "," for line in lines) + "\n,,,\n", encoding="utf-8")
    assert run(["validate", str(root)]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("damage, expected", [
    (lambda t: t.replace("SD-P1400", "SD-P\x001400"), "row 4, column 'parcel_id': the cell holds a NUL character"),
    (lambda t: t.replace("\nSD-P1400", "\n\nSD-P1400"), "row 4: the row is empty: delete it"),
    (lambda t: t.replace("description\n", "description,\n").replace("平台\n", "平台,x\n", 1),
     "column 17 (after 'description') has values but no name in the header (row 1)"),
])
def test_damaged_rows_are_named(tmp_path, capsys, damage, expected):
    root = copy_example(tmp_path)
    path = root / "parcels.csv"
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert run(["validate", str(root)]) == 2
    assert expected in _errors(capsys)[0]


def test_semicolon_separated_export_is_read(tmp_path, capsys):
    root = copy_example(tmp_path)
    table = rows(root)
    text = "\n".join(";".join(cell for cell in row) for row in table) + "\n"
    (root / "parcels.csv").write_text(text.replace("，", " "), encoding="utf-8")
    assert run(["validate", str(root)]) == 0, capsys.readouterr().err


def test_override_file_outside_the_project_folder(tmp_path, capsys):
    root = copy_example(tmp_path)
    secret = tmp_path / "secrets.csv"
    secret.write_text("password,hunter2\nroot,s3cret-token\n", encoding="utf-8")
    edit_toml(root, "# [parameters]", '[parameters]\ncosts = "../secrets.csv"\n#')
    assert run(["validate", str(root)]) == 2
    err = capsys.readouterr().err
    assert "[parameters] costs: '../secrets.csv' is outside the project folder" in err
    assert "--allow-outside" in err and "hunter2" not in err and "password" not in err
    assert run(["validate", str(root), "--allow-outside"]) == 2  # read now, but it is no cost table
    err = capsys.readouterr().err
    assert "secrets.csv" in err and "hunter2" not in err and "s3cret" not in err


def test_absolute_override_path_refused(tmp_path, capsys):
    root = copy_example(tmp_path)
    edit_toml(root, "# [parameters]", '[parameters]\nspecies = "/etc/passwd"\n#')
    assert run(["validate", str(root)]) == 2
    err = capsys.readouterr().err
    assert "'/etc/passwd' is outside the project folder" in err and "root:" not in err


@pytest.mark.parametrize("old, new, expected", [
    ("total_cny = 12_000_000", "", "[budget]: missing required key 'total_cny'"),
    ("total_cny = 12_000_000", "total_cny = inf", "[budget] total_cny: inf is not a finite number"),
    ("total_cny = 12_000_000", "total_cny = nan", "[budget] total_cny: nan is not a finite number"),
    ("total_cny = 12_000_000", "total_cny = 1e15", "1e+15 CNY is not a plausible budget (expected at most 1e+12"),
    ("max_species_area_share = 0.5", "max_species_area_share = 0.5\nerosion_tolerance_t_ha_yr = inf",
     "[constraints] erosion_tolerance_t_ha_yr: inf is not a finite number"),
])
def test_project_toml_numbers(tmp_path, capsys, old, new, expected):
    root = copy_example(tmp_path)
    edit_toml(root, old, new)
    assert run(["validate", str(root)]) == 2
    assert expected in _errors(capsys)[0]


@pytest.mark.parametrize("args, expected", [
    (["--budget", "inf"], "--budget inf: expected CNY, more than 0 and at most 1e12"),
    (["--budget", "nan"], "--budget nan: expected CNY"),
    (["--target-tco2e", "-5"], "--target-tco2e -5: expected t CO2e, from 0 to 1e10"),
    (["--horizon", "99999"], "--horizon 99999: expected a year from 1990 to 2200"),
    (["--time-limit", "inf"], "--time-limit inf: expected seconds"),
    (["--gap", "nan"], "--gap nan: expected a relative gap"),
])
def test_command_line_numbers(tmp_path, capsys, args, expected):
    out = tmp_path / "plan"
    assert run(["plan", str(copy_example(tmp_path)), "-o", str(out), *args]) == 2
    assert _errors(capsys) == [f"error: {expected}" + _errors_tail(expected)]
    assert not out.exists()


def _errors_tail(expected: str) -> str:
    tails = {"--budget inf": "", "--budget nan": ", more than 0 and at most 1e12",
             "--target-tco2e": "", "--horizon": " (after the project's start year)",
             "--time-limit": ", more than 0 and at most 1e6", "--gap": " from 0 to below 1 (0.001 = 0.1 %)"}
    for key, tail in tails.items():
        if expected.startswith(key):
            return tail
    return ""


def test_forced_option_not_possible_is_caught_by_validate(tmp_path, capsys):
    root = copy_example(tmp_path)
    set_cell(root, 2, "forced_option", "terrace+grass")  # SD-P1340 is a flat platform: no terrace
    assert run(["validate", str(root)]) == 2
    (line,) = _errors(capsys)
    assert line.startswith("error: parcels.csv, row 2, column 'forced_option': forced_option 'terrace+grass' "
                           "is not possible on this parcel")


def test_debug_keeps_the_exit_code_and_shows_the_traceback(tmp_path, capsys):
    root = copy_example(tmp_path)
    set_cell(root, 3, "slope_deg", "steep")
    assert run(["--debug", "validate", str(root)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and err.splitlines()[-1].startswith("error: parcels.csv, row 3")
    out = tmp_path / "plan"
    assert run(["--debug", "plan", str(copy_example(tmp_path / "b")), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "pyomo" not in err.lower() and "highs" not in err.lower()  # no third-party debug flood


def test_species_and_estimate_json(tmp_path, capsys):
    root = copy_example(tmp_path)
    assert run(["species", str(root), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    from optimizer.inputs.project import load_project

    assert data["n_parcels"] == 34 and data["n_species"] == len(load_project(root).catalogue.species)
    first = data["parcels"][0]
    assert first["parcel_id"] == "SD-P1340" and set(first["suitable"]) <= {"tree", "shrub", "grass"}
    assert all(isinstance(r, list) and r for r in first["excluded"].values())
    assert run(["estimate", str(root), "-o", str(tmp_path / "o.csv"), "--json"]) == 0
    est = json.loads(capsys.readouterr().out)
    assert est["n_parcels"] == 34 and est["n_rows"] > 34 and "net_tco2e_ha" in est["columns"]
    assert est["options_per_parcel"]["min"] >= 1


def test_formula_like_parcel_ids_are_escaped_in_csv_outputs(tmp_path, capsys):
    root = copy_example(tmp_path)
    set_cell(root, 2, "parcel_id", "=1+2")
    set_cell(root, 3, "parcel_id", "@SUM(A1)")
    assert run(["estimate", str(root), "-o", str(tmp_path / "o.csv")]) == 0
    text = (tmp_path / "o.csv").read_text(encoding="utf-8-sig")
    assert "\n'=1+2," in text and "\n'@SUM(A1)," in text and "\n=1+2," not in text
    assert run(["plan", str(root), "-o", str(tmp_path / "plan")]) == 0
    plan = (tmp_path / "plan" / "plan.csv").read_text(encoding="utf-8-sig").splitlines()
    assert plan[1].startswith("'=1+2,") and plan[2].startswith("'@SUM(A1),")
    # minesink reads its own escaped plan.csv back (uncertainty --plan)
    assert run(["uncertainty", str(root), "-o", str(tmp_path / "u"), "--draws", "2",
                "--plan", str(tmp_path / "plan" / "plan.csv")]) == 0, capsys.readouterr().err
