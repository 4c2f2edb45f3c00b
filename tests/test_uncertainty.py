"""Monte Carlo ensembles of a plan (optimizer.planning.uncertainty, `minesink uncertainty`)."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import numpy as np
import pytest

from estimators.ensemble import layout, sample
from estimators.options import build_option_table
from optimizer.cli.app import run
from optimizer.errors import InputError
from optimizer.planning.pipeline import estimate, estimate_settings, plan_settings
from optimizer.planning.plan import plan
from optimizer.inputs.project import load_project
from optimizer.planning.uncertainty import (COLUMNS, catalogue_tables, draw_rows, load_distributions, plan_ensemble,
                                   summary)
from projfix import EXAMPLE, copy_example


@pytest.fixture(scope="module")
def example():
    project = load_project(EXAMPLE)
    table = estimate(project)
    rows = plan(table, plan_settings(project)).solution.rows
    return project, table, rows


def _zero_spread(spec):
    spec = spec.copy()
    spec["cv"] = 0.0
    spec["low"] = spec["high"] = spec["center"] = 1.0
    return spec


def test_zero_spread_every_draw_equals_the_deterministic_table(example):
    project, table, _ = example
    spec = _zero_spread(load_distributions(project))
    lay = layout(spec, catalogue_tables(project))
    draws = sample(lay.dims, 3, seed=2)
    assert (draws == 1.0).all()
    for frame in draw_rows(project, estimate_settings(project), lay, draws):
        assert len(frame) == len(table.rows)
        for col in COLUMNS:
            assert np.array_equal(frame[col].to_numpy(), table.rows[col].to_numpy(), equal_nan=True), col


def test_zero_spread_plan_ensemble_has_no_spread(example):
    project, table, rows = example
    ens = plan_ensemble(project, table, rows, 4, 1, _zero_spread(load_distributions(project)))
    for name, values in ens.totals.items():
        assert np.all(values == ens.deterministic[name]) or np.isnan(ens.deterministic[name]), name


def test_rows_for_a_plan_match_the_full_table(example):
    """Evaluating only the plan's rows gives the same numbers as the whole table."""
    from estimators.options import rows_for

    project, table, rows = example
    s = estimate_settings(project)
    chosen = table.rows.iloc[rows]
    cand = rows_for(project.parcels, project.catalogue, project.region, s,
                    chosen["parcel_id"].to_numpy(), chosen["option_id"].to_numpy())
    part = build_option_table(project.parcels, SimpleNamespace(**catalogue_tables(project)), project.region, s,
                              candidates=cand).rows
    assert list(part["option_id"]) == list(chosen["option_id"])
    for col in COLUMNS:
        np.testing.assert_allclose(part[col].to_numpy(), chosen[col].to_numpy(), rtol=1e-12, atol=1e-9)


def test_rows_for_finds_every_row_and_refuses_what_is_not_an_option(example):
    """rows_for returns each (parcel, option) pair's candidate row, in the order asked, for every
    row of the whole table; a pair that is not a feasible option is a ValueError naming it."""
    from estimators.options import rows_for

    project, table, _rows = example
    s = estimate_settings(project)
    order = np.random.default_rng(3).permutation(len(table.rows))
    wanted = table.rows.iloc[order]
    args = (project.parcels, project.catalogue, project.region, s)
    cand = rows_for(*args, wanted["parcel_id"].tolist(), wanted["option_id"].tolist())
    part = build_option_table(*args, candidates=cand).rows
    assert part["parcel_id"].tolist() == wanted["parcel_id"].tolist()
    assert part["option_id"].tolist() == wanted["option_id"].tolist()
    pid = table.rows["parcel_id"].iat[0]
    theirs = set(table.rows.loc[table.rows["parcel_id"] == pid, "option_id"])
    other = sorted(set(table.rows["option_id"]) - theirs)[0]
    for bad_parcel, bad_option in ((pid, other), ("no-such-parcel", "natural"), (pid, "no+such+option")):
        with pytest.raises(ValueError, match=re.escape(f"option '{bad_option}' is not a feasible option of parcel")):
            rows_for(*args, [pid, bad_parcel], ["natural", bad_option])


@pytest.fixture(scope="module")
def ensemble(example):
    project, table, rows = example
    return plan_ensemble(project, table, rows, 120, 11, target_tco2e=30_000.0)


def test_mean_agrees_with_the_deterministic_value_within_monte_carlo_error(ensemble):
    credited = ensemble.totals["credited_tco2e"]
    se = credited.std(ddof=1) / np.sqrt(credited.size)  # simple random sampling error; LHS is tighter
    assert abs(credited.mean() - ensemble.deterministic["credited_tco2e"]) < 3 * se
    assert credited.std() > 0.05 * credited.mean()  # the draws do move the plan's carbon


