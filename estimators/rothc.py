"""RothC, the Rothamsted carbon model (monthly step), vectorised over many rows at once.

Source: Coleman, Prout & Milne, *RothC - A model for the turnover of carbon in soil, Model
description* (Rothamsted Research, February 2024) and its official Python release
(Rothamsted-Models/RothC_Py, Apache-2.0); equations as in reference soil.md section 2.

State of one row: five pools [t C/ha] in the order ``POOLS`` = DPM, RPM, BIO, HUM, IOM, plus the
topsoil moisture deficit TSMD [mm, <= 0].  Each month, in this order:

1. rate modifier ``r = a(T) * b(TSMD) * c(cover)`` (TSMD updated first with the month's weather);
2. each active pool decays ``Y -> Y exp(-r k / 12)``, k = 10, 0.3, 0.66, 0.02 [1/yr];
3. the decomposed carbon goes ``x : 1`` to CO2 and BIO + HUM (46 % BIO, 54 % HUM);
4. the month's plant input is added DPM : RPM = ``dpm_rpm : 1`` and manure 49 % DPM, 49 % RPM,
   2 % HUM (inputs are not decomposed in the month they arrive).

For a fixed sequence of modifiers the carbon update is linear, ``pools' = A(r, x) pools + u``,
so a year is an affine map made of twelve 4 x 4 matrices.  ``year_propagators`` builds those
products once (per climate and cover sequence) so that callers can advance thousands of rows by
whole years with one small matrix product each - the spin-up and ``estimators.soil`` use this.

Radiocarbon follows RothC_Py's bookkeeping: each pool carries a 14C "activity" R (carbon times
exp(-lambda age)); R follows the same linear map as carbon, multiplied by exp(-lambda/12) each
month (lambda = ln 2 / 5568 [1/yr]), with new inputs entering at ``modern`` % / 100; IOM has a fixed
age of 50 000 yr.  ``delta14C = 1000 (exp(-age / 8035) - 1)`` with the age of total SOC
``age = ln(SOC / R_total) / lambda``.
"""

from __future__ import annotations

import logging
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "POOLS",
    "K_PER_YR",
    "FYM_SPLIT",
    "temperature_factor",
    "tsmd_limits",
    "tsmd_update",
    "moisture_factor",
    "cover_factor",
    "co2_ratio",
    "falloon_iom",
    "input_vectors",
    "rothc_rate_modifiers",
    "monthly_matrices",
    "year_propagators",
    "rothc_step",
    "rothc_run",
    "rothc_simulate",
    "rothc_spin_up",
    "delta14c",
    "RothCRun",
    "SpinUp",
]

log = logging.getLogger(__name__)

Array = NDArray[np.float64]

#: Pool order of every ``(..., 5)`` array.
POOLS: tuple[str, ...] = ("DPM", "RPM", "BIO", "HUM", "IOM")
#: Decay rate constants of DPM, RPM, BIO, HUM [1/yr].
K_PER_YR: Array = np.array([10.0, 0.3, 0.66, 0.02])
#: Farmyard-manure partition into DPM, RPM, BIO, HUM [-].
FYM_SPLIT: Array = np.array([0.49, 0.49, 0.0, 0.02])
BIO_SHARE = 0.46
C14_LAMBDA = np.log(2.0) / 5568.0  # [1/yr], half-life 5568 yr
IOM_AGE_YR = 50000.0
DELTA_MEAN_LIFE_YR = 8035.0
MONTH = 1.0 / 12.0  # [yr]


def _f(x: ArrayLike) -> Array:
    return np.asarray(x, dtype=float)


def temperature_factor(tmp_c: ArrayLike) -> Array:
    """Temperature rate modifier ``a``.

    ``a = 47.91 / (1 + exp(106.06 / (T + 18.27)))``, and ``a = 0`` below -5 C.

    Parameters
    ----------
    tmp_c : array_like [C]
        Monthly mean air temperature.

    Returns
    -------
    ndarray [-]
        ``a`` (about 1 at 10 C, 4.6 at 40 C).
    """
    t = _f(tmp_c)
    safe = np.where(t < -5.0, 0.0, t)
    a = 47.91 / (1.0 + np.exp(106.06 / (safe + 18.27)))
    return np.where(t < -5.0, 0.0, a)


