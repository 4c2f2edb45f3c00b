"""The notebook API returns what the command line writes."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from projfix import copy_example

from optimizer import api
from optimizer.cli.app import run
from optimizer.errors import InputError


def test_api_plan_matches_the_command_line(tmp_path):
    root = copy_example(tmp_path)
    project = api.load_project(root)
    options = api.estimate(project)
    assert isinstance(options, pd.DataFrame) and {"parcel_id", "option_id", "net_tco2e_ha"} <= set(options.columns)
    result = api.plan(project, budget_cny=8e6, gap=0.0)
    assert run(["plan", str(root), "-o", str(tmp_path / "cli"), "--budget", "8000000", "--gap", "0"]) == 0
    cli = pd.read_csv(tmp_path / "cli" / "plan.csv", encoding="utf-8-sig", keep_default_na=False)
    assert result.plan["option_id"].tolist() == cli["option_id"].tolist()
    summary = json.loads((tmp_path / "cli" / "summary.json").read_text())
    assert result.summary["carbon_tco2e"] == pytest.approx(summary["carbon_tco2e"], rel=1e-9)
    assert result.summary["cost_cny"] <= 8e6 * (1 + 1e-7)
    assert list(result.why["parcel_id"]) == list(result.plan["parcel_id"])
    html = result.to_html()
    assert html.startswith("<!DOCTYPE html>") and 'id="map-mix"' in html and result._repr_html_() == html
    written = result.write(tmp_path / "out")
    assert (tmp_path / "out" / "report.html").is_file() and written["carbon_tco2e"] == result.summary["carbon_tco2e"]


def test_api_frontier_and_errors(tmp_path):
    root = copy_example(tmp_path)
    frame = api.frontier(root, points=3)
    assert len(frame) == 3 and frame["carbon_tco2e"].is_monotonic_increasing
    report = api.plan(root, frontier_points=3)
    assert report.frontier is not None and len(report.frontier) == 3 and 'id="fig-frontier"' in report.to_html()
    with pytest.raises(InputError):
        api.plan(root, objective="min-cost")  # needs a target
