"""Tests for estimators.erosion against published values (reference erosion.md)."""

from __future__ import annotations

import numpy as np
import pytest

from estimators import erosion as er


def pct_to_deg(pct: float | np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan(np.asarray(pct, dtype=float) / 100.0))


# --- LS factor --------------------------------------------------------------------------------

# AH703 (Renard et al. 1997) Table 4-3, moderate rill:interrill ratio: slope %, length ft, LS.
AH703_TABLE_4_3 = [
    (4.0, 100.0, 0.52),
    (8.0, 200.0, 1.45),
    (10.0, 100.0, 1.38),
    (12.0, 400.0, 3.81),
]


@pytest.mark.parametrize(("pct", "feet", "expected"), AH703_TABLE_4_3)
def test_ls_reproduces_ah703_table_4_3(pct: float, feet: float, expected: float) -> None:
    ls = er.ls_factor(pct_to_deg(pct), feet * 0.3048)  # AH703 Table 4-3
    assert round(float(ls), 2) == expected


def test_ls_vectorised_over_table() -> None:
    pct = np.array([r[0] for r in AH703_TABLE_4_3])
    lam = np.array([r[1] for r in AH703_TABLE_4_3]) * 0.3048
    expected = np.array([r[2] for r in AH703_TABLE_4_3])  # AH703 Table 4-3
    ls = er.ls_factor(pct_to_deg(pct), lam)
    assert ls.shape == (4,)
    np.testing.assert_allclose(ls, expected, atol=0.005)
    grid = er.ls_factor(pct_to_deg(pct)[:, None], lam[None, :])
    assert grid.shape == (4, 4)
    np.testing.assert_allclose(np.diag(grid), ls)


def test_csle_jump_at_breakpoint() -> None:
    # reference erosion.md section 1: at 10 degrees McCool 2.417 -> Liu 2.845
    s_mccool = er.slope_steepness(10.0, method="rusle")
    s_liu = er.slope_steepness(10.0, method="csle")
    assert float(s_mccool) == pytest.approx(2.417, abs=0.001)
    assert float(s_liu) == pytest.approx(2.845, abs=0.001)
    just_below = er.slope_steepness(9.999, method="csle")
    assert float(just_below) == pytest.approx(2.417, abs=0.002)
    assert float(s_liu / s_mccool) == pytest.approx(1.18, abs=0.01)  # "about 18 %"


def test_csle_breakpoint_is_a_parameter() -> None:
    # CSLE papers that switch at 25 % = 14.04 degrees (reference erosion.md section 1)
    s = er.slope_steepness([12.0, 14.04], method="csle", steep_breakpoint_deg=14.04)
    sin = np.sin(np.radians([12.0, 14.04]))
    np.testing.assert_allclose(s, [16.8 * sin[0] - 0.5, 21.91 * sin[1] - 0.96])
    ls_r = er.ls_factor(12.0, 50.0, method="csle", steep_breakpoint_deg=14.04)
    assert float(ls_r) == pytest.approx(float(er.ls_factor(12.0, 50.0)))


def test_mccool_breakpoint_at_9_percent() -> None:
    s = er.slope_steepness(pct_to_deg([8.99, 9.0]))
    sin = np.sin(np.arctan([0.0899, 0.09]))
    np.testing.assert_allclose(s, [10.8 * sin[0] + 0.03, 16.8 * sin[1] - 0.5])


def test_short_slope_form() -> None:
    # McCool et al. 1987 / AH703: S = 3.0 sin^0.8 + 0.56 where only interrill erosion acts
    sin = np.sin(np.radians(30.0))
    assert float(er.slope_steepness(30.0, 3.0)) == pytest.approx(3.0 * sin**0.8 + 0.56)
    assert float(er.slope_steepness(30.0, 3.0, method="csle")) == pytest.approx(3.0 * sin**0.8 + 0.56)
    assert float(er.slope_steepness(30.0, 5.0)) == pytest.approx(16.8 * sin - 0.5)
    gentle = pct_to_deg(4.0)  # below 9 % the long-slope form stays
    assert float(er.slope_steepness(gentle, 3.0)) == pytest.approx(float(er.slope_steepness(gentle)))


def test_ls_monotone_in_slope_and_length() -> None:
    slopes = np.linspace(0.5, 60.0, 120)
    lengths = np.linspace(5.0, 300.0, 60)
    for method in ("rusle", "csle"):
        grid = er.ls_factor(slopes[:, None], lengths[None, :], method=method)
        assert np.all(np.diff(grid, axis=0) > 0), method
        assert np.all(np.diff(grid, axis=1) > 0), method


def test_rill_ratio_orders_l_factor() -> None:
    low, mod, high = (er.slope_length_factor(20.0, 100.0, r) for r in ("low", "moderate", "high"))
    assert low < mod < high
    # the ratio changes m, not L at the unit plot length
    np.testing.assert_allclose(
        [er.slope_length_factor(20.0, 22.13, r) for r in ("low", "moderate", "high")], 1.0
    )


