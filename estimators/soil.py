"""Soil organic carbon of restoration options: IPCC Tier 1, inputs, and RothC trajectories.

* IPCC 2019 Refinement Tier 1 (Vol. 4 Ch. 2 Eq. 2.25): ``ipcc_equilibrium_stock``,
  ``ipcc_stock_trajectory``.
* Stock from concentration, plant litter input, amendment inputs.
* ``soil_carbon_trajectory``: annual 0-30 cm stocks from RothC (``estimators.rothc``) for many
  parcel-options at once, plus a slowly filling 30-100 cm layer.

Conventions of ``soil_carbon_trajectory`` (documented assumptions, see reference soil.md):

* Starting pools from the spoil's measured SOC: IOM is the larger of Falloon et al. (1998)
  ``0.049 SOC^1.139`` and ``SPOIL_INERT_FRACTION`` = 0.5 of it (geogenic carbon of dump
  material, assumption); the rest is old humified carbon, split BIO : HUM at the ratio a HUM pool
  feeding BIO settles to (``bio_hum_ratio``), DPM = RPM = 0.  It then decays slowly (HUM
  k = 0.02 /yr times the modifiers), so there is no jump and no collapse.
* Plant input enters each month in proportion to ``input_month_weights`` (default uniform), split
  DPM : RPM by the mix's ``dpm_rpm``; a year is covered (c = 0.6) or bare (c = 1.0) as a whole.
* Sludge / compost enter as farmyard manure (49 % DPM, 49 % RPM, 2 % HUM) in ``amendment_month``
  (default April) of year 1 (``fym_once``) or of every year (``fym_yearly``).
* Biochar (model studies only; the option table keeps it out of RothC): the permanence fraction
  joins the inert pool, the rest enters RPM in the amendment month.
* Components: the starting stock, plant input and amendments are carried as separate RothC
  components, so carbon of imported origin (manure-like amendments, an imported topsoil's own
  stock) is reported apart from the on-site carbon.
* Saturation: with a cap (the IPCC reference stock of the climate zone), the 0-30 cm gain is
  limited by ``saturating_gain``, on-site carbon first.
* 30-100 cm: the initial stock is the spoil's concentration over 70 cm (homogeneous dump
  material) and is held constant; it gains ``deep_layer``: 0.3 (Shi et al. 2013) of what the
  plant-derived 0-30 cm carbon gains after the soil's first 15 years (none before).

Speed: RothC is linear in carbon for a fixed sequence of modifiers.  Rows are grouped by
(clay rounded to ``clay_resolution``, cover sequence); for each group and year the twelve
monthly matrices are multiplied once into a year map and unit-input responses, and every row is
then advanced a whole year by one 4 x 4 product; a plant input given as shared curves
(``PlantInput``) is propagated once per curve (``estimators.rothcgroups``).
"""

from __future__ import annotations

import logging
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from estimators.rothc import BIO_SHARE, K_PER_YR, co2_ratio, falloon_iom
from estimators.rothcgroups import (
    PlantInput,
    _advance_group,
    _group_maps,
    _group_rows,
    _GroupMaps,
    _plant_response,
    _shape,
)

__all__ = [
    "ipcc_equilibrium_stock",
    "ipcc_stock_trajectory",
    "stock_from_concentration",
    "plant_carbon_input",
    "PlantInput",
    "amendment_inputs",
    "bio_hum_ratio",
    "initial_pools",
    "deep_layer",
    "soil_carbon_trajectory",
    "SoilTrajectory",
    "saturating_gain",
    "DEEP_FRACTION",
    "DEEP_START_YR",
    "SPOIL_INERT_FRACTION",
]

log = logging.getLogger(__name__)

Array = NDArray[np.float64]

