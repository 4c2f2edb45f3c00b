"""A project with polygon parcels gets plan.gpkg beside plan.csv, ready for QGIS."""

import geopandas as gpd
import pandas as pd
import pytest
from test_project_gis import _gis_project

from optimizer.cli.app import run


def test_plan_writes_a_geopackage_layer(tmp_path, capsys):
    root, areas = _gis_project(tmp_path, crs="EPSG:4326")
    out = tmp_path / "plan"
    assert run(["plan", str(root), "-o", str(out)]) == 0
    assert "plan.gpkg (open in QGIS)" in capsys.readouterr().out
    table = pd.read_csv(out / "plan.csv", encoding="utf-8-sig", keep_default_na=False)
    layer = gpd.read_file(out / "plan.gpkg", layer="plan")
    assert layer.crs.to_epsg() == 4326
    assert layer["parcel_id"].tolist() == table["parcel_id"].tolist()
    assert layer["option_id"].tolist() == table["option_id"].tolist()
    # plan.csv keeps 4 decimals
    assert layer["carbon_tco2e"].to_numpy() == pytest.approx(table["carbon_tco2e"].to_numpy(), rel=1e-6, abs=1e-4)
    assert layer.geometry.notna().all() and (layer.geometry.geom_type == "Polygon").all()


def test_csv_project_writes_no_layer(tmp_path):
    from projfix import copy_example

    out = tmp_path / "plan"
    assert run(["plan", str(copy_example(tmp_path)), "-o", str(out)]) == 0
    assert not (out / "plan.gpkg").exists()


def test_geopackage_carries_a_qgis_style_coloured_by_option(tmp_path):
    import sqlite3
    import xml.etree.ElementTree as ET

    root, _ = _gis_project(tmp_path, crs="EPSG:32649")
    out = tmp_path / "plan"
    assert run(["plan", str(root), "-o", str(out)]) == 0
    table = pd.read_csv(out / "plan.csv", encoding="utf-8-sig", keep_default_na=False)
    con = sqlite3.connect(out / "plan.gpkg")
    styles = con.execute("SELECT f_table_name, f_geometry_column, useAsDefault, styleQML FROM layer_styles").fetchall()
    geom = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = 'plan'").fetchone()[0]
    registered = con.execute("SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'").fetchone()
    con.close()
    assert len(styles) == 1 and styles[0][:3] == ("plan", geom, 1) and registered == ("attributes",)
    qml = ET.fromstring(styles[0][3].split("\n", 1)[1])
    renderer = qml.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "option_id"
    values = [c.get("value") for c in renderer.iter("category")]
    assert sorted(values) == sorted(set(table["option_id"]))
    colours = [o.get("value") for o in renderer.iter("Option") if o.get("name") == "color"]
    assert len(colours) == len(values) and len(set(colours)) == len(values)
    # the layer itself still reads as before
    assert gpd.read_file(out / "plan.gpkg", layer="plan")["option_id"].tolist() == table["option_id"].tolist()
