"""estimators.ensemble: distributions of multipliers, Latin hypercube draws, draws applied to tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from estimators.ensemble import apply_draw, layout, multipliers, sample
from estimators.options import EstimateSettings


def _spec(rows):
    return pd.DataFrame(rows, columns=["parameter", "key", "distribution", "center", "cv", "low", "high"])


TABLES = {
    "species": pd.DataFrame({"species": ["a", "b", "c"], "growth_a": [100.0, 200.0, 300.0],
                             "growth_cap": [np.nan, 50.0, np.nan], "carbon_fraction": [0.5, 0.5, 0.47]}),
    "amendments": pd.DataFrame({"amendment": ["none", "lime"], "productivity_multiplier": [1.0, 1.1]}),
    "costs": pd.DataFrame({"item": ["earthwork_cny_m3", "maintenance_years"], "cny": [15.0, 5.0]}),
}


def test_each_all_and_specific_keys_give_one_dimension_each():
    lay = layout(_spec([("growth_a", "each", "lognormal", 1, 0.3, None, None),
                        ("growth_a", "b", "uniform", 1, None, 0.5, 1.5),
                        ("carbon_fraction", "all", "uniform", 1, None, 0.9, 1.1),
                        ("unit_cost", "each", "lognormal", 1, 0.25, None, None)]), TABLES)
    assert lay.names == ["growth_a:a", "growth_a:c", "growth_a:b", "carbon_fraction:all",
                         "unit_cost:earthwork_cny_m3"]  # maintenance_years is not a price
    assert list(lay.rows["growth_a"]) == [0, 2, 1]
    assert list(lay.rows["carbon_fraction"]) == [3, 3, 3]
    assert list(lay.rows["unit_cost"]) == [4, -1]


def test_unknown_parameter_or_key_is_an_error():
    with pytest.raises(ValueError, match="unknown parameter"):
        layout(_spec([("growth_x", "all", "uniform", 1, None, 1, 1)]), TABLES)
    with pytest.raises(ValueError, match="unknown key 'zz'"):
        layout(_spec([("growth_a", "zz", "uniform", 1, None, 1, 1)]), TABLES)


def test_zero_spread_gives_exactly_the_center():
    dims = _spec([("growth_a", "a", d, 1.0, 0.0, 1.0, 1.0) for d in ("lognormal", "normal", "uniform", "triangular")])
    m = multipliers(dims, np.random.default_rng(0).random((50, 4)))
    assert (m == 1.0).all()


@pytest.mark.parametrize("dist,center,cv,low,high,mean,sd", [
    ("lognormal", 1.0, 0.3, None, None, 1.0, 0.3),
    ("normal", 1.0, 0.2, None, None, 1.0, 0.2 * 0.9866),  # sd of N(0,1) truncated at 3 sigma: 0.9866
    ("uniform", 1.0, None, 0.5, 1.5, 1.0, 1 / np.sqrt(12)),
    ("triangular", 1.0, None, 0.7, 1.6, (0.7 + 1.0 + 1.6) / 3, None),
])
def test_latin_hypercube_moments_match_the_distribution(dist, center, cv, low, high, mean, sd):
    dims = _spec([("growth_a", "a", dist, center, cv if cv is not None else 0.0,
                   low if low is not None else center, high if high is not None else center)])
    m = sample(dims, 4000, seed=5)[:, 0]
    assert m.mean() == pytest.approx(mean, rel=2e-3)  # LHS stratifies each margin: tight
    if sd is not None:
        assert m.std() == pytest.approx(sd, rel=1e-2)


def test_same_seed_same_draws_other_seed_other_draws():
    dims = _spec([("growth_a", k, "lognormal", 1, 0.3, 1, 1) for k in "abc"])
    assert np.array_equal(sample(dims, 20, 7), sample(dims, 20, 7))
    assert not np.array_equal(sample(dims, 20, 7), sample(dims, 20, 8))


def test_latin_hypercube_has_one_draw_per_stratum():
    dims = _spec([("growth_a", "a", "uniform", 1, 0, 0.0, 1.0), ("growth_a", "b", "uniform", 1, 0, 0.0, 1.0)])
    m = sample(dims, 10, 3)
    for j in range(2):
        assert sorted(np.floor(m[:, j] * 10).astype(int)) == list(range(10))


def test_apply_draw_scales_boosts_and_leaves_unit_multipliers_bit_for_bit():
    spec = _spec([("growth_a", "each", "lognormal", 1, 0.3, None, None),
                  ("amendment_boost", "each", "uniform", 1, None, 0.5, 1.5),
                  ("deep_fraction", "all", "uniform", 1, None, 0.5, 1.5),
                  ("rothc_rate", "all", "lognormal", 1, 0.1, None, None)])
    lay = layout(spec, TABLES)
    settings = EstimateSettings(start_year=2026, horizon_year=2060)
    same, s1 = apply_draw(lay, np.ones(len(lay.dims)), TABLES, settings)
    for name in TABLES:
        pd.testing.assert_frame_equal(same[name], TABLES[name], check_exact=True)
    assert s1 == settings
    draw = np.array([2.0, 1.0, 0.5, 1.0, 1.0, 1.5, 1.2, 0.8])  # a b c | none lime | deep | rothc
    assert lay.names == ["growth_a:a", "growth_a:b", "growth_a:c", "amendment_boost:none",
                         "amendment_boost:lime", "deep_fraction:all", "rothc_rate:all"][:len(lay.names)]
    out, s2 = apply_draw(lay, draw[:len(lay.dims)], TABLES, settings)
    assert list(out["species"]["growth_a"]) == [200.0, 200.0, 150.0]
    assert out["species"]["growth_cap"].iloc[1] == 50.0  # cap scales with the asymptote (x1 here)
    assert out["amendments"]["productivity_multiplier"].iloc[1] == pytest.approx(1.1)  # boost x1
    assert s2.accounting.deep_fraction == pytest.approx(0.3 * 1.5)
    assert s2.rothc_rate_multiplier == pytest.approx(1.2)
    assert TABLES["species"]["growth_a"].iloc[0] == 100.0  # the input is not changed
    boosted, _ = apply_draw(lay, np.array([1, 1, 1, 1, 1.5, 1, 1.0]), TABLES, settings)
    assert boosted["amendments"]["productivity_multiplier"].iloc[1] == pytest.approx(1.15)