#: Mature ratio of the 30-100 cm gain to the 0-30 cm gain from roots and litter [-] (Shi et al.
#: 2013, For. Ecol. Manage. 296:53: 0-100 cm change 1.55 x the 0-20 cm change after afforestation,
#: i.e. about 0.3 x the 0-30 cm gain below 30 cm; reference accounting.md section 3.1).
DEEP_FRACTION = 0.3
#: Years after the works without any deep gain [yr] (reclaimed dumps at 10-15 yr: effects only in
#: 0-20 cm, Li Junchao et al. 2014 Heidaigou; Zhang et al. 2020 Pingshuo).
DEEP_START_YR = 15.0
#: Shape n of ``saturating_gain`` [-] (assumption: keeps gains near-linear far below the reference
#: stock, halves the rate at about 0.6 of the room).
SATURATION_SHAPE = 2.0
#: Share of mine-spoil SOC treated as inert (assumption: dump material carries geogenic coal and
#: shale carbon, Vinduskova & Frouz 2013; with Falloon's IOM alone bare spoil would lose half its
#: carbon in 40 yr under a north-China climate).
SPOIL_INERT_FRACTION = 0.5


def _f(x: ArrayLike) -> Array:
    return np.asarray(x, dtype=float)


def ipcc_equilibrium_stock(soc_ref: ArrayLike, f_lu: ArrayLike = 1.0, f_mg: ArrayLike = 1.0,
                           f_i: ArrayLike = 1.0) -> Array:
    """IPCC Tier 1 equilibrium SOC stock, 0-30 cm.

    ``SOC = SOC_ref F_LU F_MG F_I`` (IPCC 2019 Refinement Vol. 4 Ch. 2 Eq. 2.25).

    Parameters
    ----------
    soc_ref : array_like [t C/ha]
        Reference stock of the climate zone and soil type.
    f_lu, f_mg, f_i : array_like [-]
        Land-use, management and input stock-change factors.

    Returns
    -------
    ndarray [t C/ha]
    """
    return _f(soc_ref) * _f(f_lu) * _f(f_mg) * _f(f_i)


def ipcc_stock_trajectory(soc_start: ArrayLike, soc_eq: ArrayLike, years_since_change: ArrayLike,
                          d_years: ArrayLike = 20.0) -> Array:
    """IPCC Tier 1 stock after a change: linear to the new equilibrium over D years.

    ``SOC(t) = SOC_start + (SOC_eq - SOC_start) min(t / D, 1)``, t >= 0.

    Parameters
    ----------
    soc_start : array_like [t C/ha]
    soc_eq : array_like [t C/ha]
    years_since_change : array_like [yr]
    d_years : array_like [yr]
        Transition period (IPCC default 20).

    Returns
    -------
    ndarray [t C/ha]
    """
    share = np.clip(_f(years_since_change) / _f(d_years), 0.0, 1.0)
    return _f(soc_start) + (_f(soc_eq) - _f(soc_start)) * share


def stock_from_concentration(soc_g_kg: ArrayLike, bulk_density_g_cm3: ArrayLike,
                             depth_cm: ArrayLike) -> Array:
    """SOC stock of a layer from its concentration.

    ``stock = SOC x bulk density x depth x 0.1``

    Parameters
    ----------
    soc_g_kg : array_like [g/kg]
    bulk_density_g_cm3 : array_like [g/cm3]
    depth_cm : array_like [cm]

    Returns
    -------
    ndarray [t C/ha]
    """
    return _f(soc_g_kg) * _f(bulk_density_g_cm3) * _f(depth_cm) * 0.1


def plant_carbon_input(live_carbon_t_ha: ArrayLike, turnover_yr: ArrayLike) -> Array:
    """Carbon returned to the soil by litter and root turnover.

    ``input = living carbon x turnover``

    Parameters
    ----------
    live_carbon_t_ha : array_like [t C/ha]
    turnover_yr : array_like [1/yr]

    Returns
    -------
    ndarray [t C/ha/yr]
    """
    return _f(live_carbon_t_ha) * _f(turnover_yr)


def amendment_inputs(carbon_t_c_ha: ArrayLike, input_pool: ArrayLike,
                     biochar_permanence: ArrayLike = 0.0) -> tuple[Array, Array, Array]:
    """Split an amendment's carbon into RothC inputs.

    ``input_pool`` "fym" (sludge, compost): all of it enters as farmyard manure; "biochar": a
    ``permanence`` fraction is inert, the rest enters RPM; anything else: no carbon.

    Parameters
    ----------
    carbon_t_c_ha : array_like [t C/ha]
    input_pool : array_like of str
    biochar_permanence : array_like [-]

    Returns
    -------
    (fym, biochar, permanence) : ndarrays [t C/ha], [t C/ha], [-]
    """
    c = _f(carbon_t_c_ha)
    pool = np.asarray(input_pool).astype(str)
    fym = np.where(pool == "fym", c, 0.0)
    char = np.where(pool == "biochar", c, 0.0)
    perm = np.where(pool == "biochar", np.clip(_f(biochar_permanence), 0.0, 1.0), 0.0)
    return fym, char, perm