def tsmd_limits(clay_pct: ArrayLike, depth_cm: ArrayLike) -> tuple[Array, Array, Array]:
    """Maximum, 1-bar and bare-soil topsoil moisture deficits [mm, negative].

    ``max = -(20 + 1.3 clay - 0.01 clay^2) depth / 23``; ``1-bar = 0.444 max``;
    ``bare = 0.556 max``.

    Parameters
    ----------
    clay_pct : array_like [%]
    depth_cm : array_like [cm]
        Depth of the modelled topsoil layer.

    Returns
    -------
    (max_tsmd, one_bar, bare_limit) : ndarrays [mm]
    """
    clay = _f(clay_pct)
    smax = -(20.0 + 1.3 * clay - 0.01 * clay * clay) * _f(depth_cm) / 23.0
    return smax, 0.444 * smax, 0.556 * smax


def tsmd_update(tsmd: ArrayLike, rain_mm: ArrayLike, evap_mm: ArrayLike, covered: ArrayLike,
                clay_pct: ArrayLike, depth_cm: ArrayLike) -> Array:
    """One month of the topsoil moisture deficit.

    ``d = min(0, tsmd + rain - 0.75 evap)``; covered soil: ``max(max_tsmd, d)``; bare soil:
    ``max(min(bare_limit, tsmd), d)`` (a bare soil already drier than its limit stays there).

    Parameters
    ----------
    tsmd : array_like [mm]
        Deficit at the end of the previous month (<= 0).
    rain_mm, evap_mm : array_like [mm]
        Monthly rainfall and open-pan evaporation.
    covered : array_like [bool]
        Plant cover in the month.
    clay_pct : array_like [%]
    depth_cm : array_like [cm]

    Returns
    -------
    ndarray [mm]
    """
    smax, _, bare = tsmd_limits(clay_pct, depth_cm)
    old = _f(tsmd)
    wet = np.minimum(0.0, old + _f(rain_mm) - 0.75 * _f(evap_mm))
    floor = np.where(np.asarray(covered, dtype=bool), smax, np.minimum(bare, old))
    return np.maximum(floor, wet)


def moisture_factor(tsmd: ArrayLike, clay_pct: ArrayLike, depth_cm: ArrayLike) -> Array:
    """Moisture rate modifier ``b`` from the deficit.

    ``b = 1`` while ``tsmd > 1-bar``, else ``b = 0.2 + 0.8 (max - tsmd) / (max - 1-bar)``.

    Parameters
    ----------
    tsmd : array_like [mm]
    clay_pct : array_like [%]
    depth_cm : array_like [cm]

    Returns
    -------
    ndarray [-] in [0.2, 1]
    """
    smax, one_bar, _ = tsmd_limits(clay_pct, depth_cm)
    d = _f(tsmd)
    dry = 0.2 + 0.8 * (smax - d) / (smax - one_bar)
    return np.where(d > one_bar, 1.0, dry)


def cover_factor(covered: ArrayLike) -> Array:
    """Plant-cover rate modifier ``c``: 0.6 when vegetated, 1.0 when bare [-]."""
    return np.where(np.asarray(covered, dtype=bool), 0.6, 1.0)


def co2_ratio(clay_pct: ArrayLike) -> Array:
    """Ratio ``x`` of CO2 to (BIO + HUM) formed: ``x = 1.67 (1.85 + 1.60 exp(-0.0786 clay))``.

    Parameters
    ----------
    clay_pct : array_like [%]

    Returns
    -------
    ndarray [-] (3.51 at 23.4 % clay, the Hoosfield example)
    """
    return 1.67 * (1.85 + 1.60 * np.exp(-0.0786 * _f(clay_pct)))


def falloon_iom(toc_t_ha: ArrayLike) -> Array:
    """Inert organic matter from total organic carbon (Falloon et al. 1998).

    ``IOM = 0.049 TOC^1.139``.

    Parameters
    ----------
    toc_t_ha : array_like [t C/ha]

    Returns
    -------
    ndarray [t C/ha]
    """
    return 0.049 * np.power(np.maximum(_f(toc_t_ha), 0.0), 1.139)


