"""Year-by-year curves of a planting mix: living carbon by layer, litter input to soil, cover.

Every quantity the option table needs from vegetation is a *mix curve* (one value per mix and
year since the works) times a *row scalar* (the parcel-option's productivity).  This module
computes the curves once per region; ``estimators.options`` scales and gathers them per row.

A mix is a set of species with area shares (mixes.csv); each species grows as a full stand on
its share of the area (estimators.biomass.species_carbon), starting ``delay_yr`` years after the
works (natural colonisation is slow) and scaled by the mix's ``productivity``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from estimators.biomass import cover_fraction, species_carbon
from estimators.table import LAYERS

__all__ = ["GrowthCurves", "MixCurves", "amended_growth", "mix_curves", "canopy_closure_age", "head_start_years",
           "shifted"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class MixCurves:
    """Curves of every mix of one region over years since the works t = 0..Y.

    Attributes
    ----------
    mixes : list of str
        Mix keys, catalogue order.
    species : list of str
        Species keys (columns of ``shares``).
    shares : ndarray (n_mix, n_species) [0-1]
        Area share of each species in each mix.
    layer_shares : ndarray (n_mix, 3) [0-1]
        Area share of the tree, shrub and grass layers.
    carbon : ndarray (n_mix, 3, Y+1) [t C/ha]
        Living carbon (above + below ground) per layer at the start of each year since the works.
    litter : ndarray (n_mix, 3, Y+1) [t C/ha/yr]
        Carbon returned to the soil (litter and root turnover) during each year, by layer.
    dpm_rpm : ndarray (n_mix, 3) [-]
        RothC DPM/RPM ratio of each layer's litter (share-weighted over its species).
    cover : ndarray (n_mix, Y+1) [0-1]
        Ground cover of the mix (area-weighted cover of its species) at the start of each year.
    cover_mid : ndarray (n_mix, Y) [0-1]
        Ground cover in the middle of each year: the cover that year's erosion and RothC see.
    woody_weight : ndarray (n_mix, n_species) [0-1]
        Weight of each species in the mix's woody (tree + shrub) carbon, for aspect multipliers.
    planted : ndarray of bool (n_mix,)
    """

    mixes: list[str]
    species: list[str]
    shares: Array
    layer_shares: Array
    carbon: Array
    litter: Array
    dpm_rpm: Array
    cover: Array
    cover_mid: Array
    woody_weight: Array
    planted: NDArray[np.bool_]



def _mix_matrix(mixes: pd.DataFrame, mix_keys: list[str], species_keys: list[str], column: str) -> Array:
    """(n_mix, n_species) matrix of a mixes.csv column (0 where a species is absent)."""
    wide = mixes.pivot_table(index="mix", columns="species", values=column, aggfunc="sum", fill_value=0.0)
    return wide.reindex(index=mix_keys, columns=species_keys, fill_value=0.0).to_numpy(dtype=float)


def _per_mix(mixes: pd.DataFrame, mix_keys: list[str], column: str, default: float) -> Array:
    """One value per mix of a column repeated on each of its rows (first row wins)."""
    if column not in mixes.columns:
        return np.full(len(mix_keys), default)
    first = mixes.groupby("mix", sort=False)[column].first()
    return pd.to_numeric(first.reindex(mix_keys), errors="coerce").fillna(default).to_numpy(dtype=float)


def mix_curves(species: pd.DataFrame, mixes: pd.DataFrame, n_years: int) -> MixCurves:
    """Curves of all mixes of one region over ``n_years`` years since the works.

    Parameters
    ----------
    species : DataFrame
        species.csv rows (at least the species used by ``mixes``), column ``species`` = key.
    mixes : DataFrame
        mixes.csv rows of one region: mix, species, layer, area_share [0-1], planted, delay_yr
        [yr], productivity [-].
    n_years : int
        Horizon minus start year, Y >= 1.

    Returns
    -------
    MixCurves
        ``carbon[m, l, t] = productivity_m * sum_{s in layer l} share_{m,s} C_s(t - delay_m)``;
        ``litter[m, l, t] = productivity_m * sum share_{m,s} turnover_s C_s(min(t - delay_m, T_s))``
        with T_s the species' canopy-closure age (``canopy_closure_age``): litterfall and fine-root
        turnover follow the foliage and fine roots, which stop growing when the canopy closes,
        while wood keeps accumulating;
        ``cover[m, t] = min(1, sum_s share_{m,s} cover_s(t - delay_m))`` (and at t + 1/2 for
        ``cover_mid``).
    """
    mix_keys = list(dict.fromkeys(mixes["mix"]))
    used = list(dict.fromkeys(mixes["species"]))
    table = species.set_index("species").loc[used].reset_index()
    shares = _mix_matrix(mixes, mix_keys, used, "area_share")
    delay = _per_mix(mixes, mix_keys, "delay_yr", 0.0)
    productivity = _per_mix(mixes, mix_keys, "productivity", 1.0)
    planted = _per_mix(mixes, mix_keys, "planted", 1.0) > 0.5

    t = np.arange(n_years + 1, dtype=float)
    age = np.clip(t[None, :] - delay[:, None], 0.0, None)  # (n_mix, Y+1)
    stand_c = species_carbon(table, age)  # (n_species, n_mix, Y+1)
    at_closure = np.diagonal(species_carbon(table, canopy_closure_age(table)))  # (n_species,): C_s(T_s)
    weighted = shares.T[:, :, None] * stand_c * productivity[None, :, None]
    litter_base = shares.T[:, :, None] * np.minimum(stand_c, at_closure[:, None, None]) * productivity[None, :, None]
    turnover = table["turnover_yr"].to_numpy(dtype=float)[:, None, None]
    layer_of = table["layer"].to_numpy(dtype=str)

    carbon = np.stack([weighted[layer_of == lay].sum(axis=0) for lay in LAYERS], axis=1)
    litter = np.stack([(litter_base * turnover)[layer_of == lay].sum(axis=0) for lay in LAYERS], axis=1)
    dpm_rpm = _layer_dpm_rpm(shares, table, layer_of)
    age_mid = np.clip(t[None, :-1] + 0.5 - delay[:, None], 0.0, None)  # (n_mix, Y)
    cover = _mix_cover(table, shares, age)
    cover_mid = _mix_cover(table, shares, age_mid)
    layer_shares = np.stack([shares[:, layer_of == lay].sum(axis=1) for lay in LAYERS], axis=1)
    woody = np.isin(layer_of, ("tree", "shrub"))
    woody_share = shares * woody[None, :]
    total_woody = woody_share.sum(axis=1, keepdims=True)
    woody_weight = np.divide(woody_share, total_woody, out=np.zeros_like(woody_share), where=total_woody > 0)
    return MixCurves(mix_keys, used, shares, layer_shares, carbon, litter, dpm_rpm, cover, cover_mid,
                     woody_weight, planted)


def canopy_closure_age(species: pd.DataFrame, share_of_max: float = 0.9) -> Array:
    """Age at which a species' cover reaches ``share_of_max`` of its maximum [yr].

    ``t = t_half log2(1 / (1 - share))`` for the cover curve of ``cover_fraction`` (3.3 half-times
    for 90 %).  Litter input stops growing there (see ``mix_curves``).
    """
    half = species["cover_halftime_yr"].to_numpy(dtype=float)
    return half * np.log2(1.0 / (1.0 - share_of_max))


def head_start_years(t: NDArray[np.float64], multiplier: NDArray[np.float64], fade_yr: float) -> NDArray[np.float64]:
    """Years of growth an amendment's early boost puts a stand ahead, by year since the works.

    A growth-rate multiplier m that fades as ``1 + (m - 1) e^{-t/tau}`` advances the stand by
    ``(m - 1) tau (1 - e^{-t/tau})`` years: a head start on the same curve, so amendments never
    raise the asymptote and never stack on a mature stand (reference accounting.md: multipliers
    held for 34 years over-state growth on curves already at national means).

    Parameters
    ----------
    t : ndarray [yr], years since the works
    multiplier : ndarray [-], shape (A,), initial growth-rate multiplier of each amendment
    fade_yr : float [yr], e-folding time of the boost

    Returns
    -------
    ndarray [yr], shape (A, len(t))
    """
    boost = np.maximum(np.asarray(multiplier, dtype=float) - 1.0, 0.0)
    return boost[:, None] * fade_yr * -np.expm1(-np.asarray(t, dtype=float)[None, :] / fade_yr)


def shifted(curve: NDArray[np.float64], shift: NDArray[np.float64]) -> NDArray[np.float64]:
    """Curves read ``shift`` years ahead, by linear interpolation along the last (year) axis.

    Parameters
    ----------
    curve : ndarray (..., T) on years 0..T-1
    shift : ndarray (A, Y) [yr], Y <= T; year y reads the curve at y + shift[a, y] (clamped to T-1)

    Returns
    -------
    ndarray (A, ..., Y)
    """
    n_t = curve.shape[-1]
    pos = np.clip(np.arange(shift.shape[1])[None, :] + shift, 0.0, n_t - 1.0)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n_t - 1)
    w = pos - lo
    moved = np.moveaxis(curve, -1, 0)  # (T, ...)
    out = moved[lo] * (1.0 - w[..., *([None] * (curve.ndim - 1))]) + moved[hi] * w[..., *([None] * (curve.ndim - 1))]
    return np.moveaxis(out, 1, -1)  # (A, ..., Y)


def _mix_cover(table: pd.DataFrame, shares: Array, age: Array) -> Array:
    """Area-weighted ground cover of each mix at the given ages (n_mix, n_t) [0-1]."""
    cover_s = cover_fraction(
        table["max_cover"].to_numpy(dtype=float)[:, None, None],
        table["cover_halftime_yr"].to_numpy(dtype=float)[:, None, None],
        age[None, :, :],
    )
    return np.clip((shares.T[:, :, None] * cover_s).sum(axis=0), 0.0, 1.0)


def _layer_dpm_rpm(shares: Array, table: pd.DataFrame, layer_of: NDArray[np.str_]) -> Array:
    """Share-weighted DPM/RPM ratio per mix and layer (1.0 where a layer is empty)."""
    ratio = table["dpm_rpm"].to_numpy(dtype=float)
    out = np.ones((shares.shape[0], len(LAYERS)))
    for j, lay in enumerate(LAYERS):
        in_layer = layer_of == lay
        weight = shares[:, in_layer]
        total = weight.sum(axis=1)
        mean = (weight * ratio[in_layer][None, :]).sum(axis=1)
        out[:, j] = np.divide(mean, total, out=np.ones_like(total), where=total > 0)
    return out


@dataclass(frozen=True)
class GrowthCurves:
    """Living carbon and litter input of every (amendment, mix) pair over t = 0..Y.

    Row ``a * n_mix + m`` is mix m grown with amendment a's head start (``head_start_years``).

    Attributes
    ----------
    carbon : ndarray (A * M, 3, Y+1) [t C/ha] by layer
    litter : ndarray (A * M, 3, Y) [t C/ha/yr] by layer, during each year
    n_mix : int
    """

    carbon: Array
    litter: Array
    n_mix: int

    def key(self, amendment: NDArray[np.int64], mix: NDArray[np.int64]) -> NDArray[np.int64]:
        """Row of (amendment, mix) position pairs."""
        return amendment * self.n_mix + mix


def amended_growth(species: pd.DataFrame, mixes: pd.DataFrame, multiplier: Array, fade_yr: float,
                   n_years: int) -> GrowthCurves:
    """Mix curves of every amendment's head start (see ``head_start_years``).

    Parameters
    ----------
    species, mixes : as ``mix_curves``
    multiplier : ndarray (A,) [-], initial growth-rate multiplier of each amendment
    fade_yr : float [yr]
    n_years : int

    Returns
    -------
    GrowthCurves
    """
    mult = np.asarray(multiplier, dtype=float)
    pad = int(np.ceil(np.max(np.maximum(mult - 1.0, 0.0), initial=0.0) * fade_yr)) + 1
    long = mix_curves(species, mixes, n_years + pad)
    t = np.arange(n_years + 1, dtype=float)
    shift = head_start_years(t, mult, fade_yr)  # (A, Y+1)
    carbon = shifted(long.carbon, shift)  # (A, M, 3, Y+1)
    litter = shifted(long.litter, shift)[..., :-1]
    n_mix = long.carbon.shape[0]
    return GrowthCurves(carbon.reshape(-1, 3, n_years + 1), litter.reshape(-1, 3, n_years), n_mix)