def bio_hum_ratio(clay_pct: ArrayLike) -> Array:
    """BIO : HUM ratio of old humified carbon with no fresh input.

    With HUM feeding BIO at ``0.46 / (x + 1)`` of its decay and BIO recycling the same share of
    its own: ``BIO / HUM = s k_HUM / (k_BIO (1 - s))``, ``s = 0.46 / (x + 1)``.

    Parameters
    ----------
    clay_pct : array_like [%]

    Returns
    -------
    ndarray [-] (about 0.004)
    """
    s = BIO_SHARE / (co2_ratio(clay_pct) + 1.0)
    return s * K_PER_YR[3] / (K_PER_YR[2] * (1.0 - s))


def initial_pools(soc_t_ha: ArrayLike, clay_pct: ArrayLike,
                  inert_fraction: ArrayLike = SPOIL_INERT_FRACTION) -> Array:
    """Starting RothC pools of an existing (mine-spoil) SOC stock.

    ``IOM = max(0.049 SOC^1.139, inert_fraction SOC)`` (Falloon et al. 1998, or the geogenic
    share of dump material, whichever is larger); the rest is split BIO : HUM by
    ``bio_hum_ratio``; DPM = RPM = 0.

    Parameters
    ----------
    soc_t_ha : array_like [t C/ha]
    clay_pct : array_like [%]
    inert_fraction : array_like [-]
        Share of the spoil's carbon that is inert (0 for a natural soil).

    Returns
    -------
    ndarray [t C/ha], shape ``broadcast + (5,)`` (DPM, RPM, BIO, HUM, IOM)
    """
    soc, clay = np.broadcast_arrays(np.maximum(_f(soc_t_ha), 0.0), _f(clay_pct))
    iom = np.minimum(np.maximum(falloon_iom(soc), _f(inert_fraction) * soc), soc)
    ratio = bio_hum_ratio(clay)
    hum = (soc - iom) / (1.0 + ratio)
    zero = np.zeros_like(soc)
    return np.stack([zero, zero, hum * ratio, hum, iom], axis=-1)


def deep_layer(plant_gain: ArrayLike, fraction: ArrayLike = DEEP_FRACTION,
               start_yr: float = DEEP_START_YR) -> Array:
    """Carbon gained in 30-100 cm as a share of the 0-30 cm gain from roots and litter.

    ``G_sub(t) = f max(G_plant(t) - G_plant(t_start), 0)`` for t >= t_start, 0 before: nothing
    detectable below 30 cm in young reclaimed soils (10-15 yr: Li Junchao et al. 2014, Heidaigou;
    Zhang et al. 2020, Pingshuo), then a share f (about 0.3 after afforestation: Shi et al. 2013,
    For. Ecol. Manage. 296:53, reference accounting.md section 3.1) of what the topsoil gains from
    then on.  Surface-applied amendments and biochar do not drive it.

    Parameters
    ----------
    plant_gain : array_like [t C/ha], shape ``(..., Y+1)``
        0-30 cm carbon derived from plant litter and roots since the works, by year (year 0 first).
    fraction : array_like [-]
        Ratio of the 30-100 cm gain to the 0-30 cm gain once the soil is no longer young.
    start_yr : float [yr]
        Years without deep gain.

    Returns
    -------
    ndarray [t C/ha], same shape (the gain, not the stock)
    """
    gain = _f(plant_gain)
    start = int(min(max(np.ceil(start_yr), 0), gain.shape[-1] - 1))
    after = np.maximum(gain - gain[..., start:start + 1], 0.0)
    after[..., :start] = 0.0
    frac = _f(fraction)
    return (frac[..., None] if frac.ndim else frac) * after


