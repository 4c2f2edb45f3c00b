"""A horizon before 2030 has no 2030 figures; a later horizon counts more carbon."""

import json

from optimizer.cli.app import run
from optimizer.inputs.data import data_dir

EXAMPLE = str(data_dir() / "examples" / "pingshuo")


def test_short_horizon_has_no_2030_figures(tmp_path, capsys):
    assert run(["plan", EXAMPLE, "-o", str(tmp_path / "a"), "--horizon", "2028", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["horizon_year"] == 2028
    assert summary["carbon_2030_tco2e"] is None and summary["carbon_2030_by_pool"] is None
    report = (tmp_path / "a" / "report.md").read_text(encoding="utf-8")
    assert "| 2030 |" not in report and "| 2028 |" in report


def test_longer_horizon_counts_more_carbon(tmp_path, capsys):
    totals = []
    for horizon in ("2040", "2060"):
        assert run(["plan", EXAMPLE, "-o", str(tmp_path / horizon), "--horizon", horizon, "--json"]) == 0
        totals.append(json.loads(capsys.readouterr().out)["carbon_tco2e"])
    assert totals[1] > totals[0] > 0
