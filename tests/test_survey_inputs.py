"""Real survey exports are accepted (issue 8, items 2, 3 and 5): GIS aspects, bare rock,
Chinese names in GB18030 or UTF-16, parcels.xlsx, the planner's own columns carried through,
and text cells that Excel would run as formulas escaped."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from projfix import EXAMPLE, copy_example, rows, write_rows

from optimizer.cli.app import run
from optimizer.inputs.project import load_project

#: parcel id -> (aspect as a GIS tool exports it, substrate depth) planted into the example
SURVEY = {"SD-S1": ("-12", None), "SD-S2": ("-1", None), "SD-S3": ("725", None), "SD-P1340": ("-9999", None),
          "PW-N": ("flat", "0"), "PW-S": ("-90", "0")}


def survey_table(root) -> list[list[str]]:
    """The example's parcels as a survey export: GIS aspects, 0 cm rock, a code and a name column."""
    table = rows(root)
    head = table[0]
    head += ["地块名称", "survey_code"]
    for i, row in enumerate(table[1:]):
        aspect, depth = SURVEY.get(row[0], (row[head.index("aspect_deg")], None))
        row[head.index("aspect_deg")] = aspect
        if depth is not None:
            row[head.index("soil_depth_cm")] = depth
        row += [f"{row[head.index('description')]}（{i + 1}号）", "=HYPERLINK(\"x\")" if i == 0 else f"C-{i}"]
    return table


def _write_encoded(root, table, encoding):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(table)
    (root / "parcels.csv").write_bytes(buf.getvalue().encode(encoding))


def _write_xlsx(root, table, sheet_name="地块"):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active["A1"] = "survey notes, not parcels"
    sheet = book.create_sheet(sheet_name)
    for r, row in enumerate(table, start=1):
        for c, value in enumerate(row, start=1):
            number = None
            try:
                number = float(value) if c > 1 and value not in ("", "-1") else None
            except ValueError:
                pass
            cell = sheet.cell(r, c, number if number is not None and r > 1 else value)
            if isinstance(cell.value, str):
                cell.data_type = "s"
    (root / "parcels.csv").unlink()
    book.save(root / "parcels.xlsx")


@pytest.mark.parametrize("encoding, label", [("gb18030", "GB18030"), ("utf-16", "UTF-16"),
                                             ("utf-8-sig", "UTF-8 with BOM")])