def saturating_gain(gain: ArrayLike, capacity: ArrayLike, shape: float = SATURATION_SHAPE) -> Array:
    """A stock gain limited by the room left below a saturation stock.

    ``G' = G / (1 + (G / D)^n)^(1/n)`` for G > 0 (losses pass unchanged), D the capacity (room
    between the starting stock and the reference stock, ``D <= 0``: no gain at all).  G' < D
    always, G' ~ G while G << D, and the rate of gain falls as the stock nears the reference:
    chronosequences of reclaimed and afforested soils level off after 15-30 yr (reference
    accounting.md section 4) and the IPCC reference stock of the climate zone is where the
    Tier 1 method puts undisturbed native soil.

    Parameters
    ----------
    gain : array_like [t C/ha]
    capacity : array_like [t C/ha]
    shape : float [-]
        n; larger keeps the gain linear for longer (2, assumption).

    Returns
    -------
    ndarray [t C/ha]
    """
    g, d = np.broadcast_arrays(_f(gain), _f(capacity))
    room = np.maximum(d, 0.0)
    ratio = np.divide(np.maximum(g, 0.0), room, out=np.full(g.shape, np.inf), where=room > 0)
    with np.errstate(over="ignore"):
        damped = np.where(room > 0, np.maximum(g, 0.0) / (1.0 + ratio**shape) ** (1.0 / shape), 0.0)
    return np.where(g > 0, damped, g)


class SoilTrajectory(NamedTuple):
    """Year-end SOC stocks of ``soil_carbon_trajectory`` [t C/ha], shape ``(n, Y+1)``.

    ``topsoil`` is the whole 0-30 cm stock, ``imported`` the part of it that came in with
    manure-like amendments or an imported topsoil (its own RothC component), so
    ``topsoil - imported`` is the on-site carbon; ``stable`` is the on-site HUM + IOM;
    ``plant`` the on-site carbon derived from litter and roots since the works.
    """

    topsoil: Array  # 0-30 cm (or depth_cm), year 0 = initial
    subsoil: Array  # 30-100 cm
    imported: Array | None = None  # 0-30 cm carbon of imported origin
    stable: Array | None = None  # on-site HUM + IOM, 0-30 cm
    plant: Array | None = None  # on-site plant-derived carbon, 0-30 cm


