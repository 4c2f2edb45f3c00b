"""Growth forms against hand-computed and published values; the fitter against R's nls."""

from __future__ import annotations

import math

import numpy as np
import pytest

from estimators import growth
from estimators.growth import (
    MODELS,
    evaluate,
    fit,
    fit_all,
    gompertz,
    korf,
    logistic,
    mitscherlich,
    richards,
    schumacher,
)

# R's built-in Orange data, Tree 3 (vegetation.md section 2)
ORANGE3_AGE = [118, 484, 664, 1004, 1231, 1372, 1582]
ORANGE3_CIRC = [30, 51, 75, 108, 115, 139, 140]


# --------------------------------------------------------------------------- forms by hand


def test_each_form_matches_its_formula_by_hand():
    # values worked out from the formulas in vegetation.md section 2 (calculator)
    assert logistic(10, 100, 9, 0.2) == pytest.approx(100 / (1 + 9 * math.exp(-2)), rel=1e-12)
    assert logistic(10, 100, 9, 0.2) == pytest.approx(45.0853060, rel=1e-8)
    assert gompertz(20, 100, 3, 0.1) == pytest.approx(66.6306270, rel=1e-8)
    assert schumacher(8, 50, 4) == pytest.approx(50 * math.exp(-0.5), rel=1e-12)
    assert korf(8, 50, 4, 0.5) == pytest.approx(12.1558367, rel=1e-8)
    assert mitscherlich(10, 80, 0.9, 0.05) == pytest.approx(36.3297925, rel=1e-8)
    assert richards(20, 200, 0.05, 2.5, 5) == pytest.approx(40.4446230, rel=1e-8)
    assert richards(20, 200, 0.05, 2.5) == pytest.approx(200 * (1 - math.exp(-1)) ** 2.5, rel=1e-12)


def test_lag_and_age_zero_give_zero():
    assert richards([0, 3, 5], 200, 0.05, 2.5, 5).tolist() == [0.0, 0.0, 0.0]
    assert schumacher(0, 50, 4) == 0.0
    assert korf(0, 50, 4, 0.5) == 0.0
    assert mitscherlich(0, 80, 1.0, 0.05) == 0.0


def test_schumacher_is_korf_with_c_1():
    t = np.linspace(1, 100, 50)
    np.testing.assert_allclose(schumacher(t, 300, 20), korf(t, 300, 20, 1.0), rtol=1e-14)


def test_broadcasting_species_by_years():
    t = np.arange(0, 101, 10.0)
    a = np.array([[100.0], [200.0], [300.0]])
    out = logistic(t, a, 20.0, 0.1)
    assert out.shape == (3, t.size)
    np.testing.assert_allclose(out[2], 3 * out[0])
    out = evaluate("richards", t, {"a": a, "k": np.full((3, 1), 0.03), "c": 2.0})
    assert out.shape == (3, t.size)


def test_evaluate_defaults_t0_and_rejects_unknown():
    t = np.array([5.0, 50.0])
    np.testing.assert_allclose(evaluate("richards", t, {"a": 1, "k": 0.1, "c": 2, "t0": np.nan}),
                               richards(t, 1, 0.1, 2))
    with pytest.raises(ValueError, match="valid: richards"):
        evaluate("weibull", t, {})
    with pytest.raises(ValueError, match="needs parameter 'k'"):
        evaluate("logistic", t, {"a": 1, "b": 2})


def test_models_lists_parameters():
    assert MODELS["richards"] == ("a", "k", "c", "t0")
    assert MODELS["logistic"] == ("a", "b", "k")
    assert MODELS["schumacher"] == ("a", "b")
    assert set(MODELS) == {"richards", "logistic", "gompertz", "schumacher", "korf", "mitscherlich"}


# --------------------------------------------------------------------------- published checks

# Zhang Bin et al. 2016, Chinese Journal of Eco-Agriculture 24(3):392-402, Table 1:
# V = A (1 - B exp(-K t))^(1/(1-m)); V(10), V(30), V(100) as tabulated in vegetation.md section 2.
ZHANG_2016 = {
    "coniferous": (480.169, 1.030, 0.012, 0.318, (13.26, 74.81, 278.54)),
    "broadleaf": (364.306, 1.050, 0.018, 0.523, (4.50, 50.09, 244.29)),
    "mixed": (404.290, 1.021, 0.010, 0.428, (4.48, 34.24, 177.46)),
    "economic": (250.613, 1.019, 0.031, 0.112, (53.22, 140.44, 237.70)),
}