def test_quantiles_are_ordered_and_summary_has_the_keys(ensemble):
    s = summary(ensemble)
    assert s["carbon_p05"] <= s["carbon_p50"] <= s["carbon_p95"]
    c = s["credited_tco2e"]
    assert c["p05"] <= c["p10"] <= c["p50"] <= c["p95"]
    assert s["uncertainty_pct_90ci"] == pytest.approx(100 * (c["p95"] - c["p05"]) / 2 / c["mean"])
    assert s["vm0047"]["deduction_pct"] == pytest.approx(max(0.0, s["uncertainty_pct_90ci"] - 15.0))
    assert 0.0 <= s["p_meet_target"] <= 1.0
    assert s["p_meet_target"] == pytest.approx(float((ensemble.totals["credited_tco2e"] >= 30_000).mean()))
    # works emissions carry no uncertain parameter: no spread; tree carbon has one
    assert s["carbon_by_pool"]["works"]["sd"] < 1e-9 * abs(s["carbon_by_pool"]["works"]["mean"])
    assert s["carbon_by_pool"]["tree"]["sd"] > 0
    # the cost overrun (mean +14 %, Bertisen & Davis 2008) lifts the mean cost above the estimate
    assert s["cost_cny"]["mean"] > s["deterministic"]["cost_cny"]
    assert s["cost_drivers"][0]["parameter"] == "cost_overrun:all"


def test_drivers_are_parameters_of_the_plan(ensemble, example):
    _, table, rows = example
    s = summary(ensemble)
    chosen = table.rows.iloc[rows]
    species = set(table.mix_species.columns[(table.mix_species.loc[chosen["mix"].unique()] > 0).any()])
    for d in s["drivers"]:
        param, key = d["parameter"].split(":")
        assert not param.startswith(("unit_cost", "cost_overrun"))  # prices do not move carbon
        if param in ("growth_a", "growth_k", "root_shoot", "carbon_fraction", "litter_turnover"):
            assert key in species


def test_a_wider_distribution_widens_the_interval(example):
    project, table, rows = example
    spec = _zero_spread(load_distributions(project))
    width = []
    for cv in (0.1, 0.4):
        s = spec.copy()
        s.loc[s["parameter"] == "growth_a", "cv"] = cv
        ens = plan_ensemble(project, table, rows, 40, 3, s)
        c = ens.totals["credited_tco2e"]
        width.append(np.percentile(c, 95) - np.percentile(c, 5))
    assert width[1] > 2 * width[0]


def test_cli_is_reproducible_byte_for_byte(tmp_path):
    outs = []
    for name, seed in (("a", 4), ("b", 4), ("c", 5)):
        out = tmp_path / name
        assert run(["uncertainty", str(EXAMPLE), "-o", str(out), "--draws", "6", "--seed", str(seed)]) == 0
        outs.append({f.name: f.read_bytes() for f in sorted(out.iterdir())})
    assert set(outs[0]) == {".minesink-manifest.json", "uncertainty.json", "draws.csv", "uncertainty.md"}
    assert outs[0] == outs[1]
    assert outs[0]["draws.csv"] != outs[2]["draws.csv"]
    data = json.loads(outs[0]["uncertainty.json"])
    assert data["n_draws"] == 6 and data["seed"] == 4


def test_cli_assesses_a_plan_file(tmp_path, capsys):
    plan_out = tmp_path / "plan"
    assert run(["plan", str(EXAMPLE), "-o", str(plan_out)]) == 0
    capsys.readouterr()
    out = tmp_path / "u"
    assert run(["uncertainty", str(EXAMPLE), "-o", str(out), "--draws", "4", "--plan", str(plan_out / "plan.csv"),
                "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    summary_json = json.loads((plan_out / "summary.json").read_text(encoding="utf-8"))
    assert data["deterministic"]["credited_tco2e"] == pytest.approx(summary_json["credited_tco2e"])


def test_project_override_file_and_its_errors(tmp_path):
    root = copy_example(tmp_path)
    (root / "unc.csv").write_text("parameter,key,distribution,center,cv\ngrowth_a,each,lognormal,1,0.1\n",
                                  encoding="utf-8")
    toml = (root / "project.toml").read_text(encoding="utf-8")
    lines = toml.splitlines()
    if "[parameters]" in lines:
        lines.insert(lines.index("[parameters]") + 1, 'uncertainty = "unc.csv"')
    else:
        lines += ["", "[parameters]", 'uncertainty = "unc.csv"']
    toml = "\n".join(lines) + "\n"
    (root / "project.toml").write_text(toml, encoding="utf-8")
    spec = load_distributions(load_project(root))
    assert spec.loc[(spec["parameter"] == "growth_a") & (spec["key"] == "each"), "cv"].item() == 0.1
    (root / "unc.csv").write_text("parameter,key,distribution,center,cv\ngrowth_a,each,weibull,1,0.1\n",
                                  encoding="utf-8")
    with pytest.raises(InputError, match=r"unc\.csv.*row 2.*distribution"):
        load_distributions(load_project(root))