def soil_carbon_trajectory(soc0_t_ha: ArrayLike, clay_pct: ArrayLike, plant_input: "ArrayLike | PlantInput",
                           dpm_rpm: ArrayLike, fym_once: ArrayLike, biochar_once: ArrayLike,
                           biochar_permanence: ArrayLike, covered: ArrayLike, tmp_c: ArrayLike,
                           rain_mm: ArrayLike, evap_mm: ArrayLike, depth_cm: float = 30.0, *,
                           fym_yearly: ArrayLike | None = None,
                           subsoil0_t_ha: ArrayLike | None = None,
                           input_month_weights: ArrayLike | None = None,
                           amendment_month: int = 4, clay_resolution: float = 1.0,
                           deep_fraction: ArrayLike = DEEP_FRACTION,
                           deep_start_yr: float = DEEP_START_YR,
                           inert_fraction: ArrayLike = SPOIL_INERT_FRACTION,
                           initial_imported: ArrayLike = False,
                           soc_cap_t_ha: ArrayLike = np.inf,
                           years: ArrayLike | None = None,
                           rate_multiplier: float = 1.0) -> SoilTrajectory:
    """Annual SOC stocks of n parcel-options under one region's climate, by RothC.

    RothC runs on three components at once - the starting stock, plant litter and roots, and
    amendments (manure-like inputs and biochar's decomposable part) - which it carries
    independently (it is linear in carbon for given rate modifiers), so the carbon of imported
    origin is tracked as its own component.  With a finite ``soc_cap_t_ha`` the 0-30 cm gain over
    the starting stock is limited by ``saturating_gain`` (on-site carbon first, so the on-site
    stock never depends on what was imported).

    Parameters
    ----------
    soc0_t_ha : array_like [t C/ha], shape ``(n,)``
        Initial 0-``depth_cm`` stock (``stock_from_concentration``).
    clay_pct : array_like [%], ``(n,)``
    plant_input : array_like [t C/ha/yr], ``(n, Y)``, or PlantInput
        Litter and root carbon entering the soil in each year (a ``PlantInput`` gives it as
        combinations of shared curves, which RothC then propagates once per curve).
    dpm_rpm : array_like [-], ``(n,)``
    fym_once : array_like [t C/ha], ``(n,)``
        Sludge / compost carbon applied once in year 1.
    biochar_once : array_like [t C/ha], ``(n,)``
        Biochar carbon routed through RothC (the option table keeps biochar out of RothC and
        passes 0; kept for model studies).
    biochar_permanence : array_like [-], ``(n,)``
    covered : array_like [bool], ``(n, Y)``
        Plant cover in each year.
    tmp_c, rain_mm, evap_mm : array_like, ``(12,)`` [C], [mm], [mm]
        Monthly climate normals of the region (open-pan evaporation).
    depth_cm : float [cm]
    fym_yearly : array_like [t C/ha/yr], ``(n, Y)``, optional
        Manure-like carbon applied every year (in ``amendment_month``).
    subsoil0_t_ha : array_like [t C/ha], ``(n,)``, optional
        Initial 30-100 cm stock (default ``soc0 * (100 - depth) / depth``).
    input_month_weights : array_like, ``(12,)``, optional
        Share of each year's plant input per month (default 1/12 each).
    amendment_month : int
        Month (1-12) amendments are applied.
    clay_resolution : float [%]
        Clay is rounded to this step to share year maps between rows.
    deep_fraction, deep_start_yr : see ``deep_layer``.
    inert_fraction : array_like [-], see ``initial_pools``.
    initial_imported : array_like [bool], ``(n,)``
        The starting 0-30 cm stock was brought in (imported topsoil): it counts as imported.
    soc_cap_t_ha : array_like [t C/ha], ``(n,)``
        Saturation stock of 0-30 cm (the IPCC reference stock of the climate zone); inf = none.
    years : array_like of int, optional
        Years since the start (0..Y, ascending) to return; default all (saves memory when a
        plan needs only a few).
    rate_multiplier : float [-]
        Scales the four RothC rate constants together (1 = published; equivalent to scaling the
        monthly rate modifier, so BIO/HUM partitioning of the start is unchanged).

    Returns
    -------
    SoilTrajectory
        ``topsoil``, ``subsoil``, ``imported``, ``stable`` and ``plant`` [t C/ha], shape
        ``(n, K)`` for the K years asked (``(n, Y+1)`` by default, year 0 the start).
    """
    cov = np.atleast_2d(np.asarray(covered, dtype=bool))
    factored = plant_input if isinstance(plant_input, PlantInput) else None
    plant = None if factored is not None else np.atleast_2d(_f(plant_input))
    n, n_years = np.broadcast_shapes(cov.shape, plant.shape if plant is not None else _shape(factored))
    cov = np.broadcast_to(cov, (n, n_years))
    plant = np.broadcast_to(plant, (n, n_years)) if plant is not None else None
    soc0, clay, ratio, fym1, char, perm, cap = (np.broadcast_to(_f(a), (n,)) for a in (
        soc0_t_ha, clay_pct, dpm_rpm, fym_once, biochar_once, biochar_permanence, soc_cap_t_ha))
    imported0 = np.broadcast_to(np.asarray(initial_imported, dtype=bool), (n,))
    fym_y = None if fym_yearly is None else np.broadcast_to(_f(fym_yearly), (n, n_years))
    weights = np.full(12, 1.0 / 12.0) if input_month_weights is None else _f(input_month_weights)
    weights = weights / weights.sum()
    g_clay, g_cov, group = _group_rows(clay, cov, clay_resolution)
    maps = _group_maps(g_clay, g_cov, _f(tmp_c), _f(rain_mm), _f(evap_mm), depth_cm, weights,
                       amendment_month, rate_multiplier)
    log.debug("soil_carbon_trajectory: %d rows in %d groups, %d years", n, len(g_clay), n_years)
    pools = initial_pools(soc0, clay, inert_fraction)
    frac = (ratio / (ratio + 1.0))[:, None]
    wanted = np.arange(n_years + 1) if years is None else np.asarray(years, dtype=np.intp)
    start_yr = int(min(max(np.ceil(deep_start_yr), 0), n_years))
    kept = np.union1d(np.union1d(wanted, [0]), [start_yr])  # year 0 and the deep layer's start too
    slot = np.full(n_years, -1, dtype=np.intp)
    inner = kept[kept > 0]
    slot[inner - 1] = np.arange(1, len(kept))
    comp = np.zeros((n, len(kept), 3, 2))  # component x (active, HUM)
    comp[:, 0, 0, 0] = pools[:, :4].sum(axis=1)
    comp[:, 0, 0, 1] = pools[:, 3]
    state = np.zeros((n, 3, 4))
    state[:, 0] = pools[:, :4]
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(len(g_clay) + 1))
    for g in range(len(g_clay)):
        rows = order[bounds[g]:bounds[g + 1]]
        group_maps = _GroupMaps(*(m[g] for m in maps))
        to_dpm, to_rpm = (None, None) if plant is None else (plant[rows] * frac[rows], plant[rows] * (1.0 - frac[rows]))
        comp[rows, 1:] = _advance_group(state[rows], to_dpm, to_rpm, None if fym_y is None else fym_y[rows],
                                        fym1[rows], (char * (1.0 - perm))[rows], group_maps, slot)[:, 1:]
        if factored is not None:
            comp[rows, 1:, 1] = _plant_response(factored, rows, frac[rows, 0], group_maps, slot)[:, 1:]
    full = _assemble_soil(comp, pools[:, 4], char * perm, imported0, cap, soc0, depth_cm, subsoil0_t_ha,
                          deep_fraction, kept, start_yr)
    pick = np.searchsorted(kept, wanted)
    assert full.imported is not None and full.stable is not None and full.plant is not None
    return SoilTrajectory(full.topsoil[:, pick], full.subsoil[:, pick], full.imported[:, pick],
                          full.stable[:, pick], full.plant[:, pick])


