"""estimators.biomass: BEF, root:shoot, carbon, CO2e, shrub power curve, species and mix carbon."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from estimators import biomass as bm

# Zhang Bin et al. 2016 (Chin. J. Eco-Agric. 24(3):392-402, Table 1) coniferous Richards, in the
# lagged 3-parameter form: c = 1/(1-m), k = K, t0 = ln(B)/K (vegetation.md section 2).
ZB_CONIFER = {"a": 480.169, "k": 0.012, "c": 1 / (1 - 0.318), "t0": np.log(1.030) / 0.012}
LARIX_SET_B = (0.6079, 17.062)  # Zhang C.H. et al. 2013 set B, vegetation.md section 3


def _row(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "species": "x", "layer": "tree", "growth_model": "richards", "growth_basis": "volume_m3_ha",
        "growth_a": np.nan, "growth_b": np.nan, "growth_k": np.nan, "growth_c": np.nan,
        "growth_t0": np.nan, "growth_cap": np.nan, "bef_method": "none", "bef_a": np.nan,
        "bef_b": np.nan, "bef_includes_roots": False, "root_shoot": 0.0, "carbon_fraction": 0.5,
    }
    base.update(kw)
    return base


def _larix_row() -> dict[str, object]:
    return _row(
        growth_a=ZB_CONIFER["a"], growth_k=ZB_CONIFER["k"], growth_c=ZB_CONIFER["c"],
        growth_t0=ZB_CONIFER["t0"], bef_method="continuous", bef_a=LARIX_SET_B[0],
        bef_b=LARIX_SET_B[1], bef_includes_roots=True, root_shoot=0.29,
    )


def test_larix_continuous_bef_check_value() -> None:
    # Zhang C.H., Ju W.M. et al. 2013 (Climatic Change 118:933-948) set B, Larix at V = 100 m3/ha:
    # B = 0.6079 * 100 + 17.062 = 77.852 t/ha (vegetation.md section 3 check value)
    assert bm.bef_continuous(100.0, *LARIX_SET_B) == pytest.approx(77.852, abs=1e-9)


def test_bef_continuous_no_biomass_on_bare_ground_and_capped_young_stands() -> None:
    v = np.array([-5.0, 0.0, 10.0, 19.0, 30.0, 100.0])
    b = bm.bef_continuous(v, *LARIX_SET_B)
    assert b[0] == 0.0 and b[1] == 0.0  # the intercept must not create biomass on bare ground
    assert b[2] == pytest.approx(bm.BEF_MAX_DEFAULT * 10.0)  # capped apparent factor
    assert b[4] == pytest.approx(0.6079 * 30 + 17.062)  # published line above the crossing
    assert np.all(np.diff(b[1:]) > 0)
    # continuity at the crossing volume V* = b / (bef_max - a)
    vstar = 17.062 / (bm.BEF_MAX_DEFAULT - 0.6079)
    lo, hi = bm.bef_continuous(np.array([vstar - 1e-6, vstar + 1e-6]), *LARIX_SET_B)
    assert hi - lo == pytest.approx(0.0, abs=1e-5)


def test_bef_constant_total_carbon_co2e() -> None:
    # IPCC 2006 Eq. 4.5: B = V D BEF; 100 m3/ha x 0.45 t/m3 x 1.3 = 58.5 t/ha
    assert bm.bef_constant(100.0, 1.3, 0.45) == pytest.approx(58.5)
    assert bm.bef_constant(-1.0, 1.3, 0.45) == 0.0
    assert bm.total_biomass(10.0, 0.25) == pytest.approx(12.5)
    assert bm.carbon(10.0) == pytest.approx(5.0)
    assert bm.CF_IPCC == 0.47  # IPCC 2006 Vol. 4 Ch. 4 Table 4.3
    assert bm.carbon(10.0, bm.CF_IPCC) == pytest.approx(4.7)
    assert bm.co2e(12.0) == pytest.approx(44.0)  # molar masses CO2 44, C 12
    np.testing.assert_allclose(bm.co2e([0.0, 3.0]), [0.0, 11.0])


def test_power_curve_zhang_shrub_and_cap() -> None:
    # Zhang Bin et al. 2016 shrub carbon density y = 0.057 x^2.0439 [Mg C/ha]: 10 yr -> 6.306
    ages = np.array([0.0, 10.0, 20.0, 60.0])
    y = bm.power_curve(ages, 0.057, 2.0439, 15.0)
    assert y[0] == 0.0
    assert y[1] == pytest.approx(0.057 * 10**2.0439) and y[1] == pytest.approx(6.3063, abs=1e-4)
    assert y[2] == 15.0 and y[3] == 15.0  # 0.057 * 20^2.0439 = 26.0 is capped
    assert bm.power_curve(20.0, 0.057, 2.0439, np.nan) == pytest.approx(0.057 * 20**2.0439)
    assert bm.power_curve(3.0, 0.057, 2.0439, 15.0, t0=3.0) == 0.0


def test_cover_fraction() -> None:
    f = bm.cover_fraction(0.8, 2.0, np.array([-1.0, 0.0, 2.0, 100.0]))
    np.testing.assert_allclose(f, [0.0, 0.0, 0.4, 0.8], atol=1e-12)


def test_species_carbon_richards_volume_chain() -> None:
    sp = pd.DataFrame([_larix_row()])
    c = bm.species_carbon(sp, np.array([0.0, 30.0]))
    # V(30) = 74.81 m3/ha (Zhang Bin 2016 coniferous, vegetation.md table) -> B = 0.6079 V + 17.062
    # (roots included, no R added) -> C = 0.5 B
    assert c.shape == (1, 2)
    assert c[0, 0] == 0.0
    assert c[0, 1] == pytest.approx(0.5 * (0.6079 * 74.81 + 17.062), rel=2e-4)
    bio = bm.species_biomass(sp, 30.0)
    assert bio["above"][0] == pytest.approx(bio["total"][0] / 1.29)
    assert bio["below"][0] + bio["above"][0] == pytest.approx(bio["total"][0])


def test_species_carbon_bases_and_methods() -> None:
    sp = pd.DataFrame([
        _row(layer="grass", growth_model="mitscherlich", growth_basis="biomass_t_ha", growth_a=4.0,
             growth_b=1.0, growth_k=1.0, root_shoot=2.8),
        _row(layer="shrub", growth_model="power", growth_basis="carbon_t_ha", growth_a=0.057,
             growth_b=2.0439, growth_cap=12.0, root_shoot=0.4),
        _row(growth_model="mitscherlich", growth_a=200.0, growth_b=1.0, growth_k=0.05,
             bef_method="constant", bef_a=1.3, bef_b=0.45, root_shoot=0.25),
    ])
    t = 40.0
    c = bm.species_carbon(sp, t)
    assert c[0] == pytest.approx(4.0 * (1 - np.exp(-40.0)) * 3.8 * 0.5)
    assert c[1] == pytest.approx(12.0)  # carbon basis is already total living carbon (capped)
    v = 200.0 * (1 - np.exp(-0.05 * 40))
    assert c[2] == pytest.approx(v * 0.45 * 1.3 * 1.25 * 0.5)
    # above-ground part of the carbon-basis shrub: C / CF / (1 + R)
    assert bm.species_biomass(sp, t)["above"][1] == pytest.approx(12.0 / 0.5 / 1.4)


def test_species_carbon_shapes_productivity_and_lag() -> None:
    sp = pd.DataFrame([
        _larix_row(),
        _row(layer="grass", growth_model="mitscherlich", growth_basis="biomass_t_ha", growth_a=2.0,
             growth_b=1.0, growth_k=0.8, growth_t0=2.0, root_shoot=2.8),
    ])
    ages = np.arange(12.0).reshape(3, 4)
    c = bm.species_carbon(sp, ages)
    assert c.shape == (2, 3, 4)
    assert np.all(c[1].ravel()[:3] == 0.0) and c[1].ravel()[3] > 0  # lag t0 = 2 yr
    half = bm.species_carbon(sp, ages, productivity=np.array([[[0.5]], [[1.0]]]))
    np.testing.assert_allclose(half[0], 0.5 * c[0])
    np.testing.assert_allclose(half[1], c[1])


def test_mix_carbon_by_layer() -> None:
    c = np.array([[10.0, 20.0], [4.0, 8.0], [2.0, 2.0]])
    out = bm.mix_carbon(c, [0.5, 0.3, 0.2], ["tree", "shrub", "grass"])
    np.testing.assert_allclose(out["tree"], [5.0, 10.0])
    np.testing.assert_allclose(out["shrub"], [1.2, 2.4])
    np.testing.assert_allclose(out["grass"], [0.4, 0.4])
    only_grass = bm.mix_carbon(c[2:], [1.0], ["grass"])
    np.testing.assert_allclose(only_grass["tree"], [0.0, 0.0])
    with pytest.raises(ValueError, match="unknown layer"):
        bm.mix_carbon(c, [0.5, 0.3, 0.2], ["tree", "bush", "grass"])
    with pytest.raises(ValueError, match="layers for"):
        bm.mix_carbon(c, [0.5, 0.3, 0.2], ["tree", "shrub"])