def input_vectors(c_inp: ArrayLike, fym: ArrayLike, dpm_rpm: ArrayLike) -> Array:
    """Carbon added to DPM, RPM, BIO, HUM by plant input and manure in one month.

    Plant input: DPM = ``dpm_rpm / (dpm_rpm + 1) c_inp``, RPM = ``c_inp / (dpm_rpm + 1)``;
    manure (FYM): 49 % DPM, 49 % RPM, 2 % HUM.

    Parameters
    ----------
    c_inp : array_like [t C/ha]
    fym : array_like [t C/ha]
    dpm_rpm : array_like [-]

    Returns
    -------
    ndarray [t C/ha], shape ``broadcast + (4,)``
    """
    c, m, ratio = np.broadcast_arrays(_f(c_inp), _f(fym), _f(dpm_rpm))
    plant = np.stack([ratio / (ratio + 1.0) * c, c / (ratio + 1.0),
                      np.zeros_like(c), np.zeros_like(c)], axis=-1)
    return plant + m[..., None] * FYM_SPLIT


def rothc_rate_modifiers(clay_pct: ArrayLike, depth_cm: ArrayLike, tmp_c: ArrayLike,
                         rain_mm: ArrayLike, evap_mm: ArrayLike, covered: ArrayLike,
                         tsmd0: ArrayLike = 0.0) -> tuple[Array, Array]:
    """Monthly combined rate modifier ``a * b * c`` along a sequence of months.

    Parameters
    ----------
    clay_pct, depth_cm, tsmd0 : array_like, shape ``(n,)`` or scalar [%], [cm], [mm]
    tmp_c, rain_mm, evap_mm, covered : array_like, shape ``(T,)`` (shared) or ``(n, T)``
        Monthly temperature [C], rain [mm], open-pan evaporation [mm], plant cover [bool].

    Returns
    -------
    rate : ndarray [-], shape ``(n, T)`` (or ``(T,)`` when everything is shared)
    tsmd : ndarray [mm], the deficit at the end of each month, same shape
    """
    clay = _f(clay_pct)[..., None]
    depth = _f(depth_cm)[..., None]
    tmp, rain, evap, cov, clay, depth, d0 = np.broadcast_arrays(
        _f(tmp_c), _f(rain_mm), _f(evap_mm), np.asarray(covered, dtype=bool), clay, depth,
        _f(tsmd0)[..., None])
    tsmd = np.empty(tmp.shape)
    state = d0[..., 0]
    for t in range(tmp.shape[-1]):
        state = tsmd_update(state, rain[..., t], evap[..., t], cov[..., t], clay[..., t], depth[..., t])
        tsmd[..., t] = state
    rate = temperature_factor(tmp) * moisture_factor(tsmd, clay, depth) * cover_factor(cov)
    return rate, tsmd


def monthly_matrices(rate: ArrayLike, clay_pct: ArrayLike) -> Array:
    """The linear carbon map of one month, ``active' = A active`` (before inputs).

    ``A = diag(e) + s (1 - e)^T`` with ``e = exp(-rate k / 12)`` and
    ``s = (0, 0, 0.46, 0.54) / (x + 1)``.

    Parameters
    ----------
    rate : array_like [-], any shape S
        Combined modifier a*b*c of each month.
    clay_pct : array_like [%], broadcastable to S

    Returns
    -------
    ndarray, shape ``S + (4, 4)``
    """
    r, clay = np.broadcast_arrays(_f(rate), _f(clay_pct))
    e = np.exp(-r[..., None] * K_PER_YR * MONTH)
    share = 1.0 / (co2_ratio(clay) + 1.0)
    a = np.zeros(r.shape + (4, 4))
    idx = np.arange(4)
    a[..., idx, idx] = e
    a[..., 2, :] += (BIO_SHARE * share)[..., None] * (1.0 - e)
    a[..., 3, :] += ((1.0 - BIO_SHARE) * share)[..., None] * (1.0 - e)
    return a


def year_propagators(matrices: ArrayLike) -> Array:
    """Products of a year's twelve monthly matrices.

    ``P[m] = A_12 ... A_(m+1)`` carries carbon added at the end of month m (1..12) to the end of
    the year; ``P[0]`` is the whole year's map and ``P[12]`` the identity.

    Parameters
    ----------
    matrices : array_like, shape ``S + (12, 4, 4)``

    Returns
    -------
    ndarray, shape ``S + (13, 4, 4)``
    """
    a = _f(matrices)
    out = np.empty(a.shape[:-3] + (13, 4, 4))
    out[..., 12, :, :] = np.eye(4)
    for m in range(11, -1, -1):
        out[..., m, :, :] = out[..., m + 1, :, :] @ a[..., m, :, :]
    return out


