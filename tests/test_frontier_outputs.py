"""The frontier command's extra outputs: the plan behind every point, the knee, the budget mark."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from projfix import EXAMPLE

from optimizer.cli.app import run
from optimizer.outputs.frontierout import point_plan_name


def test_every_point_has_its_plan_and_the_knee_is_named(tmp_path, capsys):
    out = tmp_path / "front"
    assert run(["frontier", str(EXAMPLE), "-o", str(out), "--points", "5"]) == 0
    printed = capsys.readouterr().out
    data = json.loads((out / "frontier.json").read_text())
    frame = pd.read_csv(out / "frontier.csv", encoding="utf-8-sig")
    assert data["plans"] == [point_plan_name(i, 5) for i in range(1, 6)] == [f"plans/plan_0{i}.csv" for i in range(1, 6)]
    for point, name in zip(frame.itertuples(), data["plans"]):
        plan = pd.read_csv(out / name, encoding="utf-8-sig", keep_default_na=False)
        assert len(plan) == 34
        assert plan["cost_cny"].sum() == pytest.approx(point.cost_cny, rel=1e-6)
        carbon = "credited_tco2e" if "credited_tco2e" in plan.columns else "carbon_tco2e"
        assert plan[carbon].sum() == pytest.approx(point.carbon_tco2e, rel=1e-6)
        assert plan["cost_cny"].sum() <= point.budget_cny * (1 + 1e-6)
    assert "  knee        " in printed and "% of the most carbon" in printed
    assert (out / "frontier.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_default_sweep_has_twelve_points(tmp_path):
    out = tmp_path / "front"
    assert run(["frontier", str(EXAMPLE), "-o", str(out), "--json"]) == 0
    data = json.loads((out / "frontier.json").read_text())
    assert len(data["points"]) == 12 and len(data["plans"]) == 12