@pytest.mark.parametrize("stand", list(ZHANG_2016))
def test_zhang_bin_2016_richards(stand):
    big_a, big_b, big_k, m, expected = ZHANG_2016[stand]
    v = richards([10, 30, 100], big_a, big_k, 1 / (1 - m), math.log(big_b) / big_k)
    np.testing.assert_allclose(v, expected, atol=0.006)
    # the lagged form equals the 4-parameter form wherever its base is positive
    t = np.array([10.0, 30.0, 100.0])
    four = big_a * (1 - big_b * np.exp(-big_k * t)) ** (1 / (1 - m))
    np.testing.assert_allclose(v, four, rtol=1e-12)


def test_zhang_bin_lag_years_give_zero():
    # coniferous row: B = 1.030, K = 0.012 -> t0 = ln(1.03)/0.012 = 2.463 years
    t0 = math.log(1.030) / 0.012
    assert t0 == pytest.approx(2.4632, abs=1e-4)
    assert richards([1.0, 2.4], 480.169, 0.012, 1 / (1 - 0.318), t0).tolist() == [0.0, 0.0]


def test_r_selfstart_mappings():
    # R stats: SSlogis = Asym/(1+exp((xmid-x)/scal)); SSgompertz = Asym*exp(-b2*b3^x);
    # SSasymp = Asym+(R0-Asym)*exp(-exp(lrc)*x).  Mappings from vegetation.md section 2.
    x = np.linspace(0, 40, 9)
    asym, xmid, scal = 150.0, 12.0, 4.0
    np.testing.assert_allclose(logistic(x, asym, math.exp(xmid / scal), 1 / scal),
                               asym / (1 + np.exp((xmid - x) / scal)), rtol=1e-12)
    b2, b3 = 2.5, 0.85
    np.testing.assert_allclose(gompertz(x, asym, b2, -math.log(b3)), asym * np.exp(-b2 * b3**x), rtol=1e-12)
    r0, lrc = 20.0, math.log(0.07)
    np.testing.assert_allclose(mitscherlich(x, asym, (asym - r0) / asym, math.exp(lrc)),
                               asym + (r0 - asym) * np.exp(-math.exp(lrc) * x), rtol=1e-12)


# --------------------------------------------------------------------------- properties

PARAM_SETS = {
    "richards": [dict(a=300, k=0.03, c=2.0), dict(a=50, k=0.2, c=0.7), dict(a=480, k=0.012, c=1.47, t0=2.5)],
    "logistic": [dict(a=200, b=20, k=0.1), dict(a=10, b=0.5, k=1.0)],
    "gompertz": [dict(a=200, b=4, k=0.07), dict(a=5, b=0.2, k=0.5)],
    "schumacher": [dict(a=300, b=15), dict(a=20, b=0.5)],
    "korf": [dict(a=300, b=20, c=0.8), dict(a=100, b=3, c=1.7)],
    "mitscherlich": [dict(a=200, b=1.0, k=0.05), dict(a=80, b=0.6, k=0.3)],
}


@pytest.mark.parametrize("model", list(PARAM_SETS))
def test_nonnegative_monotone_and_bounded(model):
    rng = np.random.default_rng(7)
    t = np.sort(np.concatenate([[0.0], rng.uniform(0, 300, 400)]))
    for params in PARAM_SETS[model]:
        y = evaluate(model, t, params)
        assert np.all(y >= 0), params
        assert np.all(np.diff(y) >= -1e-12 * params["a"]), params
        assert np.all(y <= params["a"] * (1 + 1e-12)), params


# --------------------------------------------------------------------------- fitting


