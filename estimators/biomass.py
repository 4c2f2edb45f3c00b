"""Living vegetation carbon: stand growth -> biomass -> carbon, per species and per mix.

The chain (reference vegetation.md section 1)::

    V(t) [m3/ha]  --growth curve-->  B = a V + b [t d.m./ha]    (continuous BEF, Fang et al. 2001)
    B * (1 + R) when B is above-ground only                    (root:shoot ratio R)
    C = B * CF [t C/ha]     CF = 0.50 (Chinese practice) or 0.47 (IPCC 2006 Vol. 4 Table 4.3)
    CO2e = C * 44/12 [t CO2e/ha]

A species row of data/species.csv names its growth form, the basis the curve is in
(``volume_m3_ha``, ``biomass_t_ha`` above-ground, or ``carbon_t_ha`` total living carbon) and
its BEF method; :func:`species_biomass` and :func:`species_carbon` walk every row through the
chain at once, vectorised over species and ages.

All functions are pure: numbers in, numbers out, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from estimators import growth

__all__ = [
    "CF_DEFAULT",
    "CF_IPCC",
    "CO2_PER_C",
    "BEF_MAX_DEFAULT",
    "LAYERS",
    "bef_continuous",
    "bef_constant",
    "total_biomass",
    "carbon",
    "co2e",
    "power_curve",
    "cover_fraction",
    "growth_stock",
    "species_biomass",
    "species_carbon",
    "mix_carbon",
]

#: Carbon fraction of dry matter used in Chinese practice and by the review paper [-].
CF_DEFAULT = 0.50
#: IPCC default carbon fraction of dry matter (2006 Vol. 4 Ch. 4 Table 4.3; 2019 unchanged) [-].
CF_IPCC = 0.47
#: Mass ratio CO2 / C = 44/12 [t CO2 / t C].
CO2_PER_C = 44.0 / 12.0
#: Cap on the apparent continuous BEF B/V for young stands [t d.m./m3] (see bef_continuous).
BEF_MAX_DEFAULT = 1.5
#: Vegetation layers of a mix.
LAYERS = ("tree", "shrub", "grass")

_F = NDArray[np.float64]


def _f(x: ArrayLike) -> _F:
    return np.asarray(x, dtype=float)


def bef_continuous(
    volume_m3_ha: ArrayLike, a: ArrayLike, b: ArrayLike, bef_max: ArrayLike = BEF_MAX_DEFAULT
) -> _F:
    """Stand biomass from stand volume with the continuous BEF B = a V + b.

    B = min(a V + b, bef_max V) for V > 0, and 0 for V <= 0.

    Fang et al. (2001) fitted B = a V + b to established stands; taken literally the intercept
    b puts b t/ha of biomass on bare ground and the apparent factor B/V = a + b/V grows without
    bound in seedling stands.  The apparent factor is therefore capped at ``bef_max``: below
    the crossing volume V* = b / (bef_max - a) the stand is B = bef_max V (a constant-BEF
    stand, 0 at V = 0), above it the published line applies unchanged.  B stays continuous and
    increasing in V.  The default cap, 1.5 t d.m. per m3 of stem (an assumption: wood density
    0.45-0.6 t/m3 x above-ground expansion up to about 2 x (1 + R) for young stands), puts V*
    at 19 m3/ha for Larix and 46 m3/ha for Picea/Abies (b = 47.5 t/ha).

    Parameters
    ----------
    volume_m3_ha : array_like [m3/ha]
        Stand stem volume.
    a : array_like [t/m3]
        Slope of the forest type.
    b : array_like [t/ha]
        Intercept of the forest type.
    bef_max : array_like [t/m3], optional
        Largest apparent factor B/V allowed (> a).

    Returns
    -------
    ndarray [t d.m./ha]
        Stand biomass (for the Fang/Zhang sets: above + below ground).

    References
    ----------
    Fang J.Y. et al. 2001, Science 292:2320-2322; Zhang C.H., Ju W.M. et al. 2013, Climatic
    Change 118:933-948 (set B); Li Yin et al. 2016, Chin. J. Plant Ecol. 40 (set A).
    """
    v, a, b, bef_max = map(_f, (volume_m3_ha, a, b, bef_max))
    v_pos = np.clip(v, 0.0, None)
    return np.minimum(a * v_pos + b, bef_max * v_pos)


def bef_constant(volume_m3_ha: ArrayLike, bef: ArrayLike, wood_density: ArrayLike) -> _F:
    """Above-ground biomass from stand volume with a constant expansion factor.

    B = V x D x BEF, and 0 for V <= 0.

    Parameters
    ----------
    volume_m3_ha : array_like [m3/ha]
        Stand stem volume.
    bef : array_like [-]
        Biomass expansion factor (above-ground biomass / stem biomass).
    wood_density : array_like [t d.m./m3]
        Basic wood density D.

    Returns
    -------
    ndarray [t d.m./ha]
        Above-ground biomass.

    References
    ----------
    IPCC 2006 Guidelines Vol. 4 Ch. 4 Eq. 4.5 (B = V D BEF).
    """
    v, bef, d = map(_f, (volume_m3_ha, bef, wood_density))
    return np.clip(v, 0.0, None) * d * bef


def total_biomass(above: ArrayLike, root_shoot: ArrayLike) -> _F:
    """Above + below-ground biomass: B_total = B_above (1 + R).

    Parameters
    ----------
    above : array_like [t d.m./ha]
        Above-ground biomass.
    root_shoot : array_like [-]
        Root:shoot ratio R (below / above).

    Returns
    -------
    ndarray [t d.m./ha]

    References
    ----------
    IPCC 2019 Refinement Vol. 4 Ch. 4 Table 4.4 (R by zone); IPCC 2006 Vol. 4 Ch. 6 Table 6.1
    (grassland).
    """
    return _f(above) * (1.0 + _f(root_shoot))


def carbon(biomass: ArrayLike, carbon_fraction: ArrayLike = CF_DEFAULT) -> _F:
    """Carbon in dry matter: C = B x CF.

    Parameters
    ----------
    biomass : array_like [t d.m./ha]
    carbon_fraction : array_like [-], optional
        0.50 (Chinese practice, :data:`CF_DEFAULT`) or 0.47 (IPCC, :data:`CF_IPCC`).

    Returns
    -------
    ndarray [t C/ha]

    References
    ----------
    IPCC 2006 Vol. 4 Ch. 4 Table 4.3 (0.47).
    """
    return _f(biomass) * _f(carbon_fraction)


def co2e(tc: ArrayLike) -> _F:
    """Carbon dioxide equivalent of carbon: CO2e = C x 44/12.

    Parameters
    ----------
    tc : array_like [t C] (or [t C/ha])

    Returns
    -------
    ndarray [t CO2e] (or [t CO2e/ha])
    """
    return _f(tc) * CO2_PER_C


def power_curve(age: ArrayLike, a: ArrayLike, b: ArrayLike, cap: ArrayLike, t0: ArrayLike = 0.0) -> _F:
    """Capped power curve: y = min(a (t - t0)^b, cap) for t > t0, else 0.

    Zhang Bin et al. (2016) give shrub carbon density y = 0.057 x^2.0439 [Mg C/ha] (x = shrub
    age [yr]); a power law keeps growing, so it is valid only within the fitted ages and needs
    a cap (the plateau of a mature shrub stand).

    Parameters
    ----------
    age : array_like [years]
    a : array_like [stock units / yr^b]
    b : array_like [-]
    cap : array_like [stock units]
        Plateau; NaN means no cap.
    t0 : array_like [years], optional
        Lag before growth starts.

    Returns
    -------
    ndarray [stock units]

    References
    ----------
    Zhang Bin et al. 2016, Chinese Journal of Eco-Agriculture 24(3):392-402.
    """
    age, a, b, cap, t0 = map(_f, (age, a, b, cap, t0))
    dt = np.clip(age - np.nan_to_num(t0), 0.0, None)
    y = a * np.power(dt, b)
    y = np.where(np.isnan(cap), y, np.minimum(y, cap))
    return np.where(dt > 0, y, 0.0)


def cover_fraction(max_cover: ArrayLike, halftime_yr: ArrayLike, age: ArrayLike) -> _F:
    """Ground cover of a stand: f = max_cover (1 - 2^(-t / t_half)) for t > 0, else 0.

    A monomolecular approach to ``max_cover`` that reaches half of it after ``halftime_yr``.

    Parameters
    ----------
    max_cover : array_like [0-1]
        Cover at maturity.
    halftime_yr : array_like [years]
        Years to half of max_cover (> 0).
    age : array_like [years]
        Years since establishment (<= 0: not yet established, cover 0).

    Returns
    -------
    ndarray [0-1]
    """
    m, h, t = map(_f, (max_cover, halftime_yr, age))
    t_pos = np.clip(t, 0.0, None)
    return m * -np.expm1(-np.log(2.0) * t_pos / h)


def _col(species: pd.DataFrame, name: str) -> _F:
    return pd.to_numeric(species[name], errors="coerce").to_numpy(dtype=float)


def _flag(species: pd.DataFrame, name: str) -> NDArray[np.bool_]:
    values = species[name]
    if values.dtype == bool:
        return values.to_numpy()
    return values.astype(str).str.strip().str.lower().isin(("true", "1", "yes")).to_numpy()


def growth_stock(species: pd.DataFrame, age: ArrayLike) -> _F:
    """Each species' growth curve at ``age``, in its own basis units, never negative.

    Richards takes its lag ``growth_t0`` itself; the other forms are shifted by ``growth_t0``
    (0 before it); ``power`` is :func:`power_curve`.  ``growth_cap`` (blank = none) caps any form.

    Parameters
    ----------
    species : DataFrame
        Rows of species.csv (columns growth_model, growth_a .. growth_t0, growth_cap).
    age : array_like [years]

    Returns
    -------
    ndarray [basis units: m3/ha, t d.m./ha or t C/ha], shape (n_species, *age.shape)
    """
    age = _f(age)
    expand = (slice(None),) + (None,) * age.ndim
    out = np.zeros((len(species),) + age.shape)
    models = species["growth_model"].astype(str).str.strip().to_numpy()
    params = {p: _col(species, f"growth_{p}")[expand] for p in ("a", "b", "k", "c", "t0")}
    cap = _col(species, "growth_cap")[expand]
    t0 = np.nan_to_num(params["t0"])
    for model in np.unique(models):  # loop over the (at most 7) forms, not over rows
        rows = models == model
        sub = {p: v[rows] for p, v in params.items()}
        if model == "power":
            y = power_curve(age, sub["a"], sub["b"], np.inf, t0[rows])
        elif model == "richards":
            y = growth.evaluate(model, age, sub)
        else:
            shifted = age - t0[rows]
            y = np.where(shifted > 0, growth.evaluate(model, np.clip(shifted, 0.0, None), sub), 0.0)
        y = np.where(np.isnan(cap[rows]), y, np.minimum(y, cap[rows]))
        out[rows] = np.broadcast_to(np.clip(y, 0.0, None), out[rows].shape)
    return out


def species_biomass(
    species: pd.DataFrame, age: ArrayLike, productivity: ArrayLike = 1.0, bef_max: float = BEF_MAX_DEFAULT
) -> dict[str, _F]:
    """Above-ground, below-ground and total living biomass of each species as a full stand.

    Basis ``volume_m3_ha``: BEF (continuous or constant); a continuous BEF with
    ``bef_includes_roots`` gives the total, split above/below by R; otherwise the BEF gives
    above-ground and the total is above (1 + R).  Basis ``biomass_t_ha``: the curve is
    above-ground, total = above (1 + R).  Basis ``carbon_t_ha``: the curve is total living
    carbon, biomass = C / CF, split by R.  ``productivity`` multiplies the stock.

    Parameters
    ----------
    species : DataFrame
        Rows of species.csv.
    age : array_like [years]
        Stand age (years since establishment).
    productivity : array_like [-], optional
        Site multiplier, broadcastable against (n_species, *age.shape).
    bef_max : float [t/m3], optional
        Cap on the apparent continuous BEF, see :func:`bef_continuous`.

    Returns
    -------
    dict with keys ``above``, ``below``, ``total`` -> ndarray [t d.m./ha],
    shape (n_species, *age.shape)
    """
    y = growth_stock(species, age)
    expand = (slice(None),) + (None,) * (y.ndim - 1)
    basis = species["growth_basis"].astype(str).str.strip().to_numpy()[expand]
    method = species["bef_method"].astype(str).str.strip().to_numpy()[expand]
    bef_a, bef_b = _col(species, "bef_a")[expand], _col(species, "bef_b")[expand]
    r = np.nan_to_num(_col(species, "root_shoot"))[expand]
    cf = _col(species, "carbon_fraction")[expand]
    with_roots = _flag(species, "bef_includes_roots")[expand]

    from_bef = np.where(
        method == "continuous",
        bef_continuous(y, np.nan_to_num(bef_a), np.nan_to_num(bef_b), bef_max),
        bef_constant(y, np.nan_to_num(bef_a), np.nan_to_num(bef_b)),
    )
    vol_total = np.where((method == "continuous") & with_roots, from_bef, total_biomass(from_bef, r))
    total = np.select(
        [basis == "volume_m3_ha", basis == "biomass_t_ha", basis == "carbon_t_ha"],
        [vol_total, total_biomass(y, r), y / cf],
        default=np.nan,
    )
    total = total * _f(productivity)
    above = total / (1.0 + r)
    return {"above": above, "below": total - above, "total": total}


def species_carbon(
    species: pd.DataFrame, age: ArrayLike, productivity: ArrayLike = 1.0, bef_max: float = BEF_MAX_DEFAULT
) -> _F:
    """Total living carbon (above + below ground) of each species grown as a full stand.

    C = B_total x CF (see :func:`species_biomass` for B_total by growth basis and BEF method).

    Parameters
    ----------
    species : DataFrame
        Rows of species.csv (n_species rows).
    age : array_like [years]
        Stand age; 1-D years or any shape.
    productivity : array_like [-], optional
        Multiplier of the stock, broadcastable against (n_species, *age.shape).
    bef_max : float [t/m3], optional
        Cap on the apparent continuous BEF, see :func:`bef_continuous`.

    Returns
    -------
    ndarray [t C/ha], shape (n_species, *age.shape)

    References
    ----------
    Reference vegetation.md section 1; IPCC 2006 Vol. 4 Ch. 4 Eq. 4.5-4.7.
    """
    total = species_biomass(species, age, productivity, bef_max)["total"]
    expand = (slice(None),) + (None,) * (total.ndim - 1)
    return carbon(total, _col(species, "carbon_fraction")[expand])


def mix_carbon(
    species_carbon_by_species: ArrayLike, shares: ArrayLike, layers: Sequence[str] | ArrayLike
) -> dict[str, _F]:
    """Area-share weighted living carbon of a mix, per layer.

    C_layer = sum over species s in the layer of share_s x C_s.

    Parameters
    ----------
    species_carbon_by_species : array_like [t C/ha], shape (n_species, ...)
        Full-stand carbon of each species in the mix (e.g. from :func:`species_carbon`).
    shares : array_like [0-1], shape (n_species,) or broadcastable against the carbon array
        Area share of each species (a mix's shares add to <= 1; the rest is bare).
    layers : sequence of str, length n_species
        Layer of each species: tree, shrub or grass.

    Returns
    -------
    dict layer -> ndarray [t C/ha per ha of the mix], shape carbon.shape[1:]; every layer of
    :data:`LAYERS` is present (zeros when the mix has none).

    Raises
    ------
    ValueError
        Unknown layer name or mismatched lengths.
    """
    c = _f(species_carbon_by_species)
    s = _f(shares)
    if s.ndim == 1:
        s = s.reshape((-1,) + (1,) * (c.ndim - 1))
    layer_arr = np.asarray(layers, dtype=str)
    if layer_arr.shape[0] != c.shape[0]:
        raise ValueError(f"{layer_arr.shape[0]} layers for {c.shape[0]} species")
    unknown = sorted(set(layer_arr) - set(LAYERS))
    if unknown:
        raise ValueError(f"unknown layer(s) {unknown} (valid: {', '.join(LAYERS)})")
    weighted = c * s
    return {layer: weighted[layer_arr == layer].sum(axis=0) for layer in LAYERS}