def _assemble_soil(comp: Array, iom: Array, inert_char: Array, imported0: NDArray[np.bool_], cap: Array,
                   soc0: Array, depth_cm: float, subsoil0: ArrayLike | None, deep_fraction: ArrayLike,
                   kept: NDArray[np.intp], start_yr: int) -> SoilTrajectory:
    """Stocks from the RothC components: split on-site / imported, saturate, add the deep layer."""
    n = comp.shape[0]
    start = comp[:, :, 0, 0] + iom[:, None]  # starting stock incl. its inert carbon
    start_imported = np.where(imported0[:, None], start, 0.0)
    imported = start_imported + comp[:, :, 2, 0]
    imported[:, 1:] += inert_char[:, None]
    on_site = start - start_imported + comp[:, :, 1, 0]
    total0 = on_site[:, :1] + imported[:, :1]
    room = cap[:, None] - total0
    g_on = saturating_gain(on_site - on_site[:, :1], room)
    g_all = saturating_gain(on_site + imported - total0, room)
    on_site = on_site[:, :1] + g_on
    imported = imported[:, :1] + (g_all - g_on)
    raw_plant = comp[:, :, 1, 0]
    raw_on = comp[:, :, 1, 0] + comp[:, :, 0, 0] - comp[:, :1, 0, 0]
    damp = np.divide(g_on, raw_on, out=np.ones_like(g_on), where=(raw_on > 0) & (g_on > 0))
    plant = raw_plant * np.clip(damp, 0.0, 1.0)
    stable = np.where(imported0[:, None], 0.0, comp[:, :, 0, 1] + iom[:, None]) + comp[:, :, 1, 1] * np.clip(damp, 0, 1)
    sub0 = soc0 * (100.0 - depth_cm) / depth_cm if subsoil0 is None else np.broadcast_to(_f(subsoil0), (n,))
    frac = _f(deep_fraction)
    after = np.maximum(plant - plant[:, np.searchsorted(kept, start_yr), None], 0.0) * (kept >= start_yr)
    sub = sub0[:, None] + (frac[:, None] if frac.ndim else frac) * after  # deep_layer on the kept years
    return SoilTrajectory(on_site + imported, sub, imported, stable, plant)