def test_orange_tree_3_logistic_matches_r_nls():
    res = fit(ORANGE3_AGE, ORANGE3_CIRC, "logistic")
    a, b, k = res.params["a"], res.params["b"], res.params["k"]
    # R: nls(circumference ~ SSlogis(age, Asym, xmid, scal), Orange, subset = Tree == 3)
    assert res.converged and res.warnings == []
    assert a == pytest.approx(158.8294, rel=1e-5)
    assert math.log(b) / k == pytest.approx(734.8421, rel=1e-5)  # xmid = scal ln b
    assert 1 / k == pytest.approx(400.9548, rel=1e-5)  # scal
    assert res.se["a"] == pytest.approx(15.0851, rel=1e-5)
    # se(k) by the delta method from se(scal) = 74.3295: se(1/scal) = se(scal)/scal^2
    assert res.se["k"] == pytest.approx(74.3295 / 400.9548**2, rel=1e-4)
    sigma = 6.25841  # residual standard error on 4 df
    assert math.sqrt(res.rss / 4) == pytest.approx(sigma, rel=1e-5)
    rss = sigma**2 * 4
    aic = 7 * math.log(2 * math.pi) + 7 * math.log(rss / 7) + 7 + 2 * 4  # R's AIC() of nls
    assert res.aic == pytest.approx(aic, rel=1e-5)
    assert res.rmse == pytest.approx(math.sqrt(rss / 7), rel=1e-5)
    y = np.array(ORANGE3_CIRC, float)
    assert res.r2 == pytest.approx(1 - rss / np.sum((y - y.mean()) ** 2), rel=1e-5)
    assert res.n == 7


def test_to_dict_has_the_design_keys():
    d = fit(ORANGE3_AGE, ORANGE3_CIRC, "logistic").to_dict()
    assert set(d) >= {"model", "params", "se", "rss", "rmse", "aic", "r2", "converged", "warnings"}
    assert d["model"] == "logistic" and set(d["params"]) == {"a", "b", "k"}
    assert d["converged"] is True and d["warnings"] == []


@pytest.mark.parametrize("model,true", [
    ("gompertz", dict(a=250.0, b=3.0, k=0.06)),
    ("richards", dict(a=300.0, k=0.04, c=2.2)),
    ("korf", dict(a=400.0, b=25.0, c=0.9)),
    ("mitscherlich", dict(a=180.0, b=0.95, k=0.05)),
    ("schumacher", dict(a=320.0, b=30.0)),
])
def test_fit_recovers_known_curves(model, true):
    t = np.arange(5.0, 101.0, 5.0)
    wiggle = 1 + 0.004 * np.sin(np.arange(t.size) * 2.3)  # small deterministic noise
    res = fit(t, evaluate(model, t, true) * wiggle, model)
    assert res.converged, res.warnings
    for name, value in true.items():
        assert res.params[name] == pytest.approx(value, rel=0.05), name
    assert res.r2 > 0.999


def test_fit_all_ranks_by_aic_and_puts_failures_last():
    results = fit_all(ORANGE3_AGE, ORANGE3_CIRC)
    assert [r.model for r in results][0] == "logistic"  # R agrees: logistic is the usual model
    assert sorted(r.model for r in results) == sorted(MODELS)
    good = [r for r in results if r.converged]
    assert [r.aic for r in good] == sorted(r.aic for r in good)
    seen_failure = False
    for r in results:
        seen_failure |= not r.converged
        assert r.converged is False or not seen_failure  # no converged fit after a failure
    for r in results:
        if not r.converged:
            assert r.warnings


def test_fit_all_with_too_few_points_for_some_forms():
    # 2 points: only schumacher (2 parameters) can be fitted; the others fail without raising
    results = fit_all([10, 20], [5, 9])
    assert results[0].model == "schumacher"
    assert all(not r.converged for r in results[1:])
    assert all("no fit possible" in r.warnings[0] for r in results[1:])
    assert any("no residual degrees of freedom" in w for w in results[0].warnings)


def test_short_accelerating_series_is_flagged():
    # ages 1..6 of a logistic early phase: no saturation in sight, the asymptote is not identifiable
    t = np.arange(1.0, 7.0)
    y = logistic(t, 100, 50, 0.4) * (1 + 0.01 * np.array([1, -1, 1, -1, 1, -1]))
    for model in ("mitscherlich", "richards"):
        res = fit(t, y, model)
        assert res.warnings, model
        assert any("asymptote" in w or "ill-conditioned" in w for w in res.warnings)


def test_fewer_points_than_parameters_raises():
    with pytest.raises(ValueError, match="3 parameters but only 2 point"):
        fit([1, 2], [3, 4], "logistic")


def test_bad_data_raises():
    with pytest.raises(ValueError, match="unknown growth model"):
        fit([1, 2, 3], [1, 2, 3], "weibull")
    with pytest.raises(ValueError, match=">= 0"):
        fit([-1, 2, 3], [1, 2, 3], "logistic")
    with pytest.raises(ValueError, match="do not vary"):
        fit([1, 2, 3, 4], [5, 5, 5, 5], "logistic")


def test_fitter_importable_from_growth():
    assert growth.fit is fit and growth.FitResult.__name__ == "FitResult"