def _advance(active: Array, rate: Array, clay: Array) -> Array:
    """Decay and partition of the active pools (no inputs), shape ``(..., 4)``."""
    e = np.exp(-rate[..., None] * K_PER_YR * MONTH)
    decayed = (active * (1.0 - e)).sum(axis=-1)
    share = decayed / (co2_ratio(clay) + 1.0)
    out = active * e
    out[..., 2] += BIO_SHARE * share
    out[..., 3] += (1.0 - BIO_SHARE) * share
    return out


def rothc_step(pools: ArrayLike, rate: ArrayLike, clay_pct: ArrayLike, c_inp: ArrayLike = 0.0,
               fym: ArrayLike = 0.0, dpm_rpm: ArrayLike = 1.44) -> Array:
    """Advance the pools by one month for a known rate modifier.

    Parameters
    ----------
    pools : array_like [t C/ha], shape ``(..., 5)`` (DPM, RPM, BIO, HUM, IOM)
    rate : array_like [-], shape ``(...)``
        Combined modifier a*b*c of the month.
    clay_pct : array_like [%]
    c_inp, fym : array_like [t C/ha]
        Plant and manure carbon added this month.
    dpm_rpm : array_like [-]

    Returns
    -------
    ndarray [t C/ha], shape ``(..., 5)``

    Examples
    --------
    Hoosfield month of the model description (a*b*c = 0.3561, x = 3.51):

    >>> p = rothc_step([0.1533, 4.4852, 0.6671, 25.8576, 2.7], 0.3561, 23.4)
    >>> np.round(p[:4], 4).tolist()
    [0.1139, 4.4454, 0.6651, 25.8551]

    (the description prints 0.1140, 4.4455, 0.6651, 25.8551: its a*b*c is rounded)
    """
    p = _f(pools)
    active = _advance(p[..., :4], _f(rate), _f(clay_pct)) + input_vectors(c_inp, fym, dpm_rpm)
    iom = np.broadcast_to(p[..., 4:5], active.shape[:-1] + (1,))
    return np.concatenate([active, iom], axis=-1)


class RothCRun(NamedTuple):
    """Monthly results of ``rothc_simulate``."""

    pools: Array  # (n, T, 5) [t C/ha], end of each month
    delta14c: Array  # (n, T) [per mil], nan without radiocarbon
    tsmd: Array  # (n,) [mm], deficit after the last month
    activity: Array  # (n, 4) 14C activity of the active pools after the last month


class SpinUp(NamedTuple):
    """Equilibrium state reached by ``rothc_spin_up``."""

    pools: Array  # (n, 5) [t C/ha]
    activity: Array  # (n, 4) 14C activity of DPM, RPM, BIO, HUM
    tsmd: Array  # (n,) [mm]
    months: Array  # (n,) int, months run
    delta14c: Array  # (n,) [per mil]


def delta14c(active: ArrayLike, activity: ArrayLike, iom: ArrayLike) -> Array:
    """Radiocarbon delta14C of total SOC [per mil].

    ``age = ln(SOC / R_total) / lambda``, ``delta14C = 1000 (exp(-age / 8035) - 1)``, where IOM
    contributes ``IOM exp(-lambda 50000)`` to ``R_total``.

    Parameters
    ----------
    active : array_like [t C/ha], shape ``(..., 4)``
    activity : array_like [t C/ha modern-equivalent], shape ``(..., 4)``
    iom : array_like [t C/ha], shape ``(...)``
    """
    iom = _f(iom)
    soc = _f(active).sum(axis=-1) + iom
    ract = _f(activity).sum(axis=-1) + iom * np.exp(-C14_LAMBDA * IOM_AGE_YR)
    with np.errstate(divide="ignore", invalid="ignore"):
        age = np.where(soc > 0.0, np.log(soc / ract) / C14_LAMBDA, 0.0)
    return 1000.0 * (np.exp(-age / DELTA_MEAN_LIFE_YR) - 1.0)


def _rows(per_row: list[ArrayLike], *arrays: ArrayLike) -> list[Array]:
    """Broadcast monthly inputs to ``(n, T)``, n also covering the per-row arguments."""
    out = np.broadcast_arrays(*[np.atleast_2d(_f(a)) for a in arrays])
    n = np.broadcast_shapes(out[0].shape[:1], *[np.shape(a)[:1] for a in per_row])[0]
    return [np.ascontiguousarray(np.broadcast_to(a, (n, a.shape[1]))) for a in out]


