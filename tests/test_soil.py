"""estimators.soil.soil_carbon_trajectory: exactness against monthly RothC, and plausibility
against the mine-soil rates of reference soil.md section 4 and the amendment evidence of section 3.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from estimators import rothc as rc
from estimators import soil

ROOT = Path(__file__).resolve().parents[1]
REGIONS = {  # review Table 1 (vegetation.md section 5): mean annual temperature, precipitation
    "north": (10, 530), "south": (20, 1600), "northeast": (7, 750), "northwest": (12, 670),
    "southwest": (17, 1000),
}


def _climate(region):
    table = pd.read_csv(ROOT / "data" / "climate_monthly.csv")
    rows = table[table.region == region].sort_values("month")
    return rows.tmp_c.to_numpy(), rows.rain_mm.to_numpy(), rows.evap_mm.to_numpy()


def test_climate_table_matches_review_table1():
    table = pd.read_csv(ROOT / "data" / "climate_monthly.csv")
    assert list(table.columns) == ["region", "month", "tmp_c", "rain_mm", "evap_mm", "source"]
    assert sorted(table.region.unique()) == sorted(REGIONS)
    for region, (mat, map_mm) in REGIONS.items():
        rows = table[table.region == region]
        assert sorted(rows.month) == list(range(1, 13))
        assert rows.tmp_c.mean() == pytest.approx(mat, abs=0.05), region
        assert rows.rain_mm.sum() == pytest.approx(map_mm, rel=0.005), region
        assert (rows.rain_mm >= 0).all() and (rows.evap_mm > 0).all()
        # summer-monsoon climates: July wetter than January everywhere
        assert rows.set_index("month").rain_mm[7] > rows.set_index("month").rain_mm[1]
    assert set(table.source) == {"assumption"}


def test_trajectory_equals_monthly_rothc():
    tmp, rain, evap = _climate("north")
    rng = np.random.default_rng(7)
    n, years = 6, 8
    covered = rng.random((n, years)) < 0.6
    plant = rng.random((n, years)) * 3
    clay = np.array([10, 15, 20, 25, 30, 12.0])
    soc0 = rng.random(n) * 20 + 5
    ratio = np.array([0.25, 0.67, 1.44, 1.44, 0.67, 0.25])
    fym = np.array([0, 5, 0, 10, 0, 0.0])
    char, perm = np.array([0, 0, 20, 0, 0, 10.0]), np.array([0, 0, 0.8, 0, 0, 0.5])
    got = soil.soil_carbon_trajectory(soc0, clay, plant, ratio, fym, char, perm, covered, tmp, rain, evap)
    # the same by monthly steps: warm-up deficit, plant input 1/12 a month, amendments in April
    cover_m = np.repeat(covered, 12, axis=1)
    _, warm = rc.rothc_rate_modifiers(clay, 30, tmp, rain, evap, cover_m[:, :12])
    month_fym = np.zeros((n, 12 * years))
    month_fym[:, 3] = fym
    month_char = np.zeros((n, 12 * years))
    month_char[:, 3] = char * (1 - perm)
    pools0 = soil.initial_pools(soc0, clay)
    clim = [np.tile(v, years) for v in (tmp, rain, evap)]
    main = rc.rothc_run(clay, 30, pools0[:, 4], *clim, np.repeat(plant / 12, 12, axis=1), month_fym,
                        cover_m, ratio[:, None], pools0=pools0, tsmd0=warm[:, -1])
    extra = rc.rothc_run(clay, 30, 0.0, *clim, month_char, 0.0, cover_m, 0.0, tsmd0=warm[:, -1])
    expected = (main + extra).sum(axis=2)[:, 11::12] + (char * perm)[:, None]
    assert got.topsoil.shape == got.subsoil.shape == (n, years + 1)
    np.testing.assert_allclose(got.topsoil[:, 0], soc0)  # no jump at the start
    np.testing.assert_allclose(got.topsoil[:, 1:], expected, rtol=1e-12)


def test_factored_plant_input_is_the_dense_input():
    """A PlantInput (shared curves x row coefficients) gives what the same input written out per
    row gives, at every year and at a few kept years, for every component; and a row's numbers
    do not depend on which other rows are estimated with it."""
    tmp, rain, evap = _climate("north")
    rng = np.random.default_rng(11)
    n, years = 40, 30
    curves = rng.random((5, 2, years)) * np.linspace(0.2, 2.0, years)  # (curve, basis, year) [t C/ha/yr]
    plant = soil.PlantInput(curves, rng.integers(0, 5, n), rng.random((n, 2)) * 1.5)
    covered = np.repeat(rng.random((3, years)) < 0.7, [15, 15, 10], axis=0)
    args = dict(soc0_t_ha=rng.random(n) * 20 + 5, clay_pct=rng.choice([12.0, 20.0, 31.0], n),
                dpm_rpm=rng.choice([0.25, 0.67, 1.44], n), fym_once=np.where(rng.random(n) < 0.3, 4.0, 0.0),
                biochar_once=0.0, biochar_permanence=0.0, covered=covered, tmp_c=tmp, rain_mm=rain, evap_mm=evap,
                initial_imported=rng.random(n) < 0.2, soc_cap_t_ha=60.0)
    for kept in (None, [0, 7, 30]):
        dense = soil.soil_carbon_trajectory(plant_input=plant.dense(), years=kept, **args)
        factored = soil.soil_carbon_trajectory(plant_input=plant, years=kept, **args)
        for name in soil.SoilTrajectory._fields:
            np.testing.assert_allclose(getattr(factored, name), getattr(dense, name), rtol=1e-12, atol=1e-12)
    some = np.flatnonzero(rng.random(n) < 0.5)
    part = soil.soil_carbon_trajectory(
        plant_input=soil.PlantInput(curves, plant.curve[some], plant.coef[some]), years=[0, 7, 30],
        **{k: (v[some] if isinstance(v, np.ndarray) and len(v) == n else v) for k, v in args.items()})
    for name in soil.SoilTrajectory._fields:
        assert np.array_equal(getattr(part, name), getattr(factored, name)[some])


def _grass_on_loess(years=40, plant=2.0):
    tmp, rain, evap = _climate("north")
    soc0 = soil.stock_from_concentration(3.0, 1.6, 30)  # Bai 1998: OM < 4 g/kg, BD > 1.6
    return soil.soil_carbon_trajectory(soc0, 20.0, np.full((1, years), plant), 0.67, 0.0, 0.0, 0.0,
                                       np.ones((1, years), bool), tmp, rain, evap)


def test_grass_on_loess_dump_gains_like_heidaigou():
    traj = _grass_on_loess()
    total = traj.topsoil + traj.subsoil
    rate15 = (total[0, 15] - total[0, 0]) / 15
    # Li Junchao et al. 2014 (Environmental Science 35(10):3842-3850): grass on Heidaigou loess dumps
    # +15.47 t C/ha in 0-100 cm after 15 yr, about 1.0 t C/ha/yr
    assert 0.4 <= rate15 <= 2.0
    # ... the effect concentrated near the surface: nothing below 30 cm at 15 yr (Heidaigou; Zhang et
    # al. 2020, Pingshuo), later a share of about 0.3 of the topsoil gain (Shi et al. 2013)
    assert traj.subsoil[0, 15] == traj.subsoil[0, 0]
    assert 0 < traj.subsoil[0, 40] - traj.subsoil[0, 0] <= 0.3 * (traj.plant[0, 40] - traj.plant[0, 0]) + 1e-9
    # saturating (Sourkova et al. 2005; soil.md section 4): years 1-15 gain more than years 25-40
    assert total[0, 15] - total[0, 0] > total[0, 40] - total[0, 25] > 0
    assert np.all(np.diff(total[0]) > 0)


def test_gain_scales_with_plant_input():
    low, high = _grass_on_loess(plant=1.5), _grass_on_loess(plant=3.0)
    assert high.topsoil[0, 20] - high.topsoil[0, 0] > 1.5 * (low.topsoil[0, 20] - low.topsoil[0, 0])


def test_bare_spoil_neither_jumps_nor_collapses():
    tmp, rain, evap = _climate("north")
    traj = soil.soil_carbon_trajectory(13.5, 20.0, np.zeros((1, 40)), 1.44, 0, 0, 0,
                                       np.zeros((1, 40), bool), tmp, rain, evap)
    top = traj.topsoil[0]
    assert top[0] == 13.5 and np.all(np.diff(top) < 0)
    assert 0.6 * 13.5 < top[40] < 0.95 * 13.5  # slow decay of old carbon, inert share kept
    assert np.all(traj.subsoil[0] == traj.subsoil[0, 0])  # no gains below, stock kept


@pytest.mark.parametrize("biosolids", [20.0, 50.0])
def test_sludge_in_line_with_tian_2009(biosolids):
    # Tian et al. 2009 (J. Environ. Qual. 38:61-74), Fulton County, Illinois strip-mine land:
    # net sequestration y = 0.064 x - 0.11 [Mg C/ha/yr], x = annual biosolids [dry Mg/ha/yr],
    # over 8-23 yr.  Model: 25 % organic C (soil.md: 25-35 %) entering as manure each year,
    # net of the same sward without sludge, 15 yr, northeast climate (closest to Illinois).
    tmp, rain, evap = _climate("northeast")
    years = 15
    args = (13.5, 20.0, np.full((1, years), 2.0), 1.44, 0.0, 0.0, 0.0, np.ones((1, years), bool),
            tmp, rain, evap)
    base = soil.soil_carbon_trajectory(*args)
    sludge = soil.soil_carbon_trajectory(*args, fym_yearly=np.full((1, years), 0.25 * biosolids))
    net = (sludge.topsoil[0, -1] - base.topsoil[0, -1]) / years
    tian = 0.064 * biosolids - 0.11
    assert 0.5 * tian <= net <= 2.0 * tian


def test_one_off_sludge_decays_and_biochar_persists():
    tmp, rain, evap = _climate("north")
    years = 40
    traj = soil.soil_carbon_trajectory(np.full(3, 13.5), 20.0, np.zeros((3, years)), 1.44,
                                       [0.0, 10.0, 0.0], [0.0, 0.0, 10.0], [0.0, 0.0, 0.8],
                                       np.ones((3, years), bool), tmp, rain, evap)
    gain = traj.topsoil - traj.topsoil[0]
    extra = gain[1:] - gain[0]  # over the unamended spoil
    assert 0 < extra[0, 1] < 10 and extra[0, 40] < 0.4 * extra[0, 1]  # sludge carbon decays
    assert 8.0 <= extra[1, 40] < 8.5  # biochar: the 0.8 permanent share stays, RPM part mostly gone
    # surface-applied sludge and biochar do not drive the deep layer (only roots and litter do)
    np.testing.assert_array_equal(traj.subsoil[1], traj.subsoil[0])
    np.testing.assert_array_equal(traj.subsoil[2], traj.subsoil[0])
    # the sludge carbon is the imported component, the spoil's own carbon is not
    np.testing.assert_allclose(traj.topsoil[1] - traj.imported[1], traj.topsoil[0], rtol=1e-12)


def test_rows_are_grouped_but_independent():
    tmp, rain, evap = _climate("southwest")
    years = 12
    delay = np.array([0, 3, 0, 3, 5])
    covered = np.arange(years)[None, :] >= delay[:, None]
    clay = np.array([20.0, 20.0, 35.0, 20.0, 12.0])
    plant = np.array([1.0, 2.0, 1.0, 3.0, 0.5])[:, None] * covered
    together = soil.soil_carbon_trajectory(10.0, clay, plant, 1.44, 0, 0, 0, covered, tmp, rain, evap)
    for i in range(5):
        alone = soil.soil_carbon_trajectory(10.0, clay[i], plant[i:i + 1], 1.44, 0, 0, 0,
                                            covered[i:i + 1], tmp, rain, evap)
        np.testing.assert_allclose(together.topsoil[i], alone.topsoil[0], rtol=1e-13)
        np.testing.assert_allclose(together.subsoil[i], alone.subsoil[0], rtol=1e-13)


def test_deep_layer_by_hand():
    gain = np.array([0.0, 4.0, 10.0, 3.0, 8.0])
    out = soil.deep_layer(gain, fraction=0.5, start_yr=1.0)
    # half of what the topsoil gains after year 1 (4.0), nothing before, never a loss
    assert out.tolist() == pytest.approx([0.0, 0.0, 0.5 * 6.0, 0.0, 0.5 * 4.0])
