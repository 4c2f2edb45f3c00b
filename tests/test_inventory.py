"""Inventory calibration: synthetic stands from known curves come back with their parameters."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from estimators.growth import evaluate
from estimators.inventory import OUTPUT_COLUMNS, calibrate

AGES = np.arange(5.0, 61.0, 5.0)
NOISE = 1 + 0.01 * np.sin(np.arange(AGES.size) * 2.3)  # small deterministic noise, +-1 %

TRUE = {
    "larix_principis": ("richards", dict(a=300.0, k=0.05, c=2.5)),
    "pinus_tabuliformis": ("logistic", dict(a=200.0, b=30.0, k=0.15)),
    "robinia_pseudoacacia": ("schumacher", dict(a=150.0, b=20.0)),
}


def inventory() -> pd.DataFrame:
    parts = []
    for species, (model, params) in TRUE.items():
        parts.append(pd.DataFrame({"species": species, "age": AGES,
                                   "value": evaluate(model, AGES, params) * NOISE}))
    return pd.concat(parts, ignore_index=True)


def test_recovers_forms_and_parameters():
    out = calibrate(inventory()).set_index("species")
    assert list(out.reset_index().columns) == list(OUTPUT_COLUMNS)
    for species, (model, params) in TRUE.items():
        row = out.loc[species]
        assert row.growth_model == model
        for name, value in params.items():
            assert row[f"growth_{name}"] == pytest.approx(value, rel=0.03), (species, name)
        assert row.n == AGES.size and row.r2 > 0.999 and row.warnings == ""
        assert row.growth_basis == "volume_m3_ha"
        assert row.models_tried.startswith(f"{model}:")
        assert len(row.models_tried.split(";")) == 6
    # unused parameters are NaN: logistic has no c, schumacher has only a and b
    assert math.isnan(out.loc["pinus_tabuliformis", "growth_c"])
    assert math.isnan(out.loc["robinia_pseudoacacia", "growth_k"])
    assert out.loc["larix_principis", "growth_t0"] == 0.0


def test_models_restrict_the_forms_tried():
    out = calibrate(inventory(), models=["gompertz", "logistic"])
    for tried in out.models_tried:
        assert sorted(p.split(":")[0] for p in tried.split(";")) == ["gompertz", "logistic"]
    assert out.loc[out.species == "pinus_tabuliformis", "growth_model"].item() == "logistic"


def test_too_few_points_gives_an_empty_model_and_a_warning():
    rows = pd.concat([inventory(), pd.DataFrame({"species": ["ulmus_pumila"], "age": [5.0], "value": [3.0]})])
    out = calibrate(rows).set_index("species")
    row = out.loc["ulmus_pumila"]
    assert row.growth_model == ""
    assert math.isnan(row.growth_a) and math.isnan(row.aic)
    assert row.warnings == "no growth form could be fitted: only 1 point(s), every form tried needs at least 2"
    assert out.loc["larix_principis", "growth_model"] == "richards"  # others unaffected


def test_basis_is_carried_and_checked():
    rows = inventory()
    rows["basis"] = "carbon_t_ha"
    assert set(calibrate(rows).growth_basis) == {"carbon_t_ha"}
    rows.loc[0, "basis"] = "tonnes"
    with pytest.raises(ValueError, match="unknown basis tonnes"):
        calibrate(rows)
    rows.loc[0, "basis"] = "biomass_t_ha"
    with pytest.raises(ValueError, match="larix_principis mix several bases"):
        calibrate(rows)


def test_bad_rows_raise():
    with pytest.raises(ValueError, match="lack column"):
        calibrate(pd.DataFrame({"species": ["x"], "age": [1]}))
    rows = inventory()
    rows.loc[3, "age"] = -2
    with pytest.raises(ValueError, match=">= 0"):
        calibrate(rows)


def test_warnings_recorded_when_only_flagged_fits_exist():
    # an accelerating early phase: every converged form has a non-identifiable asymptote
    t = np.arange(1.0, 7.0)
    y = evaluate("logistic", t, dict(a=100, b=50, k=0.4)) * (1 + 0.01 * np.array([1, -1, 1, -1, 1, -1]))
    out = calibrate(pd.DataFrame({"species": "young", "age": t, "value": y}),
                    models=["logistic", "mitscherlich"])
    assert out.growth_model.item() == "logistic"
    assert "asymptote" in out.warnings.item()
