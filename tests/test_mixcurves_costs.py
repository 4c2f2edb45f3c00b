"""Mix curves (share-weighted species stands, delays) and option costs, by hand."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from estimators.biomass import species_carbon
from estimators.mixcurves import mix_curves
from estimators.optioncost import option_costs
from optimizer.inputs.catalogue import load_catalogue


@pytest.fixture(scope="module")
def species():
    return load_catalogue().species


def _mixes(rows):
    return pd.DataFrame(rows, columns=["mix", "species", "layer", "area_share", "planted", "delay_yr", "productivity"])


def test_mix_is_share_weighted_and_delayed(species):
    mixes = _mixes([
        ("pine", "pinus_tabuliformis", "tree", 0.5, True, 0.0, 1.0),
        ("pine", "elymus_dahuricus", "grass", 0.3, True, 0.0, 1.0),
        ("late", "pinus_tabuliformis", "tree", 0.5, False, 3.0, 0.6),
    ])
    curves = mix_curves(species, mixes, 20)
    pine = species[species["species"] == "pinus_tabuliformis"]
    stand = species_carbon(pine, np.arange(21.0))[0]
    np.testing.assert_allclose(curves.carbon[0, 0], 0.5 * stand)
    # three years' delay and 0.6 productivity: the same stand, later and smaller
    np.testing.assert_allclose(curves.carbon[1, 0, 3:], 0.6 * 0.5 * stand[:18])
    assert (curves.carbon[1, 0, :4] == 0).all()
    np.testing.assert_allclose(curves.layer_shares[0], [0.5, 0.0, 0.3])
    assert curves.planted.tolist() == [True, False]
    assert (np.diff(curves.cover[0]) >= 0).all() and curves.cover.max() <= 1.0
    assert (curves.cover_mid[0] > curves.cover[0, :-1]).all()


def test_option_costs_by_hand():
    costs = pd.DataFrame({"item": ["earthwork_cny_m3", "terrace_cny_ha", "tree_planting_cny_ha",
                                   "shrub_planting_cny_ha", "grass_seeding_cny_ha", "natural_closure_cny_ha",
                                   "lime_cny_t", "topsoil_cny_m3", "maintenance_planted_cny_ha_yr",
                                   "maintenance_natural_cny_ha_yr", "maintenance_years"],
                          "cny": [10, 20000, 7000, 3000, 6000, 1500, 300, 25, 150, 100, 5]})
    regrading = pd.DataFrame({"regrading": ["none", "terrace"], "target_slope_deg": [np.nan, np.nan],
                              "bench_spacing_m": [np.nan, 10.0]})
    amendments = pd.DataFrame({"amendment": ["none", "lime", "topsoil_30cm"], "rate_t_ha": [0, 5, 3900],
                               "depth_add_cm": [0, 0, 30]})
    curves = SimpleNamespace(layer_shares=np.array([[0.0, 0.05, 0.35], [0.4, 0.3, 0.2]]),
                             planted=np.array([False, True]))
    cand = SimpleNamespace(regrading=np.array([0, 1, 0]), amendment=np.array([0, 1, 2]), mix=np.array([0, 1, 1]))
    out = option_costs(cand, np.array([0.0, 0.0, 100.0]), regrading, amendments, curves, costs, 34)
    planting = 0.4 * 7000 + 0.3 * 3000 + 0.2 * 6000
    np.testing.assert_allclose(out.capital, [1500, 20000 + 5 * 300 + planting, 100 * 10 + 3000 * 25 + planting])
    np.testing.assert_allclose(out.maintenance, [5 * 100, 5 * 150, 5 * 150])
