"""Random but deterministic option tables for optimiser tests and benchmarks.

``make_option_table(n_parcels, n_options, seed)`` returns an ``OptionTable`` with every column
of ``OPTION_COLUMNS``: a catalogue of (regrading, amendment, mix) options, per parcel the natural
recovery row plus ``n_options - 1`` others drawn from the catalogue (kept in catalogue order),
yields loosely correlated with cost as real options are (more works, more carbon, less erosion).
The numbers are plausible in magnitude, not science: they only exercise the optimiser.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from estimators.options import option_id
from estimators.table import LAYERS, POOLS, OptionTable

REGRADINGS = ("none", "slope_25", "slope_15", "terrace")
AMENDMENTS = ("none", "lime", "fly_ash", "sludge", "compost", "topsoil_30cm")
#: mix -> {species: area share}; layer of each species below.
MIXES: dict[str, dict[str, float]] = {
    "natural": {"elymus_dahuricus": 0.3, "hippophae_rhamnoides": 0.05},
    "grass": {"medicago_sativa": 0.5, "elymus_dahuricus": 0.4},
    "legume_grass": {"medicago_sativa": 0.4, "astragalus_adsurgens": 0.4},
    "shrub_grass": {"hippophae_rhamnoides": 0.3, "caragana_korshinskii": 0.2, "elymus_dahuricus": 0.4},
    "pine_shrub_grass": {"pinus_tabuliformis": 0.4, "hippophae_rhamnoides": 0.2, "medicago_sativa": 0.3},
    "robinia_shrub_grass": {"robinia_pseudoacacia": 0.4, "amorpha_fruticosa": 0.2, "elymus_dahuricus": 0.3},
    "larch_grass": {"larix_principis": 0.5, "bromus_inermis": 0.4},
    "poplar_shrub": {"populus_simonii": 0.45, "caragana_korshinskii": 0.35},
}
SPECIES_LAYER = {
    "elymus_dahuricus": "grass", "medicago_sativa": "grass", "astragalus_adsurgens": "grass",
    "bromus_inermis": "grass", "hippophae_rhamnoides": "shrub", "caragana_korshinskii": "shrub",
    "amorpha_fruticosa": "shrub", "pinus_tabuliformis": "tree", "robinia_pseudoacacia": "tree",
    "larix_principis": "tree", "populus_simonii": "tree",
}


def catalogue() -> pd.DataFrame:
    """All (regrading, amendment, mix) options except works without planting; natural first."""
    rows = [("none", "none", "natural")]
    rows += [(r, a, m) for r in REGRADINGS for a in AMENDMENTS for m in MIXES if m != "natural"]
    cat = pd.DataFrame(rows, columns=["regrading", "amendment", "mix"])
    cat["option_id"] = [option_id(*r) for r in rows]
    return cat


def mix_species() -> pd.DataFrame:
    """Index mix, columns species: area shares."""
    species = sorted(SPECIES_LAYER)
    frame = pd.DataFrame(0.0, index=list(MIXES), columns=species)
    for mix, shares in MIXES.items():
        for sp, share in shares.items():
            frame.loc[mix, sp] = share
    frame.index.name = "mix"
    return frame


def _layer_shares(ms: pd.DataFrame) -> pd.DataFrame:
    layers = pd.Series(SPECIES_LAYER)
    return pd.DataFrame({lay: ms.loc[:, layers[layers == lay].index].sum(axis=1) for lay in LAYERS})


def make_option_table(n_parcels: int, n_options: int, seed: int = 0, *, min_options: int | None = None,
                      tolerance: float = 10.0, start_year: int = 2026,
                      horizon_year: int = 2060) -> OptionTable:
    """A deterministic synthetic ``OptionTable``.

    Parameters
    ----------
    n_parcels : number of parcels (ids P0001, P0002, ...)
    n_options : options per parcel including natural recovery (at most the catalogue size)
    seed : random seed
    min_options : when given, each parcel gets a random count in [min_options, n_options]
    tolerance : erosion tolerance [t/ha/yr] of every parcel
    """
    rng = np.random.default_rng(seed)
    cat = catalogue()
    n_cat = len(cat)
    if not 1 <= n_options <= n_cat:
        raise ValueError(f"n_options must be in 1..{n_cat}")
    lo = n_options if min_options is None else max(1, min(min_options, n_options))
    counts = rng.integers(lo, n_options + 1, size=n_parcels)
    # per parcel: natural (catalogue row 0) + a random subset of the others, in catalogue order
    keys = rng.random((n_parcels, n_cat - 1))
    ranks = np.argsort(np.argsort(keys, axis=1), axis=1)
    chosen = np.concatenate([np.ones((n_parcels, 1), bool), ranks < (counts - 1)[:, None]], axis=1)
    parcel_idx, cat_idx = np.nonzero(chosen)
    n = parcel_idx.size

    pid = np.array([f"P{i + 1:04d}" for i in range(n_parcels)], dtype=object)
    area = np.round(rng.uniform(0.5, 20.0, n_parcels), 2)
    slope = rng.uniform(2.0, 40.0, n_parcels)
    opt = cat.iloc[cat_idx].reset_index(drop=True)
    ms = mix_species()
    shares = _layer_shares(ms).loc[opt["mix"]].to_numpy()
    natural = cat_idx == 0
    works = (opt["regrading"] != "none").to_numpy() * 1.0 + (opt["amendment"] != "none").to_numpy() * 0.5
    noise = rng.lognormal(0.0, 0.35, n)

    tree = shares[:, 0] * rng.uniform(150, 350, n) * noise
    shrub = shares[:, 1] * rng.uniform(40, 120, n)
    grass = shares[:, 2] * rng.uniform(10, 40, n)
    soil = rng.uniform(5, 40, n) * (1 + 0.5 * works)
    erosion_rate = slope[parcel_idx] * rng.uniform(0.2, 0.6, n) / (1 + works + 2 * shares.sum(1))
    erosion_rate[natural] *= 1.5
    erosion = -erosion_rate * 0.02 * (horizon_year - start_year)
    works_em = -(works * rng.uniform(1, 6, n))
    zero = np.zeros(n)
    pools = np.column_stack([tree, shrub, grass, soil, zero, zero, erosion, works_em, zero])
    pools[natural, :3] *= 0.3
    net = pools.sum(axis=1)
    pools[:, POOLS.index("buffer")] = -0.15 * np.maximum(net, 0.0)  # credited = net + buffer
    credited = net + pools[:, POOLS.index("buffer")]
    capital = np.where(natural, 1500.0, 15000 + 40000 * works + 60000 * shares[:, 0] * rng.uniform(0.7, 1.3, n)
                       + rng.uniform(0, 20000, n))
    maintenance = np.where(natural, 300.0, rng.uniform(2000, 9000, n))
    cost = capital + maintenance
    natural_net = np.zeros(n_parcels)
    natural_net[parcel_idx[natural]] = credited[natural]

    rows = pd.DataFrame({
        "parcel_id": pid[parcel_idx],
        "option_id": opt["option_id"].to_numpy(),
        "regrading": opt["regrading"].to_numpy(),
        "amendment": opt["amendment"].to_numpy(),
        "mix": opt["mix"].to_numpy(),
        "area_ha": area[parcel_idx],
        "net_tco2e_ha": net,
        "credited_tco2e_ha": credited,
        "additional_tco2e_ha": credited - natural_net[parcel_idx],
        "tco2e_ha_2030": net * (2030 - start_year) / (horizon_year - start_year) * 0.6,
        "cost_cny_ha": cost,
        "capital_cny_ha": capital,
        "maintenance_cny_ha": maintenance,
        "erosion_t_ha_yr": erosion_rate,
        "erosion_first5_t_ha_yr": erosion_rate * 1.8,
        "tree_share": shares[:, 0],
        "shrub_share": shares[:, 1],
        "grass_share": shares[:, 2],
        **{f"{p}_tco2e_ha": pools[:, i] for i, p in enumerate(POOLS)},
    })
    parcels = pd.DataFrame({
        "area_ha": area,
        "region": "north",
        "erosion_tolerance_t_ha_yr": float(tolerance),
        "status": "",
        "forced_option": "",
    }, index=pd.Index(pid, name="parcel_id"))
    years = np.arange(start_year, horizon_year + 1)
    frac = (years - start_year) / (horizon_year - start_year)
    trajectory = (credited[:, None] * frac[None, :]).astype(np.float32)
    return OptionTable(rows=rows, parcels=parcels, mix_species=ms, years=years,
                       net_trajectory=trajectory, start_year=start_year, horizon_year=horizon_year,
                       meta={"assumptions": ["synthetic option table (tests/optables.py)"]})