def rothc_simulate(clay_pct: ArrayLike, depth_cm: ArrayLike, iom: ArrayLike, tmp_c: ArrayLike,
                   rain_mm: ArrayLike, evap_mm: ArrayLike, c_inp: ArrayLike, fym: ArrayLike,
                   covered: ArrayLike, dpm_rpm: ArrayLike, pools0: ArrayLike | None = None,
                   tsmd0: ArrayLike = 0.0, modern: ArrayLike | None = None,
                   activity0: ArrayLike | None = None) -> RothCRun:
    """Run RothC month by month for n rows, optionally with radiocarbon.

    Parameters
    ----------
    clay_pct, depth_cm, iom, tsmd0 : array_like, shape ``(n,)`` or scalar [%], [cm], [t C/ha], [mm]
    tmp_c, rain_mm, evap_mm, c_inp, fym, covered, dpm_rpm : array_like, ``(T,)`` or ``(n, T)``
        Monthly temperature [C], rain [mm], open-pan evaporation [mm], plant input [t C/ha],
        manure [t C/ha], plant cover [bool] and DPM/RPM ratio [-].
    pools0 : array_like [t C/ha], shape ``(n, 4)`` or ``(n, 5)``, optional
        Starting active pools (IOM, if given, is ignored in favour of ``iom``); default zero.
    modern : array_like [% modern], ``(T,)`` or ``(n, T)``, optional
        14C content of new inputs; None skips the radiocarbon bookkeeping.
    activity0 : array_like, shape ``(n, 4)``, optional
        Starting 14C activity of the active pools (default: equal to ``pools0``, i.e. age 0).

    Returns
    -------
    RothCRun
    """
    starts: list[ArrayLike] = [] if pools0 is None else [np.atleast_2d(_f(pools0))[:, 0]]
    tmp, rain, evap, c, m, cov, ratio = _rows([clay_pct, depth_cm, iom, tsmd0] + starts, tmp_c,
                                              rain_mm, evap_mm, c_inp, fym, covered, dpm_rpm)
    n, months = tmp.shape
    clay = np.broadcast_to(_f(clay_pct), (n,))
    depth = np.broadcast_to(_f(depth_cm), (n,))
    iom_n = np.broadcast_to(_f(iom), (n,))
    rate, tsmd = rothc_rate_modifiers(clay, depth, tmp, rain, evap, cov.astype(bool),
                                      np.broadcast_to(_f(tsmd0), (n,)))
    active = np.zeros((n, 4)) if pools0 is None else np.array(np.broadcast_to(_f(pools0)[..., :4], (n, 4)))
    added = input_vectors(c, m, ratio)
    track = modern is not None
    if modern is not None:
        mod = np.broadcast_to(np.atleast_2d(_f(modern)), (n, months)) / 100.0
        act = active.copy() if activity0 is None else np.array(np.broadcast_to(_f(activity0), (n, 4)))
        decay = np.exp(-C14_LAMBDA * MONTH)
    out = np.empty((n, months, 5))
    out[:, :, 4] = iom_n[:, None]
    delta = np.full((n, months), np.nan)
    for t in range(months):
        active = _advance(active, rate[:, t], clay) + added[:, t]
        out[:, t, :4] = active
        if track:
            act = decay * _advance(act, rate[:, t], clay) + mod[:, t, None] * added[:, t]
            delta[:, t] = delta14c(active, act, iom_n)
    final_act = act if track else np.full((n, 4), np.nan)
    return RothCRun(out, delta, tsmd[:, -1].copy(), final_act)


def rothc_run(clay_pct: ArrayLike, depth_cm: ArrayLike, iom: ArrayLike, tmp_c: ArrayLike,
              rain_mm: ArrayLike, evap_mm: ArrayLike, c_inp: ArrayLike, fym: ArrayLike,
              covered: ArrayLike, dpm_rpm: ArrayLike, pools0: ArrayLike | None = None,
              tsmd0: ArrayLike = 0.0) -> Array:
    """Run RothC month by month and return the pools [t C/ha], shape ``(n, T, 5)``.

    Arguments as in ``rothc_simulate`` (without radiocarbon).
    """
    return rothc_simulate(clay_pct, depth_cm, iom, tmp_c, rain_mm, evap_mm, c_inp, fym, covered,
                          dpm_rpm, pools0=pools0, tsmd0=tsmd0).pools


