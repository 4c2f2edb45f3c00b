"""The least-cost stage after a max-carbon plan (optimizer.planning.plan.least_cost): the same
carbon (or more) for the least money, checked against exhaustive enumeration."""

from __future__ import annotations

import json

import numpy as np
import pytest

from optimizer.cli.app import run
from optimizer.planning.plan import plan
from projfix import EXAMPLE
from test_model import brute_force, random_case


def _totals(table, rows):
    chosen = table.rows.iloc[rows]
    area = chosen["area_ha"].to_numpy()
    return (float((area * chosen["credited_tco2e_ha"]).sum()), float((area * chosen["cost_cny_ha"]).sum()))


@pytest.mark.parametrize("seed", range(40))
def test_cheapest_plan_with_the_best_carbon(seed):
    table, s = random_case(seed)
    if s.objective != "max-carbon":
        return
    best, _ = brute_force(table, s)
    if best is None:
        return
    result = plan(table, s)  # least_cost on by default
    carbon, cost = _totals(table, result.solution.rows)
    assert carbon >= best * (1 - 1e-9) - 1e-9  # no carbon given up
    # the least cost of any plan with that much carbon, by enumeration
    cheapest, _ = brute_force(table, s.with_(objective="min-cost", target_tco2e=best * (1 - 1e-9) - 1e-9))
    assert cost == pytest.approx(cheapest, rel=1e-7, abs=1e-6)
    plain = plan(table, s.with_(least_cost=False))
    first_carbon, first_cost = _totals(table, plain.solution.rows)
    assert first_carbon == pytest.approx(best, rel=1e-7, abs=1e-6)
    assert cost <= first_cost + 1e-6
    block = result.extras.get("summary", {}).get("least_cost")
    if cost < first_cost - 1e-6:  # the stage found money to save and says so
        assert block["saved_cny"] == pytest.approx(first_cost - cost)
        assert block["carbon_tco2e"] == pytest.approx(carbon)
    assert result.solution.gap is not None and result.solution.gap <= 1e-9


def test_example_plan_saves_money_at_the_same_carbon(tmp_path, capsys):
    """On the example the max-carbon plan spends money on options that add no carbon: the
    stage keeps the carbon and says how much is left unspent; --no-least-cost turns it off."""
    assert run(["plan", str(EXAMPLE), "-o", str(tmp_path / "lc"), "--json"]) == 0
    on = json.loads(capsys.readouterr().out)
    assert run(["plan", str(EXAMPLE), "-o", str(tmp_path / "off"), "--no-least-cost", "--json"]) == 0
    off = json.loads(capsys.readouterr().out)
    assert "least_cost" not in off
    block = on["least_cost"]
    assert on["credited_tco2e"] >= off["credited_tco2e"] * (1 - 1e-9)
    assert on["cost_cny"] < off["cost_cny"]
    assert block["max_carbon_cost_cny"] == pytest.approx(off["cost_cny"])
    assert block["saved_cny"] == pytest.approx(off["cost_cny"] - on["cost_cny"])
    assert np.isclose(block["carbon_tco2e"], on["credited_tco2e"])
    assert "Same carbon, least cost" in (tmp_path / "lc" / "report.md").read_text(encoding="utf-8")
    html = (tmp_path / "lc" / "report.html").read_text(encoding="utf-8")
    assert f"{block['saved_cny'] / 1e6:.2f} M CNY less than the first max-carbon plan" in html
