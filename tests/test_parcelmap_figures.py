"""Parcel pictures (polygons, points, treemap), the SVG figures and the carbon trajectory."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from projfix import copy_example, rows, write_rows
from test_project_gis import _gis_project

from optimizer.cli.app import run
from optimizer.outputs.figures import carbon_over_time, erosion_by_landform, frontier_figure, knee
from optimizer.outputs.parcelmap import layout_for, map_svg, squarify

SVG = "{http://www.w3.org/2000/svg}"


def _plan(out):
    return pd.read_csv(out / "plan.csv", encoding="utf-8-sig", keep_default_na=False)


def test_squarify_fills_the_box_with_proportional_disjoint_rectangles():
    values = [50, 30, 12, 5, 2, 1]
    rects = squarify(values, 10, 20, 300, 200)
    areas = np.array([w * h for _, _, w, h in rects])
    assert areas.sum() == pytest.approx(300 * 200)
    assert areas / areas.sum() == pytest.approx(np.array(values) / sum(values))
    for i, (x, y, w, h) in enumerate(rects):
        assert x >= 10 - 1e-9 and y >= 20 - 1e-9 and x + w <= 310 + 1e-9 and y + h <= 220 + 1e-9
        for x2, y2, w2, h2 in rects[i + 1:]:
            overlap = max(0, min(x + w, x2 + w2) - max(x, x2)) * max(0, min(y + h, y2 + h2) - max(y, y2))
            assert overlap < 1e-6
    # squarified: no sliver thinner than 1:8 for these values
    assert max(max(w / h, h / w) for _, _, w, h in rects) < 8


def test_gis_project_map_has_polygons_scale_bar_and_north_arrow(tmp_path):
    root, areas = _gis_project(tmp_path, crs="EPSG:4326")
    out = tmp_path / "plan"
    assert run(["plan", str(root), "-o", str(out)]) == 0
    plan = _plan(out)
    layout = layout_for(root / "parcels.geojson", plan)
    assert layout.kind == "polygons" and set(layout.shapes) == set(plan["parcel_id"])
    # drawn in UTM: metres per drawing unit recovers each square's side from its path
    assert layout.m_per_unit is not None and "EPSG:326" in layout.note
    svg = ET.fromstring(map_svg(layout, plan, "mix", "t", "m"))
    assert len(svg.findall(f".//{SVG}path[@class='parcel']")) == len(plan)
    assert svg.find(f".//{SVG}g[@class='scalebar']") is not None and svg.find(f".//{SVG}g[@class='north']") is not None
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'class="scalebar"' in html and "Parcel polygons from parcels.geojson" in html


@pytest.mark.parametrize("columns", [("x", "y"), ("lon", "lat")])
def test_csv_project_with_coordinates_gets_points(tmp_path, columns):
    root = copy_example(tmp_path)
    table = rows(root)
    n = len(table) - 1
    xs = 112.35 + 0.01 * np.arange(n) if columns[0] == "lon" else 560_000 + 300.0 * np.arange(n)
    ys = 39.45 + 0.004 * (np.arange(n) % 5) if columns[0] == "lon" else 4_370_000 + 200.0 * (np.arange(n) % 5)
    write_rows(root, [table[0] + list(columns)] + [r + [f"{a:.5f}", f"{b:.5f}"] for r, a, b in zip(table[1:], xs, ys)])
    out = tmp_path / "plan"
    assert run(["plan", str(root), "-o", str(out)]) == 0
    plan = _plan(out)
    layout = layout_for(root / "parcels.csv", plan)
    assert layout.kind == "points" and len(layout.shapes) == n
    # the first and last parcel are (n-1) x the spacing apart east-west, in metres
    (x0, _, _), (x1, _, _) = layout.shapes[plan["parcel_id"].iloc[0]], layout.shapes[plan["parcel_id"].iloc[-1]]
    dx = (n - 1) * (0.01 * 111_320 * np.cos(np.radians(39.458)) if columns[0] == "lon" else 300.0)
    assert (x1 - x0) * layout.m_per_unit == pytest.approx(dx, rel=0.01)
    radius = {k: r for k, (_, _, r) in layout.shapes.items()}
    big, small = plan["area_ha"].idxmax(), plan["area_ha"].idxmin()
    assert radius[plan["parcel_id"][big]] > radius[plan["parcel_id"][small]]
    assert 'class="scalebar"' in (out / "report.html").read_text(encoding="utf-8")


def test_knee_is_the_bend_of_a_frontier():
    cost = np.array([1, 2, 3, 4, 5, 6, 7, 8], float)
    carbon = np.array([10, 80, 90, 93, 95, 96, 97, 98], float)
    assert knee(cost, carbon) == 1
    assert knee(cost, cost * 3) is None  # a straight line has no knee
    points = pd.DataFrame({"cost_cny": cost * 1e6, "carbon_tco2e": carbon,
                           "marginal_cny_per_tco2e": np.r_[np.nan, 1e6 / np.diff(carbon)]})
    svg = frontier_figure(points, budget=4.5e6, plan_cost=4.4e6, plan_carbon=94.0, horizon=2060)
    root = ET.fromstring(svg)
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "budget 4.50 M CNY" in texts and "this plan" in texts
    assert "knee at 2.00 M CNY: 82 % of the most carbon for 25 % of its cost" in texts
    assert "each further t CO2e costs 100,000 CNY or more" in texts
    # the y axis starts at zero
    assert min(float(t.text.replace(",", "")) for t in root.iter(f"{SVG}text")
               if t.get("class") == "tick" and t.get("text-anchor") == "end") == 0


def test_carbon_and_erosion_figures_are_valid_svg():
    years = np.arange(2026, 2061)
    traj = pd.DataFrame({"tree": (years - 2026) * 10.0, "soil": (years - 2026) * 20.0, "erosion": -(years - 2026) * 1.0},
                        index=years)
    traj["net"] = traj.sum(axis=1)
    traj["natural"] = (years - 2026) * 3.0
    root = ET.fromstring(carbon_over_time(traj, ["tree", "soil", "erosion"], "by 2060"))
    assert len(root.findall(f".//{SVG}polygon")) == 3 and len(root.findall(f".//{SVG}polyline")) == 2
    frame = pd.DataFrame({"landform": ["slope", "slope", "platform"], "area_ha": [1.0, 3.0, 2.0],
                          "before": [10.0, 20.0, 2.0], "after": [1.0, 2.0, 0.5]})
    root = ET.fromstring(erosion_by_landform(frame))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "17.5" in texts and "1.8" in texts  # area-weighted means of the slope parcels


def test_trajectory_at_the_horizon_equals_the_plan(tmp_path):
    from optimizer.planning.pipeline import estimate, plan_settings
    from optimizer.planning.plan import plan
    from optimizer.inputs.project import load_project
    from optimizer.outputs.report import plan_frame
    from optimizer.planning.trajectory import pool_trajectory

    project = load_project(copy_example(tmp_path))
    result = plan(estimate(project), plan_settings(project))
    frame = plan_frame(result)
    traj = pool_trajectory(project, frame, result.horizon_year)
    for pool in ("tree", "shrub", "grass", "soil", "erosion", "works"):  # float32 trajectories
        assert traj.loc[2060, pool] == pytest.approx(frame[f"{pool}_tco2e"].sum(), rel=1e-6, abs=1e-3)
        assert traj.loc[2030, pool] == pytest.approx(frame[f"{pool}_2030_tco2e"].sum(), rel=1e-6, abs=1e-3)
    assert traj.loc[2060, "net"] == pytest.approx(frame["credited_tco2e"].sum(), rel=1e-6)
    assert traj.loc[2060, "natural"] == pytest.approx(frame["baseline_tco2e"].sum(), rel=1e-6)
    assert traj.loc[2026, "natural"] == pytest.approx(0.0, abs=1e-6)
    assert list(traj.index) == list(range(2026, 2061))
