"""report.html: opened in headless Chromium (no console errors, nothing loaded from outside, map and
every figure drawn), the assumption list is exactly the rows the plan uses, references resolve."""

from __future__ import annotations

import csv
import json
import re
import struct
from pathlib import Path

import pandas as pd
import pytest
from chromium import Chromium
from projfix import EXAMPLE, copy_example

from optimizer.cli.app import run
from optimizer.inputs.data import data_dir

FIGURES = ("fig-carbon", "fig-cost", "fig-frontier", "fig-erosion")
MAPS = ("map-mix", "map-amendment", "map-regrading")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """The example planned as `make demo` plans it (with a frontier in the report)."""
    tmp = tmp_path_factory.mktemp("demo")
    out = tmp / "plan"
    assert run(["plan", str(copy_example(tmp)), "-o", str(out), "--frontier", "6"]) == 0
    return out


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_report_opens_in_chromium_with_map_and_every_figure(demo):
    report = demo / "report.html"
    with Chromium() as browser:
        page = browser.open(report)
        assert page.errors == []
        # self-contained: the page itself is the only resource it loads
        assert [u for u in page.requests if not u.startswith("data:")] == [report.resolve().as_uri()]
        boxes = {b["id"]: b for b in page.boxes("svg[id]")}
        for ident in FIGURES + MAPS:
            assert ident in boxes, ident
            assert boxes[ident]["width"] > 100 and boxes[ident]["height"] > 100, boxes[ident]
        parcels = page.evaluate("document.querySelectorAll('#map-mix .parcel').length")
        rows = page.evaluate("document.querySelectorAll('#parcel-table tr[data-parcel]').length")
        first = page.screenshot()
        map_png = page.screenshot_element("#map")
    n = len(pd.read_csv(demo / "plan.csv", encoding="utf-8-sig"))
    assert parcels == n == rows == 34
    assert _png_size(first) == (1280, 900) and len(first) > 20_000
    width, height = _png_size(map_png)
    assert width > 600 and height > 300


def test_summary_and_report_md_name_versions_and_data_hash(demo):
    summary = json.loads((demo / "summary.json").read_text())
    assert re.fullmatch(r"sha256:[0-9a-f]{16}", summary["data_hash"])
    assert summary["minesink_version"] and summary["minesink_version"] != "unknown"
    md = (demo / "report.md").read_text()
    html = (demo / "report.html").read_text()
    for text in (md, html):
        assert summary["data_hash"] in text and summary["minesink_version"] in text and summary["solver"] in text