def test_survey_export_validates_and_says_what_it_normalised(tmp_path, capsys, encoding, label):
    root = copy_example(tmp_path)
    _write_encoded(root, survey_table(root), encoding)
    assert run(["validate", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"parcels.csv ({label})" in out
    assert "own columns  description, 地块名称, survey_code" in out
    assert "aspect_deg taken modulo 360 on 3 parcel(s) (row 6: -12 -> 348, row 8: 725 -> 5, row 24: -90 -> 270)" in out
    assert "aspect_deg -1, -9999, flat read as flat on 3 parcel(s) (row 2, row 7, row 23)" in out
    parcels = load_project(root).parcels.set_index("parcel_id")
    assert parcels.loc["SD-S1", "aspect_deg"] == 348 and parcels.loc["PW-S", "aspect_deg"] == 270
    assert pd.isna(parcels.loc["SD-S2", "aspect_deg"]) and pd.isna(parcels.loc["PW-N", "aspect_deg"])
    assert parcels.loc["PW-N", "soil_depth_cm"] == 0 and parcels.loc["PW-S", "soil_depth_cm"] == 0


def test_survey_export_plans_with_names_in_plan_csv_and_report(tmp_path, capsys):
    root = copy_example(tmp_path)
    table = survey_table(root)
    _write_encoded(root, table, "gb18030")
    out = tmp_path / "plan"
    assert run(["plan", str(root), "-o", str(out)]) == 0
    plan = pd.read_csv(out / "plan.csv", encoding="utf-8-sig", keep_default_na=False, dtype=str)
    names = [r[-2] for r in table[1:]]
    assert plan["地块名称"].tolist() == names and plan["description"].tolist() == [r[15] for r in table[1:]]
    assert plan["survey_code"].iloc[0] == "'=HYPERLINK(\"x\")"  # escaped: Excel shows text, runs nothing
    assert plan["survey_code"].iloc[1] == "C-1"
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Parcels" in report and all(name in report for name in names)
    # rock (0 cm) parcels still get a plan: natural recovery at least
    assert set(plan.loc[plan["parcel_id"].isin(["PW-N", "PW-S"]), "option_id"]) <= set(plan["option_id"])


def test_xlsx_variant_named_sheet_validates_and_plans(tmp_path, capsys):
    root = copy_example(tmp_path)
    table = survey_table(root)
    _write_xlsx(root, table)
    with (root / "project.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[parcels]\nsheet = "地块"\n')
    assert run(["validate", str(root)]) == 0
    assert "parcels.xlsx [地块] (Excel workbook)" in capsys.readouterr().out
    out = tmp_path / "plan"
    assert run(["plan", str(root), "-o", str(out)]) == 0
    plan = pd.read_csv(out / "plan.csv", encoding="utf-8-sig", keep_default_na=False, dtype=str)
    assert plan["地块名称"].tolist() == [r[-2] for r in table[1:]]
    assert len(plan) == 34


def test_xlsx_first_sheet_by_default_and_unknown_sheet(tmp_path, capsys):
    root = copy_example(tmp_path)
    _write_xlsx(root, survey_table(root))
    assert run(["validate", str(root)]) == 2  # the first sheet holds notes, not parcels
    err = capsys.readouterr().err
    assert err == "error: parcels.xlsx [说明]: has a header but no data rows\n"
    with (root / "project.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[parcels]\nsheet = "Sheet9"\n')
    assert run(["validate", str(root)]) == 2
    assert "no sheet named 'Sheet9' (sheets: '说明', '地块')" in capsys.readouterr().err


def test_corrupt_xlsx_is_one_line(tmp_path, capsys):
    root = copy_example(tmp_path)
    (root / "parcels.csv").unlink()
    (root / "parcels.xlsx").write_bytes(b"not a zip file")
    assert run(["validate", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: parcels.xlsx: not a readable Excel workbook") and err.count("\n") == 1


def test_gis_survey_names_reach_plan_gpkg(tmp_path, capsys):
    gpd = pytest.importorskip("geopandas")
    from test_project_gis import _gis_project

    root, _ = _gis_project(tmp_path)
    out = tmp_path / "plan"
    assert run(["plan", str(root), "-o", str(out)]) == 0
    layer = gpd.read_file(out / "plan.gpkg", layer="plan")
    expected = pd.read_csv(EXAMPLE / "parcels.csv", dtype=str, keep_default_na=False)["description"]
    assert layer["description"].tolist() == expected.tolist()
    assert "南排土场 1340 平台" in (out / "report.md").read_text(encoding="utf-8")


def test_equal_inputs_give_byte_identical_outputs_gpkg_included(tmp_path, monkeypatch):
    pytest.importorskip("geopandas")
    from test_project_gis import _gis_project

    root, _ = _gis_project(tmp_path)
    for name, day in (("a", "1700000000"), ("b", "1700000000")):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", day)  # report.html's date, fixed as for reproducible builds
        assert run(["plan", str(root), "-o", str(tmp_path / name)]) == 0
    for file in ("plan.csv", "report.md", "plan.gpkg", "report.html"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file
    a, b = (json.loads((tmp_path / n / "summary.json").read_text(encoding="utf-8")) for n in "ab")
    a.pop("timings_s"), b.pop("timings_s")
    assert a == b


def test_own_column_named_like_a_plan_column_is_kept_apart(tmp_path):
    root = copy_example(tmp_path)
    table = rows(root)
    table[0].append("cost_cny")
    for row in table[1:]:
        row.append("planner's estimate")
    write_rows(root, table)
    out = tmp_path / "plan"
    assert run(["plan", str(root), "-o", str(out)]) == 0
    plan = pd.read_csv(out / "plan.csv", encoding="utf-8-sig", keep_default_na=False)
    assert plan["cost_cny_input"].eq("planner's estimate").all()
    assert pd.api.types.is_float_dtype(plan["cost_cny"])
