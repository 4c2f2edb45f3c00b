"""Soil erosion by water: RUSLE / CSLE factors, soil loss and the soil carbon it carries off.

All functions are pure and vectorised: scalars or numpy arrays in, broadcast arrays out.  NaN
inputs propagate to NaN outputs; values outside a function's domain raise ``ValueError`` naming
the argument.

Soil loss (RUSLE, Renard et al. 1997, USDA Agriculture Handbook 703; CSLE, Liu Baoyuan et al.
2002 with B in place of C and E in place of P)::

    A = R * K * LS * C * P        A [t/ha/yr], R [MJ mm/(ha h yr)], K [t ha h/(ha MJ mm)]

Slope lengths are *horizontal* lengths (RUSLE's lambda) throughout.

Which LS this module uses (InVEST and GIS tools differ, so it is stated here): the profile form
L * S of AH703, L = (lambda/22.13)^m with McCool's variable m (moderate rill:interrill ratio by
default), S of McCool et al. 1987; method "csle" replaces S by Liu, Nearing & Risse 1994 from a
breakpoint (default 10 degrees) up.  Lengths are capped at ``max_length_m`` (default 305 m, the
longest slope AH703 recommends; InVEST caps at 122 m).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "MAX_LENGTH_M",
    "SUPPORT_P",
    "slope_steepness",
    "slope_length_factor",
    "ls_factor",
    "cover_factor_from_cover",
    "cover_factor",
    "support_factor",
    "terrace_earthwork_m3_per_ha",
    "soil_loss",
    "rainfall_erosivity_monthly",
    "k_factor_epic",
    "regraded_geometry",
    "earthwork_m3_per_ha",
    "soc_loss",
    "erosion_emission_tco2e",
]

FloatArray = NDArray[np.float64]

#: Longest slope length [m] used in the L factor (AH703: lengths over 305 m / 1000 ft not
#: recommended; longer flow concentrates in channels that RUSLE does not model).
MAX_LENGTH_M: float = 305.0

#: Below this horizontal length [m] only interrill erosion acts (McCool et al. 1987 short slopes,
#: AH703 uses 15 ft = 4.57 m; the reference and the brief use 4 m).
SHORT_SLOPE_M: float = 4.0

#: 9 % slope as a sine: McCool's breakpoint between the gentle and the steep S equation.
_SIN_9PCT: float = float(np.sin(np.arctan(0.09)))

#: Support practice factor P [-] by practice.  ``contour`` and ``bench_terrace`` are mid-points of
#: AH537 ranges quoted in reference erosion.md section 3 (contouring 0.5-0.9, bench terraces
#: 0.10-0.18) that were not re-read in a primary copy: **verify before relying on them**.
#: ``contour_seeded`` is the Seneca II-W reclamation value (Colorado surface coal mine).
SUPPORT_P: dict[str, float] = {
    "none": 1.0,
    "contour": 0.75,
    "contour_seeded": 0.85,
    "bench_terrace": 0.15,
}

_RILL_BETA_SCALE: dict[str, float] = {"low": 0.5, "moderate": 1.0, "high": 2.0}


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=float)


def _check_slope(slope_deg: FloatArray) -> None:
    if np.any(slope_deg < 0.0) or np.any(slope_deg >= 90.0):
        raise ValueError("slope_deg must be in [0, 90) degrees")


def _check_positive(name: str, value: FloatArray) -> None:
    if np.any(value <= 0.0):
        raise ValueError(f"{name} must be > 0")


def _check_nonnegative(name: str, value: FloatArray) -> None:
    if np.any(value < 0.0):
        raise ValueError(f"{name} must be >= 0")


def slope_steepness(
    slope_deg: ArrayLike,
    slope_length_m: ArrayLike | None = None,
    method: str = "rusle",
    steep_breakpoint_deg: float = 10.0,
) -> FloatArray:
    """Slope steepness factor S (McCool et al. 1987; Liu, Nearing & Risse 1994).

    RUSLE (McCool)::

        S = 10.8 sin(theta) + 0.03      slope < 9 %
        S = 16.8 sin(theta) - 0.50      slope >= 9 %
        S = 3.0 sin(theta)^0.8 + 0.56   lambda < 4 m and slope >= 9 % (interrill only)

    The short-slope form is applied only from 9 % up: below 9 % it would exceed the long-slope S
    (0.79 against 0.46 at 4 %), contrary to its interrill-only rationale.

    CSLE: as RUSLE below ``steep_breakpoint_deg``; from the breakpoint up (and for long slopes)
    S = 21.91 sin(theta) - 0.96 (Liu et al. 1994, steep loess slopes).  S jumps there by about
    18 % (at 10 degrees 2.417 -> 2.845).

    Parameters
    ----------
    slope_deg : array_like [degrees]
        Slope angle, 0 <= slope < 90.
    slope_length_m : array_like [m], optional
        Horizontal slope length; only used to pick the short-slope form.  None = long slope.
    method : {"rusle", "csle"}
        Steep-slope equation.
    steep_breakpoint_deg : float [degrees]
        Where "csle" switches to Liu's equation (some CSLE papers use 14.04 = 25 %).

    Returns
    -------
    ndarray [-]

    References
    ----------
    McCool et al. 1987, Trans. ASAE 30(5):1387-1396; Renard et al. 1997, USDA AH703 ch. 4;
    Liu, Nearing & Risse 1994, Trans. ASAE 37(6):1835-1840.
    """
    if method not in ("rusle", "csle"):
        raise ValueError(f"method must be 'rusle' or 'csle', not {method!r}")
    theta = _f(slope_deg)
    _check_slope(theta)
    s = np.sin(np.radians(theta))
    steep = s >= _SIN_9PCT
    out = np.where(steep, 16.8 * s - 0.50, 10.8 * s + 0.03)
    if slope_length_m is not None:
        lam = _f(slope_length_m)
        _check_positive("slope_length_m", lam)
        short = steep & (lam < SHORT_SLOPE_M)
        out = np.where(short, 3.0 * s**0.8 + 0.56, out)
    else:
        short = np.zeros_like(steep)
    if method == "csle":
        liu = (theta >= steep_breakpoint_deg) & ~short
        out = np.where(liu, 21.91 * s - 0.96, out)
    return out


def slope_length_factor(
    slope_deg: ArrayLike,
    slope_length_m: ArrayLike,
    rill_ratio: str = "moderate",
    max_length_m: float = MAX_LENGTH_M,
) -> FloatArray:
    """Slope length factor L with McCool's variable exponent (AH703 eq. 4-1 to 4-4).

    ``L = (min(lambda, max_length_m) / 22.13)^m``, ``m = beta / (1 + beta)``,
    ``beta = (sin(theta) / 0.0896) / (3 sin(theta)^0.8 + 0.56)``; a low rill:interrill ratio
    halves beta, a high one doubles it.

    Parameters
    ----------
    slope_deg : array_like [degrees]
        Slope angle, 0 <= slope < 90.
    slope_length_m : array_like [m]
        Horizontal slope length, > 0.
    rill_ratio : {"low", "moderate", "high"}
        Rill to interrill erosion ratio (moderate for most cropland; high for freshly disturbed
        soil such as loose spoil).
    max_length_m : float [m]
        Cap on lambda (default 305 m, AH703's recommended maximum).

    Returns
    -------
    ndarray [-]

    References
    ----------
    McCool et al. 1989, Trans. ASAE 32(5):1571-1576; Renard et al. 1997, USDA AH703 ch. 4.
    """
    if rill_ratio not in _RILL_BETA_SCALE:
        raise ValueError(f"rill_ratio must be one of {sorted(_RILL_BETA_SCALE)}, not {rill_ratio!r}")
    theta, lam = _f(slope_deg), _f(slope_length_m)
    _check_slope(theta)
    _check_positive("slope_length_m", lam)
    _check_positive("max_length_m", _f(max_length_m))
    s = np.sin(np.radians(theta))
    beta = _RILL_BETA_SCALE[rill_ratio] * (s / 0.0896) / (3.0 * s**0.8 + 0.56)
    m = beta / (1.0 + beta)
    return (np.minimum(lam, max_length_m) / 22.13) ** m


def ls_factor(
    slope_deg: ArrayLike,
    slope_length_m: ArrayLike,
    method: str = "rusle",
    steep_breakpoint_deg: float = 10.0,
    rill_ratio: str = "moderate",
    max_length_m: float = MAX_LENGTH_M,
) -> FloatArray:
    """Topographic factor LS = L * S (RUSLE, or CSLE with Liu's steep-slope S).

    Method "rusle" reproduces AH703 Table 4-3 (moderate rill:interrill ratio) to its two-decimal
    rounding.  Slope percent converts to degrees as ``degrees(atan(pct / 100))``.

    Parameters
    ----------
    slope_deg : array_like [degrees]
        Slope angle, 0 <= slope < 90.
    slope_length_m : array_like [m]
        Horizontal slope length, > 0; capped at ``max_length_m`` in L.
    method : {"rusle", "csle"}
        See :func:`slope_steepness`.
    steep_breakpoint_deg : float [degrees]
        CSLE switch to Liu et al. 1994 (default 10).
    rill_ratio : {"low", "moderate", "high"}
        See :func:`slope_length_factor`.
    max_length_m : float [m]
        Slope-length cap (default 305 m).

    Returns
    -------
    ndarray [-]

    References
    ----------
    Renard et al. 1997, USDA AH703 Table 4-3; McCool et al. 1987, 1989; Liu et al. 1994.
    """
    s = slope_steepness(slope_deg, slope_length_m, method, steep_breakpoint_deg)
    return slope_length_factor(slope_deg, slope_length_m, rill_ratio, max_length_m) * s


def cover_factor_from_cover(cover_fraction: ArrayLike, c_min: float = 0.003) -> FloatArray:
    """Cover-management factor C (CSLE's B) from vegetation cover (Cai Chongfa et al. 2000).

    With f the cover in percent::

        C = 1                            f <= 0.1 %  (bare: mine spoil)
        C = 0.6508 - 0.3436 log10(f)     0.1 % < f <= 78.3 %
        C = 0                            f > 78.3 %

    then ``C = max(C, c_min)``.  The curve is continuous (0.994 at 0.1 %, 0 at 78.3 %) but
    would let a full cover stop erosion altogether; the floor ``c_min`` keeps a little: 0.003 is
    AH537's value for 95-100 % grass cover and for unmanaged woodland with 75-100 % canopy
    (managed woodland 0.001).  Near zero cover the curve gives C > 0.45, above AH537's 0.45 for
    idle land without canopy: right for bare spoil, which has no litter or roots.

    Parameters
    ----------
    cover_fraction : array_like [0-1]
        Vegetation ground cover fraction.
    c_min : float [-]
        Floor on C (default 0.003; 0 reproduces Cai's curve exactly).

    Returns
    -------
    ndarray [-]
        C in [c_min, 1].

    References
    ----------
    Cai Chongfa et al. 2000, J. Soil Water Conserv. 14(2) (CSLE B factor); Wischmeier & Smith
    1978, USDA AH537 Table 10.
    """
    f = _f(cover_fraction)
    if np.any(f < 0.0) or np.any(f > 1.0):
        raise ValueError("cover_fraction must be in [0, 1]")
    pct = 100.0 * f
    with np.errstate(divide="ignore"):
        cai = 0.6508 - 0.3436 * np.log10(pct)
    c = np.where(pct <= 0.1, 1.0, np.where(pct > 78.3, 0.0, cai))
    return np.where(np.isnan(f), np.nan, np.clip(c, c_min, 1.0))


#: Contract name (docs/internals.md): the cover factor from a cover fraction.
cover_factor = cover_factor_from_cover


def support_factor(practice: ArrayLike, table: Mapping[str, float] | None = None) -> FloatArray:
    """Support-practice factor P (RUSLE) / engineering factor E (CSLE) by practice name.

    Parameters
    ----------
    practice : array_like of str
        Keys of ``table``: none (1.0), contour (0.75), contour_seeded (0.85), bench_terrace
        (0.15) by default; see :data:`SUPPORT_P` (contour and bench values: verify).
    table : mapping, optional
        Practice -> P; replaces :data:`SUPPORT_P` (e.g. regrading.csv's support_p column).

    Returns
    -------
    ndarray [-]
        Same shape as ``practice``.

    References
    ----------
    Wischmeier & Smith 1978, USDA AH537 Tables 14-15 (ranges via reference erosion.md).
    """
    table = SUPPORT_P if table is None else table
    names = np.asarray(practice, dtype=object)
    keys, inverse = np.unique(names.astype(str), return_inverse=True)
    unknown = [k for k in keys if k not in table]
    if unknown:
        raise ValueError(f"practice: unknown {unknown}; known {sorted(table)}")
    values = np.array([float(table[k]) for k in keys])
    return values[inverse].reshape(names.shape)


def soil_loss(r: ArrayLike, k: ArrayLike, ls: ArrayLike, c: ArrayLike, p: ArrayLike = 1.0) -> FloatArray:
    """Mean annual soil loss A = R K LS C P (RUSLE; CSLE with B and E).

    Parameters
    ----------
    r : array_like [MJ mm/(ha h yr)]
        Rainfall erosivity (US units x 17.02).
    k : array_like [t ha h/(ha MJ mm)]
        Soil erodibility (US units x 0.1317).
    ls : array_like [-]
        Topographic factor.
    c : array_like [-]
        Cover-management factor.
    p : array_like [-]
        Support-practice factor.

    Returns
    -------
    ndarray [t/ha/yr]

    References
    ----------
    Renard et al. 1997, USDA AH703 eq. 1-1.
    """
    factors = {"r": _f(r), "k": _f(k), "ls": _f(ls), "c": _f(c), "p": _f(p)}
    for name, value in factors.items():
        _check_nonnegative(name, value)
    return factors["r"] * factors["k"] * factors["ls"] * factors["c"] * factors["p"]


def rainfall_erosivity_monthly(monthly_p_mm: ArrayLike, years_axis: int | None = None) -> FloatArray:
    """Rainfall erosivity R from monthly rainfall (Zhang Wenbo & Fu Jinsheng 2003).

    ``F = mean over years of (sum_i P_i^2) / (sum_i P_i)`` (modified Fournier index, months i),
    ``R = 0.1833 F^1.9957``.

    Parameters
    ----------
    monthly_p_mm : array_like [mm]
        Monthly rainfall, months on the last axis (length 12).
    years_axis : int, optional
        Axis holding years, averaged over after F is computed per year.  None = each row of 12
        months is one year or a climatology (mean monthly rainfall); a climatology smooths the
        year-to-year peaks and so tends to give a lower F than averaging yearly F.

    Returns
    -------
    ndarray [MJ mm/(ha h yr)]
        Shape of the input without the month axis (and without ``years_axis``).

    References
    ----------
    Zhang Wenbo & Fu Jinsheng 2003, Resources Science 25(1):35-41.
    """
    p = _f(monthly_p_mm)
    if p.ndim == 0 or p.shape[-1] != 12:
        raise ValueError("monthly_p_mm must have 12 months on its last axis")
    _check_nonnegative("monthly_p_mm", p)
    total = p.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        fournier = np.where(total > 0, (p**2).sum(axis=-1) / total, 0.0)
    if years_axis is not None:
        axis = years_axis if years_axis >= 0 else years_axis + 1
        fournier = fournier.mean(axis=axis)
    return 0.1833 * fournier**1.9957


def k_factor_epic(
    sand_pct: ArrayLike, silt_pct: ArrayLike, clay_pct: ArrayLike, orgc_pct: ArrayLike
) -> FloatArray:
    """Soil erodibility K from texture and organic carbon (EPIC, Williams 1995), SI units.

    ::

        f_csand = 0.2 + 0.3 exp(-0.256 SAN (1 - SIL/100))
        f_clsi  = (SIL / (CLA + SIL))^0.3
        f_orgc  = 1 - 0.25 C / (C + exp(3.72 - 2.95 C))
        f_hisand = 1 - 0.7 SN1 / (SN1 + exp(-5.51 + 22.9 SN1)),  SN1 = 1 - SAN/100
        K = f_csand f_clsi f_orgc f_hisand * 0.1317

    Parameters
    ----------
    sand_pct, silt_pct, clay_pct : array_like [%]
        Particle-size fractions (0-100; they should add to about 100).
    orgc_pct : array_like [%]
        Organic carbon (g/kg / 10; organic matter / 1.724).

    Returns
    -------
    ndarray [t ha h/(ha MJ mm)]
        0 for a soil without silt and clay.

    References
    ----------
    Williams 1995, The EPIC model, in Singh (ed.) Computer Models of Watershed Hydrology,
    pp. 909-1000; SI conversion x 0.1317 (Renard et al. 1997, AH703).
    """
    san, sil, cla, orgc = map(_f, (sand_pct, silt_pct, clay_pct, orgc_pct))
    for name, value in (("sand_pct", san), ("silt_pct", sil), ("clay_pct", cla), ("orgc_pct", orgc)):
        if np.any(value < 0.0) or np.any(value > 100.0):
            raise ValueError(f"{name} must be in [0, 100] %")
    f_csand = 0.2 + 0.3 * np.exp(-0.256 * san * (1.0 - sil / 100.0))
    fine = cla + sil
    with np.errstate(divide="ignore", invalid="ignore"):
        f_clsi = np.where(fine > 0, (sil / fine) ** 0.3, 0.0)
    f_orgc = 1.0 - 0.25 * orgc / (orgc + np.exp(3.72 - 2.95 * orgc))
    sn1 = 1.0 - san / 100.0
    f_hisand = 1.0 - 0.7 * sn1 / (sn1 + np.exp(-5.51 + 22.9 * sn1))
    return f_csand * f_clsi * f_orgc * f_hisand * 0.1317


def regraded_geometry(
    slope_deg: ArrayLike,
    slope_length_m: ArrayLike,
    target_slope_deg: ArrayLike = np.nan,
    bench_spacing_m: ArrayLike = np.nan,
) -> tuple[FloatArray, FloatArray]:
    """Slope angle and length after regrading and benching.

    Regrading to a gentler angle keeps the slope's height H = lambda tan(theta), so the
    horizontal length grows: ``lambda' = lambda tan(theta) / tan(theta')``.  A target that is
    not gentler than the present slope (or NaN) keeps the slope.  Benches (terraces) every
    ``bench_spacing_m`` of horizontal distance interrupt overland flow:
    ``lambda'' = min(lambda', spacing)`` (NaN = no benches).

    Parameters
    ----------
    slope_deg : array_like [degrees]
        Present slope angle, 0 <= slope < 90.
    slope_length_m : array_like [m]
        Present horizontal slope length, > 0.
    target_slope_deg : array_like [degrees]
        Regraded angle, > 0 (NaN = keep).
    bench_spacing_m : array_like [m]
        Horizontal bench spacing, > 0 (NaN = none).

    Returns
    -------
    slope_deg : ndarray [degrees]
    slope_length_m : ndarray [m]
        Horizontal length that the L factor sees.
    """
    theta, lam, target, spacing = map(_f, (slope_deg, slope_length_m, target_slope_deg, bench_spacing_m))
    _check_slope(theta)
    _check_positive("slope_length_m", lam)
    if np.any(target <= 0.0) or np.any(target >= 90.0):
        raise ValueError("target_slope_deg must be in (0, 90) degrees")
    _check_positive("bench_spacing_m", spacing)
    gentler = target < theta  # False where target is NaN
    safe_target = np.where(gentler, target, 45.0)
    new_theta = np.where(gentler, target, theta)
    ratio = np.tan(np.radians(theta)) / np.tan(np.radians(safe_target))
    new_lam = np.where(gentler, lam * ratio, lam)
    new_lam = np.where(np.isnan(spacing), new_lam, np.fmin(new_lam, spacing))
    out_theta, out_lam = np.broadcast_arrays(new_theta, new_lam)
    return out_theta.copy(), out_lam.copy()


def earthwork_m3_per_ha(
    slope_deg: ArrayLike, slope_length_m: ArrayLike, target_slope_deg: ArrayLike
) -> FloatArray:
    """Earth moved by a cut-and-fill regrade pivoting at mid-height [m3 per ha of parcel].

    Geometry (a cross-section, per metre of slope width): the present slope rises H =
    lambda tan(theta) over horizontal length lambda between a lower and an upper platform.  The
    regraded slope is the line of angle theta' < theta through the slope's mid-point
    (lambda/2, H/2).  Above the mid-point it cuts a triangle out of the upper slope and crest,
    below it fills an equal triangle at the toe (point symmetry), so the cut balances the fill
    and the material moved (cut volume) per metre of width is::

        V = H^2 / 8 * (cot(theta') - cot(theta))      [m3/m]

    Per hectare of the parcel's plan area (lambda m2 per metre of width):
    ``E = 10 000 V / lambda`` [m3/ha].  The regraded slope spans ``H cot(theta')`` horizontally,
    reaching onto the platforms beyond the parcel; that land is not charged separately.  A
    target not gentler than the slope (or NaN) moves nothing.

    Parameters
    ----------
    slope_deg : array_like [degrees]
        Present slope angle, 0 <= slope < 90.
    slope_length_m : array_like [m]
        Present horizontal slope length, > 0.
    target_slope_deg : array_like [degrees]
        Regraded angle, > 0 (NaN = keep).

    Returns
    -------
    ndarray [m3/ha]
    """
    theta, lam, target = map(_f, (slope_deg, slope_length_m, target_slope_deg))
    _check_slope(theta)
    _check_positive("slope_length_m", lam)
    if np.any(target <= 0.0) or np.any(target >= 90.0):
        raise ValueError("target_slope_deg must be in (0, 90) degrees")
    gentler = target < theta
    safe_target = np.where(gentler, target, 45.0)
    safe_theta = np.where(gentler, theta, 45.0)
    height = lam * np.tan(np.radians(safe_theta))
    cot_diff = 1.0 / np.tan(np.radians(safe_target)) - 1.0 / np.tan(np.radians(safe_theta))
    volume_per_m = height**2 / 8.0 * cot_diff
    return np.where(gentler, 1.0e4 * volume_per_m / lam, 0.0)


def terrace_earthwork_m3_per_ha(slope_deg: ArrayLike, bench_width_m: ArrayLike) -> FloatArray:
    """Cut volume of level bench terraces built on a slope [m3 per ha of plan area].

    A level bench of horizontal width W cut into a slope of angle theta balances a cut triangle
    against a fill triangle of base W/2 and height (W/2) tan(theta), so each metre of bench
    length moves ``W^2 tan(theta) / 8`` m3; a hectare holds ``10 000 / W`` m of benches::

        E = 1250 W tan(theta)      [m3/ha]

    Parameters
    ----------
    slope_deg : array_like [degrees], 0 <= slope < 90
    bench_width_m : array_like [m], > 0 (horizontal bench spacing)

    Returns
    -------
    ndarray [m3/ha]

    Examples
    --------
    >>> round(float(terrace_earthwork_m3_per_ha(20.0, 10.0)), 1)
    4549.6
    """
    theta, width = _f(slope_deg), _f(bench_width_m)
    _check_slope(theta)
    _check_positive("bench_width_m", width)
    return 1250.0 * width * np.tan(np.radians(theta))


def soc_loss(
    soil_loss_t_ha_yr: ArrayLike, soc_g_kg: ArrayLike, enrichment_ratio: ArrayLike = 1.3
) -> FloatArray:
    """Soil organic carbon carried off by erosion.

    ``SOC_lost = A * SOC / 1000 * ER``

    Parameters
    ----------
    soil_loss_t_ha_yr : array_like [t/ha/yr]
        Soil loss A.
    soc_g_kg : array_like [g C/kg soil]
        SOC concentration of the eroding topsoil.
    enrichment_ratio : array_like [-]
        Carbon enrichment of the sediment (1-12 for water erosion, Lal 2020; 1.10-1.44 measured on
        purple soils; default 1.3).

    Returns
    -------
    ndarray [t C/ha/yr]

    References
    ----------
    Lal 2020, Applied Sciences 10:2784.
    """
    a, soc, er = map(_f, (soil_loss_t_ha_yr, soc_g_kg, enrichment_ratio))
    for name, value in (("soil_loss_t_ha_yr", a), ("soc_g_kg", soc), ("enrichment_ratio", er)):
        _check_nonnegative(name, value)
    return a * soc / 1000.0 * er


def erosion_emission_tco2e(soc_lost_t_c: ArrayLike, f_emit: ArrayLike = 0.2) -> FloatArray:
    """CO2 emitted from eroded soil carbon: ``SOC_lost * f_emit * 44/12``.

    Parameters
    ----------
    soc_lost_t_c : array_like [t C] (or [t C/ha/yr])
        Soil carbon carried off.
    f_emit : array_like [0-1]
        Fraction of the eroded carbon mineralised to CO2 (often quoted 20 %; disputed by
        Van Oost & Six 2023, hence a parameter).

    Returns
    -------
    ndarray [t CO2e] (per the input's area and time units)

    References
    ----------
    Lal 2020, Applied Sciences 10:2784; Van Oost & Six 2023.
    """
    soc, f = _f(soc_lost_t_c), _f(f_emit)
    if np.any(f < 0.0) or np.any(f > 1.0):
        raise ValueError("f_emit must be in [0, 1]")
    return soc * f * 44.0 / 12.0
