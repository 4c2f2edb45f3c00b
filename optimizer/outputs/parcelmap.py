"""The report's parcel map as SVG: polygons, points, or a treemap when there is no geometry.

* GeoJSON / GeoPackage parcels: the polygons (a geographic CRS is drawn in its UTM zone so the
  scale bar is in metres), north arrow and scale bar;
* parcels.csv with ``x``/``y`` (metres in a projected CRS) or ``lon``/``lat`` (degrees; drawn
  in a local equirectangular projection) columns: one circle per parcel sized by area, north
  arrow and scale bar;
* otherwise a treemap: one rectangle per parcel sized by its area, grouped by landform (no scale
  or north arrow: the picture shows sizes, not places).

Every parcel shape carries a ``<title>`` (parcel, area, option) that a browser shows on hover.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from optimizer.outputs.svgplot import palette

__all__ = ["Layout", "layout_for", "map_svg", "squarify"]

log = logging.getLogger(__name__)

M_PER_DEG_LAT = 110_540.0
M_PER_DEG_LON = 111_320.0


@dataclass
class Layout:
    """Parcel shapes in drawing units. kind: polygons, points or treemap; ``shapes`` maps parcel
    id to SVG path data (polygons, treemap) or (x, y, r) (points); ``width``/``height`` the box;
    ``m_per_unit`` metres per drawing unit (None for a treemap); ``note`` a caption line."""

    kind: str
    shapes: dict[str, Any]
    width: float
    height: float
    m_per_unit: float | None
    note: str
    groups: list[tuple[str, float, float, float, float]] | None = None  # treemap landform boxes


# ----------------------------------------------------------------------------- treemap

def _worst(row: list[float], side: float) -> float:
    s = sum(row)
    return max(max(side * side * r / (s * s), (s * s) / (side * side * r)) for r in row)


def squarify(values: list[float], x: float, y: float, w: float, h: float) -> list[tuple[float, float, float, float]]:
    """Squarified treemap (Bruls, Huizing & van Wijk 2000): rectangles of ``values`` (sorted
    descending by the caller) filling the box, as (x, y, w, h) in the same order."""
    total = float(sum(values))
    if total <= 0 or not values:
        return [(x, y, 0.0, 0.0)] * len(values)
    areas = [v * w * h / total for v in values]
    out: list[tuple[float, float, float, float]] = []
    i = 0
    while i < len(areas):
        side = min(w, h)
        row = [areas[i]]
        i += 1
        while i < len(areas) and _worst(row + [areas[i]], side) <= _worst(row, side):
            row.append(areas[i])
            i += 1
        s = sum(row)
        if w >= h:  # lay the row as a column on the left
            cw = s / h if h else 0.0
            cy = y
            for a in row:
                rh = a / cw if cw else 0.0
                out.append((x, cy, cw, rh))
                cy += rh
            x, w = x + cw, w - cw
        else:  # as a row on top
            rh = s / w if w else 0.0
            cx = x
            for a in row:
                rw = a / rh if rh else 0.0
                out.append((cx, y, rw, rh))
                cx += rw
            y, h = y + rh, h - rh
    return out


def _rect_path(x: float, y: float, w: float, h: float) -> str:
    return f"M{x:.1f},{y:.1f}h{w:.1f}v{h:.1f}h{-w:.1f}Z"


def treemap_layout(parcels: pd.DataFrame, width: float = 560, height: float = 380) -> Layout:
    """Parcels as rectangles sized by area, one block per landform (largest first)."""
    frame = parcels.assign(landform=parcels.get("landform", pd.Series("", index=parcels.index)).fillna(""))
    by_lf = frame.groupby("landform")["area_ha"].sum().sort_values(ascending=False, kind="stable")
    boxes = squarify(list(by_lf.to_numpy(dtype=float)), 0, 0, width, height)
    shapes: dict[str, Any] = {}
    groups = []
    pad = 1.5  # a thin landform frame; its name is drawn over the parcels, so sizes stay true
    for (lf, _), (bx, by, bw, bh) in zip(by_lf.items(), boxes):
        groups.append((str(lf), bx, by, bw, bh))
        sub = frame[frame["landform"] == lf].sort_values("area_ha", ascending=False, kind="stable")
        inner = squarify(list(sub["area_ha"].to_numpy(dtype=float)), bx + pad, by + pad,
                         max(bw - 2 * pad, 0), max(bh - 2 * pad, 0))
        for pid, (x, y, w, h) in zip(sub["parcel_id"].astype(str), inner):
            shapes[pid] = (x, y, w, h)
    return Layout("treemap", shapes, width, height, None,
                  "No parcel coordinates: each rectangle is a parcel, its size the parcel's area, "
                  "grouped by landform (not a map).", groups)


# ----------------------------------------------------------------------------- geometry

def _fit(xmin: float, ymin: float, xmax: float, ymax: float, width: float, height: float,
         pad: float = 16) -> tuple[float, float, float, float]:
    """Scale and box so that the extent fits width x height with padding (y flipped)."""
    span_x, span_y = max(xmax - xmin, 1e-9), max(ymax - ymin, 1e-9)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    w, h = span_x * scale + 2 * pad, span_y * scale + 2 * pad
    return scale, w, h, pad


def polygon_layout(path: Path, width: float = 560, height: float = 420) -> Layout:
    """Polygons of a GeoJSON/GeoPackage parcel file as SVG paths (UTM for geographic CRSs)."""
    import geopandas as gpd

    from optimizer.outputs.gis import utm_epsg

    shapes = gpd.read_file(path)
    ids = shapes["parcel_id"].astype(str).str.strip()
    crs_note = f"CRS {shapes.crs.to_string()}" if shapes.crs is not None else "no CRS"
    if shapes.crs is not None and shapes.crs.is_geographic:
        b = shapes.total_bounds
        epsg = utm_epsg((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
        shapes = shapes.to_crs(epsg=epsg)
        crs_note = f"drawn in EPSG:{epsg} (UTM)"
    xmin, ymin, xmax, ymax = shapes.total_bounds
    scale, w, h, pad = _fit(xmin, ymin, xmax, ymax, width, height)

    def ring(coords: Any) -> str:
        pts = [f"{(cx - xmin) * scale + pad:.1f},{(ymax - cy) * scale + pad:.1f}" for cx, cy, *_ in coords]
        return "M" + " L".join(pts) + " Z"

    out: dict[str, Any] = {}
    for pid, geom in zip(ids, shapes.geometry):
        if geom is None or geom.is_empty:
            continue
        polys = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
        out[pid] = " ".join(ring(p.exterior.coords) + " " + " ".join(ring(r.coords) for r in p.interiors)
                            for p in polys if hasattr(p, "exterior"))
    metres = shapes.crs is not None and shapes.crs.is_projected
    return Layout("polygons", out, w, h, (1.0 / scale) if metres else None,
                  f"Parcel polygons from {path.name}; {crs_note}.")


def point_layout(parcels: pd.DataFrame, x: np.ndarray, y: np.ndarray, metres: bool, note: str,
                 width: float = 560, height: float = 420) -> Layout:
    """Parcels as circles at their coordinates [m], radius proportional to sqrt(area)."""
    area = parcels["area_ha"].to_numpy(dtype=float)
    pad_m = max(np.ptp(x), np.ptp(y), 1.0) * 0.08
    scale, w, h, pad = _fit(x.min() - pad_m, y.min() - pad_m, x.max() + pad_m, y.max() + pad_m, width, height)
    r_max = 0.06 * min(w, h)
    radius = r_max * np.sqrt(area / max(area.max(), 1e-9))
    px = (x - x.min() + pad_m) * scale + pad
    py = (y.max() + pad_m - y) * scale + pad
    shapes = {str(pid): (float(a), float(b), max(float(r), 3.0))
              for pid, a, b, r in zip(parcels["parcel_id"], px, py, radius)}
    return Layout("points", shapes, w, h, (1.0 / scale) if metres else None, note)


def _coordinates(parcels_file: Path | None, ids: pd.Series) -> tuple[np.ndarray, np.ndarray, bool, str] | None:
    """x/y [m] or lon/lat [deg -> local m] columns of a parcels.csv, aligned with ``ids``; None
    when absent or not all numeric (logged)."""
    if parcels_file is None or parcels_file.suffix.lower() != ".csv":
        return None
    from optimizer.inputs.parcels import read_parcels

    frame = read_parcels(parcels_file)[0]
    frame = frame.set_index(frame["parcel_id"].astype(str).str.strip())
    for cx, cy, geographic in (("x", "y", False), ("lon", "lat", True), ("longitude", "latitude", True)):
        if cx in frame.columns and cy in frame.columns:
            xs = pd.to_numeric(frame[cx].reindex(ids), errors="coerce").to_numpy(dtype=float)
            ys = pd.to_numeric(frame[cy].reindex(ids), errors="coerce").to_numpy(dtype=float)
            if np.isnan(xs).any() or np.isnan(ys).any():
                log.warning("%s: columns %s/%s are not numbers on every row: parcels drawn as a treemap",
                            parcels_file.name, cx, cy)
                return None
            if geographic:
                lat0 = float(np.mean(ys))
                xs = (xs - xs.mean()) * M_PER_DEG_LON * math.cos(math.radians(lat0))
                ys = (ys - ys.mean()) * M_PER_DEG_LAT
                return xs, ys, True, (f"Parcel points from columns {cx}/{cy} of {parcels_file.name} "
                                      "(local equirectangular projection); circle area follows parcel area.")
            return xs, ys, True, (f"Parcel points from columns x/y of {parcels_file.name}, read as metres "
                                  "in a projected CRS; circle area follows parcel area.")
    return None


def layout_for(parcels_file: Path | None, plan: pd.DataFrame) -> Layout:
    """The best picture the project allows: polygons, points, else a treemap.

    ``plan`` needs parcel_id, area_ha and (for the treemap) landform.
    """
    if parcels_file is not None and parcels_file.suffix.lower() in (".geojson", ".json", ".gpkg"):
        return polygon_layout(parcels_file)
    coords = _coordinates(parcels_file, plan["parcel_id"].astype(str))
    if coords is not None:
        return point_layout(plan, coords[0], coords[1], coords[2], coords[3])
    return treemap_layout(plan)


# ----------------------------------------------------------------------------- drawing

def _nice_length(metres: float) -> float:
    mag = 10 ** math.floor(math.log10(max(metres, 1e-9)))
    return max(m * mag for m in (1, 2, 5) if m * mag <= metres) if metres >= mag else mag


def _scale_bar(layout: Layout, x: float, y: float) -> str:
    assert layout.m_per_unit is not None
    length_m = _nice_length(layout.width * 0.25 * layout.m_per_unit)
    px = length_m / layout.m_per_unit
    label = f"{length_m / 1000:g} km" if length_m >= 1000 else f"{length_m:g} m"
    return (f'<g class="scalebar"><rect x="{x:.1f}" y="{y:.1f}" width="{px / 2:.1f}" height="5" fill="#222"/>'
            f'<rect x="{x + px / 2:.1f}" y="{y:.1f}" width="{px / 2:.1f}" height="5" fill="#fff" stroke="#222"/>'
            f'<text x="{x:.1f}" y="{y - 4:.1f}" class="tick">0</text>'
            f'<text x="{x + px:.1f}" y="{y - 4:.1f}" class="tick" text-anchor="middle">{label}</text></g>')


def _north_arrow(x: float, y: float) -> str:
    return (f'<g class="north"><path d="M{x:.1f},{y:.1f} l8,22 l-8,-6 l-8,6 Z" fill="#222"/>'
            f'<text x="{x:.1f}" y="{y + 36:.1f}" class="label" text-anchor="middle">N</text></g>')


def map_svg(layout: Layout, plan: pd.DataFrame, by: str, title: str, fig_id: str,
            legend_width: float = 230) -> str:
    """One map panel: parcels filled by the plan's ``by`` column (mix, amendment, regrading or
    option_id), a legend (category, parcels, ha), scale bar and north arrow where geometry exists."""
    values = plan.set_index(plan["parcel_id"].astype(str))
    area = values.groupby(by)["area_ha"].sum().sort_values(ascending=False, kind="stable")
    colours = palette([str(k) for k in area.index])
    parts: list[str] = []
    labels: list[str] = []
    if layout.groups:
        for lf, x, y, w, h in layout.groups:
            labels.append(f'<rect x="{x + 0.5:.1f}" y="{y + 0.5:.1f}" width="{max(w - 1, 0):.1f}" '
                          f'height="{max(h - 1, 0):.1f}" class="group"/>')
            if w > 40:
                labels.append(f'<text x="{x + 5:.1f}" y="{y + 13:.1f}" class="grouplabel">{escape(lf)}</text>')
    facts = dict(zip(values.index, zip(values[by].astype(str), values["area_ha"].to_numpy(dtype=float),
                                         values["option_id"].astype(str))))  # one look-up per parcel, no .loc
    for pid, shape in layout.shapes.items():
        if pid not in facts:
            continue
        category, ha, option = facts[pid]
        colour = colours[category]
        tip = f"<title>{escape(pid)}: {ha:,.1f} ha, {escape(option)}</title>"
        if layout.kind == "points":
            cx, cy, r = shape
            parts.append(f'<circle class="parcel" cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{colour}">{tip}</circle>')
        elif layout.kind == "treemap":
            x, y, w, h = shape
            parts.append(f'<path class="parcel" d="{_rect_path(x, y, w, h)}" fill="{colour}">{tip}</path>')
            if w > 46 and h > 30:
                parts.append(f'<text x="{x + w / 2:.1f}" y="{y + h / 2 + 8:.1f}" class="plabel" '
                             f'text-anchor="middle">{escape(pid)}</text>')
        else:
            parts.append(f'<path class="parcel" d="{shape}" fill="{colour}" fill-rule="evenodd">{tip}</path>')
    lx = layout.width + 14
    legend = [f'<text x="{lx:.1f}" y="18" class="label">{escape(by.replace("_", " "))}</text>']
    for i, (key, ha) in enumerate(area.items()):
        y = 36 + 18 * i
        n = int((values[by] == key).sum())
        legend.append(f'<rect x="{lx:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{colours[str(key)]}"/>'
                      f'<text x="{lx + 18:.1f}" y="{y:.1f}" class="legend">{escape(str(key))} '
                      f'({n}, {ha:,.1f} ha)</text>')
    extra = []
    if layout.m_per_unit is not None:
        extra.append(_scale_bar(layout, 20, layout.height - 14))
        extra.append(_north_arrow(layout.width - 24, 10))
    width = layout.width + legend_width
    height = max(layout.height, 50 + 18 * len(area))
    return (f'<svg id="{fig_id}" class="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="{width:.0f}" height="{height:.0f}" role="img"><title>{escape(title)}</title>\n'
            + "\n".join(parts + labels + legend + extra) + "\n</svg>")
