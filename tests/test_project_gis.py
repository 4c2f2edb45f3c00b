"""GeoJSON / GeoPackage parcels (optional extra minesink[gis]; the dev extra installs it)."""

from __future__ import annotations

import pytest
from projfix import copy_example

from optimizer.errors import InputError
from optimizer.inputs.project import load_project

import geopandas as gpd  # noqa: E402  (in the dev extra, so the GIS path is always tested)
import shapely.geometry as shapely_geometry  # noqa: E402


def _squares(ha_list, x0=500_000.0, y0=4_350_000.0):
    """Square polygons of the given areas [ha] in UTM metres, side by side."""
    shapes, x = [], x0
    for ha in ha_list:
        side = (ha * 10_000.0) ** 0.5
        shapes.append(shapely_geometry.box(x, y0, x + side, y0 + side))
        x += side + 10.0
    return shapes


def _gis_project(tmp_path, crs="EPSG:32649", drop_area=True, name="parcels.geojson"):
    """The Pingshuo example with its parcels as polygons (UTM 49N: Shuozhou is about 112.4 E)."""
    import pandas as pd

    root = copy_example(tmp_path)
    frame = pd.read_csv(root / "parcels.csv", dtype=str, keep_default_na=False)
    areas = frame["area_ha"].astype(float).tolist()
    if drop_area:
        frame = frame.drop(columns="area_ha")
    gdf = gpd.GeoDataFrame(frame, geometry=_squares(areas), crs="EPSG:32649")
    if crs != "EPSG:32649":
        gdf = gdf.to_crs(crs)
    (root / "parcels.csv").unlink()
    gdf.to_file(root / name)
    return root, areas


def test_projected_geojson_area_from_geometry(tmp_path):
    root, areas = _gis_project(tmp_path)
    project = load_project(root)
    assert project.parcels["area_ha"].to_numpy() == pytest.approx(areas, rel=1e-9)
    assert "area_ha: default used for 34 of 34 parcels" in "\n".join(project.assumptions)


def test_geographic_crs_reprojected_to_utm(tmp_path):
    root, areas = _gis_project(tmp_path, crs="EPSG:4326")
    project = load_project(root)
    # lon/lat squares measured back in the estimated UTM zone (49N) keep their area
    assert project.parcels["area_ha"].to_numpy() == pytest.approx(areas, rel=1e-6)


def test_geopackage_with_area_column(tmp_path):
    root, areas = _gis_project(tmp_path, drop_area=False, name="parcels.gpkg")
    project = load_project(root)
    assert project.parcels["area_ha"].to_numpy() == pytest.approx(areas)
    assert "area_ha" not in "\n".join(project.assumptions)


def test_gis_bad_property_names_feature(tmp_path):
    root, _ = _gis_project(tmp_path)
    gdf = gpd.read_file(root / "parcels.geojson")
    gdf.loc[2, "slope_deg"] = "95"
    gdf.to_file(root / "parcels.geojson")
    with pytest.raises(InputError) as info:
        load_project(root)
    assert str(info.value).startswith("parcels.geojson, feature 3, column 'slope_deg': 95 is too large")


def test_utm_zone_estimate():
    from optimizer.outputs.gis import utm_epsg

    assert utm_epsg(112.4, 39.5) == 32649  # Shuozhou, Shanxi: UTM 49N
    assert utm_epsg(-70.0, -33.0) == 32719  # Santiago: UTM 19S