def _tsmd_cycle(clay: Array, depth: Array, tmp: Array, rain: Array, evap: Array, cov: Array,
                tsmd0: Array, max_years: int = 50) -> tuple[list[Array], list[Array]]:
    """Rates of the repeated 12-month climate until the January deficit repeats exactly.

    Returns the rate arrays (n, 12) of years 1..k and the start-of-year deficits of years 1..k+1;
    year k's rates are used for every later year.
    """
    starts, rates = [tsmd0], []
    for _ in range(max_years):
        rate, tsmd = rothc_rate_modifiers(clay, depth, tmp, rain, evap, cov, starts[-1])
        rates.append(rate)
        starts.append(tsmd[:, -1])
        if np.array_equal(starts[-1], starts[-2]):
            break
    return rates, starts


def rothc_spin_up(clay_pct: ArrayLike, depth_cm: ArrayLike, iom: ArrayLike, tmp_c: ArrayLike,
                  rain_mm: ArrayLike, evap_mm: ArrayLike, c_inp: ArrayLike, fym: ArrayLike,
                  covered: ArrayLike, dpm_rpm: ArrayLike, modern: ArrayLike = 100.0,
                  tol: float = 1e-6, max_years: int = 100_000, tsmd0: ArrayLike = 0.0) -> SpinUp:
    """Run a 12-month cycle from empty pools to equilibrium, as the published RothC run does.

    Starting from zero active pools and ``tsmd0``, the same 12 months are repeated until the total
    active carbon at the end of a year differs from the previous year's by at most ``tol``.
    Each year is applied as one affine map built from the twelve monthly matrices (identical to
    stepping month by month up to rounding).

    Parameters
    ----------
    clay_pct, depth_cm, iom : array_like, shape ``(n,)`` or scalar [%], [cm], [t C/ha]
    tmp_c, rain_mm, evap_mm, c_inp, fym, covered, dpm_rpm, modern : array_like, ``(12,)`` or ``(n, 12)``
        The cycle's monthly records (units as in ``rothc_simulate``; modern [% modern]).
    tol : float [t C/ha]
    max_years : int
        Give up (with a logged warning) after this many years.

    Returns
    -------
    SpinUp
        The equilibrium (official example: SOC 37.21105 t C/ha after 19 872 months).
    """
    tmp, rain, evap, c, m, cov, ratio, mod = _rows([clay_pct, depth_cm, iom, tsmd0], tmp_c, rain_mm,
                                                   evap_mm, c_inp, fym, covered, dpm_rpm, modern)
    n = tmp.shape[0]
    clay = np.broadcast_to(_f(clay_pct), (n,)).astype(float)
    depth = np.broadcast_to(_f(depth_cm), (n,))
    iom_n = np.broadcast_to(_f(iom), (n,))
    rates, starts = _tsmd_cycle(clay, depth, tmp, rain, evap, cov.astype(bool),
                                np.broadcast_to(_f(tsmd0), (n,)).astype(float))
    added = input_vectors(c, m, ratio)  # (n, 12, 4)
    back = np.exp(-C14_LAMBDA * MONTH) ** np.arange(12, -1, -1)  # months left to year end
    maps = []
    for rate in rates:
        prop = year_propagators(monthly_matrices(rate, clay[:, None]))  # (n, 13, 4, 4)
        gain = np.einsum("nmij,nmj->ni", prop[:, 1:], added)
        gain14 = np.einsum("nmij,nmj->ni", prop[:, 1:] * back[1:, None, None],
                           added * mod[..., None] / 100.0)
        maps.append((prop[:, 0], gain, back[0] * prop[:, 0], gain14))
    active, act = np.zeros((n, 4)), np.zeros((n, 4))
    years = np.zeros(n, dtype=int)
    done = np.zeros(n, dtype=bool)
    toc = np.zeros(n)
    for year in range(max_years):
        mat, gain, mat14, gain14 = maps[min(year, len(maps) - 1)]
        run = ~done
        active[run] = np.einsum("nij,nj->ni", mat[run], active[run]) + gain[run]
        act[run] = np.einsum("nij,nj->ni", mat14[run], act[run]) + gain14[run]
        years[run] += 1
        new_toc = active.sum(axis=1)
        done |= np.abs(new_toc - toc) <= tol
        toc = new_toc
        if done.all():
            break
    else:
        log.warning("RothC spin-up did not converge in %d years for %d rows", max_years, int((~done).sum()))
    tsmd = np.stack(starts, axis=1)[np.arange(n), np.minimum(years, len(starts) - 1)]
    pools = np.concatenate([active, iom_n[:, None]], axis=1)
    return SpinUp(pools, act, tsmd, 12 * years, delta14c(active, act, iom_n))