def test_length_cap() -> None:
    assert float(er.ls_factor(20.0, 1000.0)) == pytest.approx(float(er.ls_factor(20.0, 305.0)))
    assert float(er.ls_factor(20.0, 1000.0, max_length_m=122.0)) == pytest.approx(
        float(er.ls_factor(20.0, 122.0))
    )


@pytest.mark.parametrize(
    ("slope", "length", "name"),
    [
        (-1.0, 50.0, "slope_deg"),
        (90.0, 50.0, "slope_deg"),
        (20.0, 0.0, "slope_length_m"),
        (20.0, -5.0, "slope_length_m"),
    ],
)
def test_ls_rejects_out_of_domain(slope: float, length: float, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        er.ls_factor(slope, length)


def test_ls_rejects_unknown_method() -> None:
    with pytest.raises(ValueError, match="method"):
        er.ls_factor(10.0, 50.0, method="usle")


def test_ls_nan_propagates() -> None:
    out = er.ls_factor([np.nan, 10.0], [50.0, 50.0])
    assert np.isnan(out[0]) and np.isfinite(out[1])


# --- C and P ----------------------------------------------------------------------------------


def test_cai_cover_factor_check_values() -> None:
    c = er.cover_factor_from_cover([0.30, 0.50])
    np.testing.assert_allclose(c, [0.143, 0.067], atol=0.0005)  # Cai et al. 2000 via erosion.md s.2


def test_cover_factor_ends() -> None:
    c = er.cover_factor_from_cover([0.0, 0.001, 0.80, 1.0])
    assert c[0] == 1.0 and c[1] == 1.0  # bare spoil: C = 1 for f <= 0.1 %
    assert c[2] == 0.003 and c[3] == 0.003  # floor: AH537 95-100 % cover / woodland 0.003
    raw = er.cover_factor_from_cover([0.80, 1.0], c_min=0.0)
    np.testing.assert_array_equal(raw, [0.0, 0.0])  # Cai: C = 0 above 78.3 %
    f = np.linspace(0, 1, 201)
    assert np.all(np.diff(er.cover_factor_from_cover(f)) <= 0)
    assert er.cover_factor is er.cover_factor_from_cover


def test_cover_factor_rejects_percent() -> None:
    with pytest.raises(ValueError, match="cover_fraction"):
        er.cover_factor_from_cover(30.0)


def test_support_factor_table() -> None:
    p = er.support_factor(np.array([["none", "contour"], ["bench_terrace", "none"]]))
    assert p.shape == (2, 2)
    assert p[0, 0] == 1.0
    assert 0.5 <= p[0, 1] <= 0.9  # AH537 contouring range (erosion.md section 3)
    assert 0.10 <= p[1, 0] <= 0.18  # AH537 bench terraces range (erosion.md section 3)
    assert float(er.support_factor("x", table={"x": 0.4})) == 0.4
    with pytest.raises(ValueError, match="practice"):
        er.support_factor("zigzag")


# --- R, K, A ----------------------------------------------------------------------------------


def test_rainfall_erosivity_formula() -> None:
    # Zhang & Fu 2003: F = sum P^2 / sum P, R = 0.1833 F^1.9957; even rain 50 mm/month -> F = 50
    assert float(er.rainfall_erosivity_monthly(np.full(12, 50.0))) == pytest.approx(0.1833 * 50**1.9957)
    summer = np.array([2, 4, 10, 20, 35, 55, 110, 120, 60, 30, 10, 3], dtype=float)
    even = np.full(12, summer.sum() / 12)
    assert er.rainfall_erosivity_monthly(summer) > 3 * er.rainfall_erosivity_monthly(even)
    years = np.stack([summer, even])
    r_mean = er.rainfall_erosivity_monthly(years, years_axis=0)
    f = np.mean([(summer**2).sum() / summer.sum(), even[0]])  # even rain: F = monthly P
    assert float(r_mean) == pytest.approx(0.1833 * f**1.9957)
    assert er.rainfall_erosivity_monthly(years).shape == (2,)
    with pytest.raises(ValueError, match="monthly_p_mm"):
        er.rainfall_erosivity_monthly(np.ones(11))


def test_k_epic_behaviour() -> None:
    # Williams 1995 EPIC, hand computation for sand 20, silt 65, clay 15, OC 0.2 %
    f_csand = 0.2 + 0.3 * np.exp(-0.256 * 20 * 0.35)
    f_clsi = (65 / 80) ** 0.3
    f_orgc = 1 - 0.25 * 0.2 / (0.2 + np.exp(3.72 - 2.95 * 0.2))
    f_hisand = 1 - 0.7 * 0.8 / (0.8 + np.exp(-5.51 + 22.9 * 0.8))
    expected = f_csand * f_clsi * f_orgc * f_hisand * 0.1317
    assert float(er.k_factor_epic(20, 65, 15, 0.2)) == pytest.approx(expected)
    k = er.k_factor_epic([20, 20, 85], [65, 65, 10], [15, 15, 5], [0.2, 3.0, 0.2])
    assert k[1] < k[0]  # organic carbon lowers erodibility
    assert k[2] < k[0]  # loamy sand less erodible than silt loam
    assert 0.01 < k[0] < 0.08  # assumption: plausible SI range for a silt loam (0.08-0.6 US units)
    with pytest.raises(ValueError, match="clay_pct"):
        er.k_factor_epic(20, 65, 150, 0.2)


def test_soil_loss_product_and_domain() -> None:
    assert float(er.soil_loss(1000.0, 0.03, 2.0, 0.5, 0.8)) == pytest.approx(24.0)
    with pytest.raises(ValueError, match="k"):
        er.soil_loss(1000.0, -0.03, 2.0, 0.5)


# --- regrading geometry -------------------------------------------------------------------------


def test_regraded_geometry_keeps_height() -> None:
    theta, lam = er.regraded_geometry(35.0, 60.0, 15.0)
    assert float(theta) == 15.0
    h0 = 60.0 * np.tan(np.radians(35.0))
    assert float(lam * np.tan(np.radians(15.0))) == pytest.approx(h0)
    theta, lam = er.regraded_geometry([35.0, 35.0, 10.0], [60.0, 60.0, 60.0], [15.0, np.nan, 15.0], 20.0)
    np.testing.assert_allclose(theta, [15.0, 35.0, 10.0])  # NaN target keeps; steeper target keeps
    np.testing.assert_allclose(lam, [20.0, 20.0, 20.0])  # benches cut the length
    _, lam = er.regraded_geometry(10.0, 15.0, 15.0, 20.0)
    assert float(lam) == 15.0


def test_earthwork_matches_numerical_cut_area() -> None:
    theta, lam, target = 35.0, 60.0, 15.0
    h = lam * np.tan(np.radians(theta))
    x = np.linspace(-300.0, 400.0, 700_001)
    old = np.clip(x * np.tan(np.radians(theta)), 0.0, h)
    new = np.clip(h / 2 + (x - lam / 2) * np.tan(np.radians(target)), 0.0, h)
    dx = x[1] - x[0]
    cut = np.clip(old - new, 0, None).sum() * dx
    fill = np.clip(new - old, 0, None).sum() * dx
    assert cut == pytest.approx(fill, rel=1e-3)  # cut balances fill
    expected = 1e4 * cut / lam
    assert float(er.earthwork_m3_per_ha(theta, lam, target)) == pytest.approx(expected, rel=1e-3)
    np.testing.assert_array_equal(er.earthwork_m3_per_ha([35.0, 10.0], 60.0, [np.nan, 15.0]), [0.0, 0.0])


def test_regrading_rejects_zero_target() -> None:
    with pytest.raises(ValueError, match="target_slope_deg"):
        er.regraded_geometry(30.0, 50.0, 0.0)


# --- the dump slope case ------------------------------------------------------------------------

R_YULIN = 1324.0  # erosion.md section 4: Yulin, stand-in for Pingshuo [MJ mm/(ha h yr)]
TOLERANCE_LOESS = 10.0  # SL 190-2007: Loess Plateau 1000 t/km2/yr = 10 t/ha/yr
PINGSHUO_UNTREATED = 150.0  # Bai Zhongke et al. 1998: Antaibao dump > 15 000 t/km2/yr


def loess_k() -> float:
    # silt loam loess spoil, organic matter < 4 g/kg (Bai et al. 1998) -> OC ~0.2 %
    return float(er.k_factor_epic(20.0, 65.0, 15.0, 0.2))


def test_untreated_dump_slope_erodes_like_pingshuo() -> None:
    ls = er.ls_factor(35.0, 60.0, method="csle")
    a = er.soil_loss(R_YULIN, loess_k(), ls, er.cover_factor_from_cover(0.0), er.support_factor("none"))
    assert a > TOLERANCE_LOESS
    assert PINGSHUO_UNTREATED < a < 10 * PINGSHUO_UNTREATED  # same order of magnitude, above 150


def test_regraded_benched_covered_slope_meets_tolerance() -> None:
    theta, lam = er.regraded_geometry(35.0, 60.0, 15.0, bench_spacing_m=20.0)
    ls = er.ls_factor(theta, lam, method="csle")
    c = er.cover_factor_from_cover(0.60)
    a = er.soil_loss(R_YULIN, loess_k(), ls, c, er.support_factor("bench_terrace"))
    assert a < TOLERANCE_LOESS
    a_no_p = er.soil_loss(R_YULIN, loess_k(), ls, c, 1.0)
    assert a_no_p < TOLERANCE_LOESS  # even without crediting the (unverified) terrace P


# --- carbon -----------------------------------------------------------------------------------


def test_soc_loss_and_emission() -> None:
    # erosion.md section 5: SOC lost = A * SOC * ER; CO2 = SOC lost * f_emit * 44/12
    lost = er.soc_loss(100.0, 4.0)  # 100 t/ha/yr of spoil at 4 g C/kg, ER 1.3
    assert float(lost) == pytest.approx(0.52)
    assert float(er.erosion_emission_tco2e(lost)) == pytest.approx(0.52 * 0.2 * 44 / 12)
    assert float(er.erosion_emission_tco2e(1.0, f_emit=1.0)) == pytest.approx(44 / 12)
    with pytest.raises(ValueError, match="f_emit"):
        er.erosion_emission_tco2e(1.0, f_emit=20.0)
