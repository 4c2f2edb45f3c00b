"""GeoJSON / GeoPackage parcels (optional extra: ``pip install minesink[gis]``).

The features carry the same properties as ``parcels.csv``; ``area_ha`` may be left out and is
then the polygon area.  Area is measured in a projected CRS: a file in a geographic CRS
(longitude/latitude, e.g. EPSG:4326) is reprojected to the WGS 84 / UTM zone of its centroid
first (zone = floor((lon + 180) / 6) + 1; EPSG 326zz north of the equator, 327zz south).
Only imported when geopandas is available.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from optimizer.errors import InputError

log = logging.getLogger(__name__)

M2_PER_HA = 10_000.0
FIXED_DATE = "2000-01-01T00:00:00Z"  # last_change written into plan.gpkg (see write_plan_layer)


def utm_epsg(lon_deg: float, lat_deg: float) -> int:
    """EPSG code of the WGS 84 / UTM zone holding the point (lon, lat) [degrees]."""
    zone = int(np.floor((lon_deg + 180.0) / 6.0)) % 60 + 1
    return (32600 if lat_deg >= 0 else 32700) + zone


def geometry_area_ha(frame: gpd.GeoDataFrame, label: str) -> np.ndarray:
    """Area of each geometry [ha], reprojecting a geographic CRS to a UTM zone."""
    if frame.crs is None:
        raise InputError(f"{label}: the file has no coordinate reference system, so parcel areas "
                         "cannot be measured; set a CRS or give area_ha for every feature")
    if frame.crs.is_geographic:
        bounds = frame.total_bounds  # lon/lat box; its centre stands for the centroid
        lon, lat = (bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0
        epsg = utm_epsg(lon, lat)
        log.info("%s: geographic CRS, measuring areas in EPSG:%d", label, epsg)
        frame = frame.to_crs(epsg=epsg)
    return frame.geometry.area.to_numpy(dtype=float) / M2_PER_HA


def _as_text(column: pd.Series) -> pd.Series:
    """Property values as the text a CSV cell would hold (missing = blank)."""
    def one(value: object) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ""
        if isinstance(value, (bool, np.bool_)):
            return "true" if value else "false"
        return str(value).strip()

    return column.astype(object).map(one)


def read_gis_parcels(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """Read polygon parcels; return the properties as text and the geometry areas [ha]."""
    try:
        frame = gpd.read_file(path)
    except Exception as err:  # noqa: BLE001 - any reader failure is a bad input file
        raise InputError(f"{path.name}: not a readable GeoJSON/GeoPackage file ({err})") from None
    props = pd.DataFrame({str(c).strip(): _as_text(frame[c])
                          for c in frame.columns if c != frame.geometry.name})
    needs_area = "area_ha" not in props.columns or props["area_ha"].eq("").any()
    if len(frame) and needs_area:
        area = geometry_area_ha(frame, path.name)
    else:
        area = np.full(len(frame), np.nan)
    return props, area


def write_plan_layer(parcels_file: Path, plan: pd.DataFrame, path: Path) -> None:
    """Write the plan as a GeoPackage layer ``plan``: the project's parcel polygons (their own
    CRS) with every plan.csv column, in plan order, so QGIS can map the chosen options.
    """
    shapes = gpd.read_file(parcels_file)
    ids = _as_text(shapes["parcel_id"]).str.strip()
    geometry = gpd.GeoSeries(shapes.geometry.to_numpy(), index=ids.to_numpy(), crs=shapes.crs)
    layer = gpd.GeoDataFrame(plan.reset_index(drop=True),
                             geometry=geometry.reindex(plan["parcel_id"].astype(str)).to_numpy(),
                             crs=shapes.crs)
    import pyogrio

    # GDAL stamps gpkg_contents.last_change with the current time; a fixed date keeps plan.gpkg
    # byte-identical for the same input (GDAL config option OGR_CURRENT_DATE)
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_DATE})
    try:
        layer.to_file(path, layer="plan", driver="GPKG")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
    from optimizer.outputs.qgisstyle import write_layer_style

    write_layer_style(path, "plan", plan)  # opens in QGIS coloured by option
