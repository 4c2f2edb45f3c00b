"""RothC (estimators.rothc) and the soil-carbon estimators (estimators.soil).

Check values: reference soil.md (IPCC 2019 Tier 1 example, RothC model description Hoosfield
month, the official RothC_Py example in tests/data/rothc/, mine-soil rates of section 4).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from estimators import rothc as rc
from estimators import soil

DATA = Path(__file__).parent / "data" / "rothc"
ROOT = Path(__file__).resolve().parents[1]


def _example():
    records = pd.read_csv(DATA / "RothC_input.dat", skiprows=6, sep=r"\s+")
    records.columns = ["year", "month", "modern", "tmp", "rain", "evap", "c", "fym", "pc", "ratio"]
    return records


# ---------------------------------------------------------------- rate modifiers by hand

def test_temperature_factor_by_hand():
    # a = 47.91 / (1 + exp(106.06 / (T + 18.27))); a = 0 below -5 C (Coleman et al. 2024)
    assert rc.temperature_factor(10.0) == pytest.approx(47.91 / (1 + np.exp(106.06 / 28.27)))
    assert rc.temperature_factor(10.0) == pytest.approx(1.0990, abs=1e-4)
    assert rc.temperature_factor([-5.1, -20.0]).tolist() == [0.0, 0.0]
    assert rc.temperature_factor(-5.0) > 0


def test_tsmd_limits_and_moisture_factor():
    smax, one_bar, bare = rc.tsmd_limits(13.0, 25.0)
    assert smax == pytest.approx(-(20 + 1.3 * 13 - 0.01 * 169) * 25 / 23)  # -38.27 mm
    assert one_bar == pytest.approx(0.444 * smax) and bare == pytest.approx(0.556 * smax)
    assert rc.moisture_factor(0.0, 13, 25) == 1.0
    assert rc.moisture_factor(smax, 13, 25) == pytest.approx(0.2)
    mid = (smax + one_bar) / 2
    assert rc.moisture_factor(mid, 13, 25) == pytest.approx(0.6)


def test_bare_soil_rule():
    smax, _, bare = rc.tsmd_limits(13.0, 25.0)
    # a dry month: covered soil dries to the maximum deficit, bare soil stops at the bare limit
    assert rc.tsmd_update(0.0, 0.0, 200.0, True, 13, 25) == pytest.approx(smax)
    assert rc.tsmd_update(0.0, 0.0, 200.0, False, 13, 25) == pytest.approx(bare)
    # a bare soil already drier than its limit stays where it is
    assert rc.tsmd_update(smax, 0.0, 200.0, False, 13, 25) == pytest.approx(smax)
    # rain refills, never above 0
    assert rc.tsmd_update(-10.0, 100.0, 0.0, False, 13, 25) == 0.0
    assert rc.cover_factor([True, False]).tolist() == [0.6, 1.0]


def test_rate_modifiers_shared_and_per_row_climate_agree():
    ex = _example().iloc[:24]
    shared, _ = rc.rothc_rate_modifiers([10.0, 30.0], 25.0, ex.tmp, ex.rain, ex.evap, ex.pc > 0)
    rows, _ = rc.rothc_rate_modifiers([10.0, 30.0], 25.0, np.tile(ex.tmp, (2, 1)),
                                      np.tile(ex.rain, (2, 1)), np.tile(ex.evap, (2, 1)),
                                      np.tile(ex.pc > 0, (2, 1)))
    assert shared.shape == (2, 24)
    np.testing.assert_array_equal(shared, rows)
    assert not np.allclose(shared[0], shared[1])  # clay changes the moisture limits


def test_x_and_falloon_iom():
    assert rc.co2_ratio(0.0) == pytest.approx(1.67 * 3.45)
    assert rc.falloon_iom(37.21105) == pytest.approx(0.049 * 37.21105 ** 1.139)
    assert rc.input_vectors(2.44, 1.0, 1.44).tolist() == pytest.approx([1.44 + 0.49, 1.0 + 0.49, 0.0, 0.02])


# ---------------------------------------------------------------- hand-worked month

def test_hoosfield_month_from_model_description():
    # Coleman et al. 2024 model description: a*b*c = 0.3561, x = 3.51, no input
    clay = -np.log((3.51 / 1.67 - 1.85) / 1.6) / 0.0786  # the clay that gives x = 3.51
    assert rc.co2_ratio(clay) == pytest.approx(3.51)
    out = rc.rothc_step([0.1533, 4.4852, 0.6671, 25.8576, 2.7], 0.3561, clay)
    # printed to 4 places: DPM 0.1140, RPM 4.4455, BIO 0.6651, HUM 25.8551.  The printed a*b*c is
    # itself rounded (0.1533 exp(-0.3561 * 10/12) = 0.11394; 0.1140 needs a*b*c <= 0.3559), so the
    # check is one unit of the 4th place
    np.testing.assert_allclose(out, [0.1140, 4.4455, 0.6651, 25.8551, 2.7], rtol=0, atol=1e-4)
    assert np.round(out[2:4], 4).tolist() == [0.6651, 25.8551]


def test_monthly_matrix_equals_step():
    pools = np.array([[0.3, 4.0, 0.7, 26.0, 2.0], [1.0, 2.0, 0.1, 10.0, 1.0]])
    rate = np.array([0.4, 1.2])
    a = rc.monthly_matrices(rate, [13.0, 40.0])
    step = rc.rothc_step(pools, rate, [13.0, 40.0])
    np.testing.assert_allclose(np.einsum("nij,nj->ni", a, pools[:, :4]), step[:, :4], rtol=1e-14)


# ---------------------------------------------------------------- the official example

def _official_run():
    ex = _example()
    cycle, rest = ex.iloc[:12], ex.iloc[12:]
    spun = rc.rothc_spin_up(13.0, 25.0, 3.0041, cycle.tmp, cycle.rain, cycle.evap, cycle.c,
                            cycle.fym, cycle.pc > 0, cycle.ratio, cycle.modern)
    run = rc.rothc_simulate(13.0, 25.0, 3.0041, rest.tmp, rest.rain, rest.evap, rest.c, rest.fym,
                            rest.pc > 0, rest.ratio, pools0=spun.pools, tsmd0=spun.tsmd,
                            modern=rest.modern, activity0=spun.activity)
    return ex, spun, run


def test_spin_up_reaches_published_equilibrium():
    _, spun, _ = _official_run()
    # RothC_Py year_results.csv row 1 / soil.md: 37.21105 t C/ha after 19 872 months
    assert spun.months.tolist() == [19872]
    assert spun.pools.sum() == pytest.approx(37.21105, abs=5e-6)


def test_official_example_every_december_to_1e6():
    ex, spun, run = _official_run()
    published = pd.read_csv(DATA / "year_results.csv")
    dec = np.flatnonzero(ex.month.to_numpy()[12:] == 12)
    pools = np.vstack([spun.pools[0], run.pools[0, dec]])
    mine = np.column_stack([pools, pools.sum(axis=1), np.r_[spun.delta14c[0], run.delta14c[0, dec]]])
    expected = published.iloc[:, 2:].to_numpy()
    assert mine.shape == expected.shape == (70, 7)
    # carbon pools, SOC and the radiocarbon deltaC all within 1e-6 relative
    np.testing.assert_allclose(mine, expected, rtol=1e-6, atol=0)
    assert pools[-1].sum() == pytest.approx(38.19152, abs=5e-6)  # SOC 2007-12, soil.md


def test_spin_up_years_equal_month_by_month_stepping():
    cycle = _example().iloc[:12]
    years = 30
    spun = rc.rothc_spin_up(13.0, 25.0, 3.0041, cycle.tmp, cycle.rain, cycle.evap, cycle.c,
                            cycle.fym, cycle.pc > 0, cycle.ratio, cycle.modern, tol=-1.0,
                            max_years=years)
    tile = lambda s: np.tile(s.to_numpy(), years)  # noqa: E731
    run = rc.rothc_simulate(13.0, 25.0, 3.0041, tile(cycle.tmp), tile(cycle.rain), tile(cycle.evap),
                            tile(cycle.c), tile(cycle.fym), tile(cycle.pc) > 0, tile(cycle.ratio),
                            modern=tile(cycle.modern))
    assert spun.months.tolist() == [12 * years]
    np.testing.assert_allclose(spun.pools[0], run.pools[0, -1], rtol=1e-12)
    assert spun.delta14c[0] == pytest.approx(run.delta14c[0, -1], rel=1e-10)
    assert spun.tsmd[0] == run.tsmd[0]


def test_run_is_vectorised_over_rows():
    ex = _example().iloc[12:72]
    clay = np.array([5.0, 13.0, 45.0])
    both = rc.rothc_run(clay, 25.0, 3.0, ex.tmp, ex.rain, ex.evap, ex.c, ex.fym, ex.pc > 0, ex.ratio,
                        pools0=[0.1, 5.0, 0.7, 27.0, 3.0])
    assert both.shape == (3, 60, 5)
    for i, c in enumerate(clay):
        one = rc.rothc_run(c, 25.0, 3.0, ex.tmp, ex.rain, ex.evap, ex.c, ex.fym, ex.pc > 0, ex.ratio,
                           pools0=[0.1, 5.0, 0.7, 27.0, 3.0])
        np.testing.assert_allclose(both[i], one[0], rtol=1e-14)


# ---------------------------------------------------------------- IPCC Tier 1 and small pieces

def test_ipcc_check_value():
    # soil.md section 1: cool temperate dry HAC 43; severely degraded 0.70 -> improved 1.14
    start = soil.ipcc_equilibrium_stock(43, 1.0, 0.70, 1.0)
    new = soil.ipcc_equilibrium_stock(43, 1.0, 1.14, 1.0)
    assert start == pytest.approx(30.10) and new == pytest.approx(49.02)
    traj = soil.ipcc_stock_trajectory(start, new, np.array([0, 1, 10, 20, 30]))
    assert (traj[1] - traj[0]) == pytest.approx(0.946)
    assert traj.tolist() == pytest.approx([30.10, 31.046, 39.56, 49.02, 49.02])


def test_ipcc_table_holds_the_published_values():
    table = pd.read_csv(ROOT / "data" / "ipcc_soil.csv")
    assert list(table.columns) == ["kind", "climate", "soil", "name", "value", "source"]
    ref = table[table.kind == "soc_ref"].set_index(["climate", "soil"]).value
    assert ref["cool_temperate_dry", "HAC"] == 43  # IPCC 2019 Table 2.3
    assert ref["tropical_montane", "sandy"] == 52 and ref["warm_temperate_moist", "spodic"] == 143
    assert len(ref) == 47
    fac = table[table.kind != "soc_ref"].set_index(["kind", "climate", "name"]).value
    assert fac["f_mg", "all", "grassland_severely_degraded"] == 0.70
    assert fac["f_mg", "temperate_boreal", "grassland_improved"] == 1.14
    assert fac["f_i", "dry", "cropland_high_with_manure"] == 1.37
    assert table.source.str.len().gt(0).all()


def test_stock_from_concentration_and_plant_input():
    # Bai Zhongke et al. 1998: Antaibao dump, bulk density 1.6, organic matter < 4 g/kg
    assert soil.stock_from_concentration(2.3, 1.6, 30) == pytest.approx(11.04)
    assert soil.plant_carbon_input(np.array([4.0, 10.0]), 0.25).tolist() == [1.0, 2.5]


def test_amendment_inputs_and_initial_pools():
    fym, char, perm = soil.amendment_inputs([10.0, 12.0, 5.0], ["fym", "biochar", "none"], 0.8)
    assert fym.tolist() == [10.0, 0.0, 0.0] and char.tolist() == [0.0, 12.0, 0.0]
    assert perm.tolist() == [0.0, 0.8, 0.0]
    pools = soil.initial_pools([13.5, 40.0], 20.0, inert_fraction=[0.5, 0.0])
    np.testing.assert_allclose(pools.sum(axis=1), [13.5, 40.0])
    assert pools[0, 4] == pytest.approx(6.75)
    assert pools[1, 4] == pytest.approx(rc.falloon_iom(40.0))
    assert pools[:, :2].max() == 0.0 and 0 < pools[0, 2] < 0.01 * pools[0, 3]
