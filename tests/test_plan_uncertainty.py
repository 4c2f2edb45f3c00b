"""`minesink plan --draws/--risk/--alternatives`: summary keys, report sections, alternatives.csv."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from optimizer.cli.app import run
from projfix import EXAMPLE


def test_chance_plan_meets_the_target_in_the_share_of_draws(tmp_path):
    out = tmp_path / "p"
    assert run(["plan", str(EXAMPLE), "-o", str(out), "--risk", "chance", "--target-tco2e", "28000",
                "--confidence", "0.8", "--draws", "10", "--seed", "2"]) == 0
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["risk"]["model"] == "chance" and s["risk"]["n_draws"] == 10
    # the plan's own ensemble uses the same draws: it meets the target in >= 80 % of them
    assert s["uncertainty"]["p_meet_target"] >= 0.8
    assert s["carbon_p05"] <= s["carbon_p50"] <= s["carbon_p95"]
    assert s["cost_cny"] == pytest.approx(s["risk"]["risk_aware"]["cost_cny"])
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Expected-value plan and risk-aware plan" in report and "## How sure is the plan?" in report


def test_draws_add_the_uncertainty_keys_and_the_vm0047_deduction(tmp_path):
    out = tmp_path / "p"
    assert run(["plan", str(EXAMPLE), "-o", str(out), "--draws", "8"]) == 0
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for key in ("carbon_p05", "carbon_p50", "carbon_p95", "uncertainty_pct_90ci"):
        assert isinstance(s[key], float)
    assert s["uncertainty"]["vm0047"]["deduction_pct"] == pytest.approx(max(0.0, s["uncertainty_pct_90ci"] - 15))
    assert "VM0047" in (out / "report.md").read_text(encoding="utf-8")


def test_no_draws_no_uncertainty_keys(tmp_path):
    out = tmp_path / "p"
    assert run(["plan", str(EXAMPLE), "-o", str(out)]) == 0
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert "carbon_p05" not in s and not (out / "alternatives.csv").exists()


def test_alternatives_csv_gives_selection_frequencies(tmp_path):
    out = tmp_path / "p"
    assert run(["plan", str(EXAMPLE), "-o", str(out), "--alternatives", "3", "--within", "0.02"]) == 0
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    alt = pd.read_csv(out / "alternatives.csv", encoding="utf-8-sig")
    plan = pd.read_csv(out / "plan.csv", encoding="utf-8-sig")
    k = s["alternatives"]["found"]
    assert 1 <= k <= 3
    assert alt.groupby("parcel_id")["n_plans"].sum().eq(k).all()  # every plan picks one option per parcel
    assert set(alt["parcel_id"]) == set(plan["parcel_id"])
    best = s["alternatives"]["plans"][0]["credited_tco2e"]
    assert best == pytest.approx(s["credited_tco2e"])
    assert all(p["credited_tco2e"] >= best * 0.98 - 1e-6 for p in s["alternatives"]["plans"])
    assert (alt["firm"] == (alt["frequency"] == 1.0)).all()


def test_bad_risk_option_is_a_usage_error(tmp_path, capsys):
    assert run(["plan", str(EXAMPLE), "-o", str(tmp_path / "p"), "--risk", "var"]) == 2
    assert "--risk must be cvar or chance" in capsys.readouterr().err
    assert run(["plan", str(EXAMPLE), "-o", str(tmp_path / "q"), "--risk", "chance"]) == 2
