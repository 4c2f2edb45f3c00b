"""Synthetic projects of every region can be planned at the region's own erosion tolerance."""

import json

import pytest

from optimizer.cli.app import run


@pytest.mark.parametrize("region", ["north", "northwest", "northeast", "south", "southwest"])
def test_synthetic_project_plans(tmp_path, region, capsys):
    project = tmp_path / "p"
    assert run(["synth", str(project), "--parcels", "150", "--region", region, "--seed", "3"]) == 0
    capsys.readouterr()
    assert run(["plan", str(project), "-o", str(tmp_path / "out"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["status"] == "optimal"
    assert summary["n_parcels"] == 150
    assert summary["cost_cny"] <= summary["budget_cny"] * (1 + 1e-9)
    assert summary["additional_tco2e"] > 0