def _catalogue_rows(name: str) -> list[dict[str, str]]:
    with open(data_dir() / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _expected_rows(plan: pd.DataFrame) -> set[tuple[str, str]]:
    """Catalogue rows the plan uses, derived from plan.csv and the raw CSV files."""
    mixes = {r["mix"] for r in plan.to_dict("records")}
    mix_rows = [r for r in _catalogue_rows("mixes.csv")
                if r["region"] == "north" and r["mix"] in mixes and float(r["area_share"]) > 0]
    species = {r["species"] for r in mix_rows}
    out = {("mixes.csv", f"north/{r['mix']}/{r['species']}") for r in mix_rows}
    out |= {("species.csv", r["species"]) for r in _catalogue_rows("species.csv") if r["species"] in species}
    out |= {("amendments.csv", a) for a in set(plan["amendment"])}
    out |= {("regrading.csv", r) for r in set(plan["regrading"])}
    out |= {("regions.csv", "north")}
    out |= {("climate_monthly.csv", f"north/{m}") for m in range(1, 13)}
    prices = {r["item"] for r in _catalogue_rows("costs.csv")}
    planted = plan["mix"] != "natural"
    items = {"maintenance_years"}
    # terraces carry their bench cut in their per-ha price; other regradings pay earthwork per m3
    terraces = {r["regrading"] for r in _catalogue_rows("regrading.csv")
                if not r["target_slope_deg"] and r["bench_spacing_m"]}
    items |= {"earthwork_cny_m3"} if (plan.loc[~plan["regrading"].isin(terraces), "earthwork_m3"] > 0).any() else set()
    items |= {f"{r}_cny_{u}" for r in set(plan["regrading"]) for u in ("ha", "m2") if f"{r}_cny_{u}" in prices}
    items |= {f"{a}_cny_t" if f"{a}_cny_t" in prices else "topsoil_cny_m3" for a in set(plan["amendment"]) - {"none"}}
    for layer, item in (("tree", "tree_planting_cny_ha"), ("shrub", "shrub_planting_cny_ha"),
                        ("grass", "grass_seeding_cny_ha")):
        if (plan.loc[planted, f"{layer}_share"] > 0).any():
            items.add(item)
    if planted.any():
        items.add("maintenance_planted_cny_ha_yr")
    if (~planted).any():
        items |= {"natural_closure_cny_ha", "maintenance_natural_cny_ha_yr"}
    out |= {("costs.csv", i) for i in items}
    return out


def _source_of(table: str, key: str) -> str:
    files = {"mixes.csv": ("region", "mix", "species"), "species.csv": ("species",), "amendments.csv": ("amendment",),
             "regrading.csv": ("regrading",), "regions.csv": ("region",), "climate_monthly.csv": ("region", "month"),
             "costs.csv": ("item",)}
    for r in _catalogue_rows(table):
        if "/".join(r[c] for c in files[table]) == key:
            return r["source"]
    raise AssertionError((table, key))


def test_assumption_list_is_exactly_the_rows_the_plan_uses_and_references_resolve(demo):
    plan = pd.read_csv(demo / "plan.csv", encoding="utf-8-sig", keep_default_na=False)
    html = (demo / "report.html").read_text(encoding="utf-8")
    listed = set(re.findall(r'<tr data-table="([^"]+)" data-key="([^"]+)">', html))
    used = _expected_rows(plan)
    assumed = {(t, k) for t, k in used if "assumption" in _source_of(t, k).split(";")}
    assert listed == assumed
    assert len(assumed) > 10
    # every source key the used rows cite is in the reference list and resolved by SOURCES.md
    cited = {k.strip() for t, key in used for k in _source_of(t, key).split(";")} - {"assumption", ""}
    refs = re.search(r'<ol class="small" id="reference-list">(.*?)</ol>', html, re.S).group(1)
    keys = set(re.findall(r'<li id="ref-([a-z0-9_]+)">', refs))
    assert keys == cited and "not in data/SOURCES.md" not in refs
    sources = (data_dir() / "SOURCES.md").read_text(encoding="utf-8")
    for key in cited:
        assert re.search(rf"^\| {key} \| .+ \|$", sources, re.M), key


def test_species_not_in_the_plan_are_not_listed(demo):
    plan = pd.read_csv(demo / "plan.csv", encoding="utf-8-sig", keep_default_na=False)
    html = (demo / "report.html").read_text(encoding="utf-8")
    listed = set(re.findall(r'<tr data-table="species.csv" data-key="([^"]+)">', html))
    planted = {r["species"] for r in _catalogue_rows("mixes.csv") if r["region"] == "north"
               and r["mix"] in set(plan["mix"]) and float(r["area_share"]) > 0}
    assert listed <= planted and listed
    assert "pinus_massoniana" not in listed  # a southern species never planted here


def test_plan_csv_carries_tonnage_densities_and_earthwork(demo):
    plan = pd.read_csv(demo / "plan.csv", encoding="utf-8-sig", keep_default_na=False)
    amend = {r["amendment"]: float(r["rate_t_ha"]) for r in _catalogue_rows("amendments.csv")}
    assert plan["amendment_t"].to_numpy() == pytest.approx(plan["area_ha"] * plan["amendment"].map(amend), rel=1e-4)
    mixes = [r for r in _catalogue_rows("mixes.csv") if r["region"] == "north"]
    for mix, group in plan.groupby("mix"):
        rows = [r for r in mixes if r["mix"] == mix]
        planted = rows[0]["planted"] == "true"
        for layer in ("tree", "shrub"):
            want = sum(float(r["area_share"]) * float(r["stems_per_ha"] or 0) for r in rows if r["layer"] == layer)
            assert group[f"{layer}_stems_per_ha"].to_numpy() == pytest.approx(want if planted else 0.0, abs=1e-3)
    assert (plan.loc[plan["regrading"] == "none", "earthwork_m3"] == 0).all()
    assert (plan["earthwork_m3"] >= 0).all()


def test_poplar_grass_is_described_by_its_species(demo):
    html = (demo / "report.html").read_text(encoding="utf-8")
    # the mix the issue names: Simon poplar 0.5, alfalfa 0.3, wild rye 0.1
    assert re.search(r"Simon poplar 0\.50, Alfalfa 0\.30, Dahurian wildrye 0\.10", html, re.I)


def test_csv_project_without_coordinates_gets_a_treemap_with_parcels_sized_by_area(demo):
    from optimizer.outputs.parcelmap import layout_for

    plan = pd.read_csv(demo / "plan.csv", encoding="utf-8-sig", keep_default_na=False)
    plan["landform"] = pd.read_csv(EXAMPLE / "parcels.csv")["landform"].to_numpy()
    layout = layout_for(EXAMPLE / "parcels.csv", plan)
    assert layout.kind == "treemap" and layout.m_per_unit is None
    assert set(layout.shapes) == set(plan["parcel_id"])
    rect = {k: v for k, v in layout.shapes.items()}
    areas = pd.Series({k: w * h for k, (x, y, w, h) in rect.items()})
    ratio = areas / plan.set_index("parcel_id")["area_ha"]
    assert ratio.max() / ratio.min() < 1.6  # sizes follow area (less the landform frames and labels)
    for x, y, w, h in rect.values():
        assert x >= 0 and y >= 0 and x + w <= layout.width + 1e-6 and y + h <= layout.height + 1e-6
    html = (demo / "report.html").read_text(encoding="utf-8")
    assert "grouped by landform (not a map)" in html
    mix_map = re.search(r'<svg id="map-mix".*?</svg>', html, re.S).group(0)
    for landform in set(plan["landform"]):  # every landform block is framed and named
        assert f'class="grouplabel">{landform}</text>' in mix_map, landform


def test_cost_items_add_up_to_each_parcels_cost(demo):
    from optimizer.planning.planfacts import cost_items
    from optimizer.inputs.project import load_project

    project = load_project(EXAMPLE)
    plan = pd.read_csv(demo / "plan.csv", encoding="utf-8-sig", keep_default_na=False)
    slope = project.parcels.set_index("parcel_id")["slope_deg"].reindex(plan["parcel_id"]).to_numpy()
    items, used = cost_items(plan, project.catalogue, project.region, slope)
    assert (items["other"].abs() < 1.0).all()  # every CNY of capital is explained by an item
    assert items.sum(axis=1).to_numpy() == pytest.approx(plan["cost_cny"].to_numpy(), rel=1e-4, abs=1.0)
    html = (demo / "report.html").read_text(encoding="utf-8")
    assert ">other</text>" not in html
