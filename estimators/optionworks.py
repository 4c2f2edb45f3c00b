"""Per-row erosion, works emissions, biochar and buffer shares of the option table.

* Erosion (RUSLE/CSLE, estimators.erosion): the bare-soil loss R K LS P of a row times the mix's
  yearly C factor, limited by the erodible material the parcel holds (substrate depth x bulk
  density, less rock fragments, plus any substrate the option adds): a bare rock wall erodes next
  to nothing.  Slopes beyond the data behind the S equation are flagged as extrapolated.
* Works (all t CO2e/ha, emissions): diesel for regrading, terrace construction and topsoil
  handling from their earthwork volumes, haulage of amendments, N2O of the organic nitrogen
  applied, lime CO2 (estimators.accounting).
* Biochar: mass x Fc x Fperm at the region's soil temperature, a pool of its own.
* Buffer share by region and option type (natural, grass, woody, highwall).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from estimators.accounting import (
    AccountingPolicy,
    biochar_fperm,
    biochar_tco2e,
    diesel_tco2e,
    haulage_tco2e,
    lime_tco2e,
    n2o_organic_tco2e,
)
from estimators.erosion import cover_factor_from_cover, ls_factor, terrace_earthwork_m3_per_ha
from estimators.optioncost import is_terrace
from estimators.optionrows import is_wall

__all__ = ["ErosionRows", "erosion_rows", "works_tco2e", "biochar_rows", "buffer_rows", "option_type",
           "ROCK_FRAGMENT_PCT", "STEEP_DATA_LIMIT_DEG"]

Array = NDArray[np.float64]

#: Rock fragments [% of the substrate] by landform when parcels.csv has no ``rock_fragment_pct``
#: (assumption: blasted rock faces carry a rubbly veneer; dump and natural soils none counted).
ROCK_FRAGMENT_PCT = {"pit_wall": 50.0}
#: Steepest slope of the data behind each S equation [degrees]: Liu et al. 1994 9-55 % (28.8
#: degrees) for CSLE, McCool et al. 1987 about 18 % (10.2 degrees) for RUSLE (reference
#: accounting.md section 7).
STEEP_DATA_LIMIT_DEG = {"csle": float(np.degrees(np.arctan(0.55))), "rusle": float(np.degrees(np.arctan(0.18)))}


def _num(table: pd.DataFrame, column: str, default: float) -> Array:
    if column not in table.columns:
        return np.full(len(table), default)
    return pd.to_numeric(table[column], errors="coerce").fillna(default).to_numpy(dtype=float)


@dataclass(frozen=True)
class ErosionRows:
    """Erosion of every row.

    Attributes
    ----------
    bare : ndarray (n,) [t/ha/yr], soil loss of a bare year, R K LS P (x the technique's K multiplier)
    supply : ndarray (n,) [t/ha], erodible material the parcel holds under the option
    c_by_mix : ndarray (M, Y) [-], C factor of each mix's year
    extrapolated : ndarray (n,) of bool, slope beyond the S equation's data
    """

    bare: Array
    supply: Array
    c_by_mix: Array
    extrapolated: NDArray[np.bool_]

    def loss(self, mix: NDArray[np.int64], years: NDArray[np.intp]) -> Array:
        """Cumulative soil loss [t/ha] after ``years`` (n, K) since the works, supply-limited."""
        cum = np.concatenate([np.zeros((len(self.c_by_mix), 1)), np.cumsum(self.c_by_mix, axis=1)], axis=1)
        return np.minimum(self.bare[:, None] * cum[mix[:, None], np.asarray(years)[None, :]], self.supply[:, None])


def _rock_fraction(parcels: pd.DataFrame) -> Array:
    """Rock fragments [0-1] per parcel: the parcel's column, else the landform default."""
    default = parcels["landform"].map(ROCK_FRAGMENT_PCT).fillna(0.0).to_numpy(dtype=float)
    if "rock_fragment_pct" in parcels.columns:
        own = pd.to_numeric(parcels["rock_fragment_pct"], errors="coerce").to_numpy(dtype=float)
        default = np.where(np.isnan(own), default, own)
    return np.clip(default / 100.0, 0.0, 1.0)


def erosion_rows(curves: Any, cand: Any, parcels: pd.DataFrame, slope: Array, length: Array,
                 regrading: pd.DataFrame, amendments: pd.DataFrame, region: pd.Series,
                 ls_method: str, steep_breakpoint_deg: float) -> ErosionRows:
    """Erosion of every row (see ``ErosionRows``).

    LS and P depend only on the parcel and its regrading: computed on the (P, R) grid of the
    regraded geometry and gathered per row.  Year y's C comes from the mix's cover in the middle
    of the year.  Erodible material [t/ha] = (substrate depth + added substrate) [cm] x bulk
    density [g/cm3] x 100 x (1 - rock fragments).
    """
    ls = ls_factor(slope, length, method=ls_method, steep_breakpoint_deg=steep_breakpoint_deg)
    k = float(region["k_factor"]) * _num(regrading, "k_multiplier", 1.0)
    rklsp = float(region["r_factor"]) * ls * (k * regrading["support_p"].to_numpy(dtype=float))[None, :]
    depth = (parcels["soil_depth_cm"].to_numpy(dtype=float)[cand.parcel]
             + _num(regrading, "substrate_add_cm", 0.0)[cand.regrading]
             + amendments["depth_add_cm"].to_numpy(dtype=float)[cand.amendment])
    bd = parcels["bulk_density_g_cm3"].to_numpy(dtype=float)[cand.parcel]
    supply = depth * bd * 100.0 * (1.0 - _rock_fraction(parcels)[cand.parcel])
    limit = STEEP_DATA_LIMIT_DEG.get(ls_method, 90.0)
    return ErosionRows(rklsp[cand.parcel, cand.regrading], supply, cover_factor_from_cover(curves.cover_mid),
                       (slope > limit + 1e-9)[cand.parcel, cand.regrading])


def works_tco2e(cand: Any, parcels: pd.DataFrame, earthwork: Array, regrading: pd.DataFrame,
                amendments: pd.DataFrame, region: pd.Series, policy: AccountingPolicy) -> tuple[Array, Array]:
    """Works emissions [t CO2e/ha, <= 0] and the terrace cut volume [m3/ha] of every row.

    Diesel for regrading earthwork (``earthwork`` m3/ha), for terraces (cut volume of level
    benches, ``terrace_earthwork_m3_per_ha``) and for handling an imported topsoil (its volume x
    amendments.csv ``diesel_l_m3``); haulage of ``haul_mass_t_ha`` over the policy's distance;
    N2O of ``rate x n_pct_dm`` organic N (leaching only in moist climate zones); lime CO2.
    """
    diesel_l_m3 = regrading["diesel_l_m3"].to_numpy(dtype=float)[cand.regrading]
    slope = parcels["slope_deg"].to_numpy(dtype=float)[cand.parcel]
    spacing = regrading["bench_spacing_m"].to_numpy(dtype=float)[cand.regrading]
    terrace = is_terrace(regrading)[cand.regrading]
    cut = np.where(terrace, terrace_earthwork_m3_per_ha(slope, np.where(terrace, spacing, 1.0)), 0.0)
    am = cand.amendment
    rate = amendments["rate_t_ha"].to_numpy(dtype=float)[am]
    handled_m3 = amendments["depth_add_cm"].to_numpy(dtype=float)[am] / 100.0 * 1.0e4
    litres = (earthwork + cut) * diesel_l_m3 + handled_m3 * _num(amendments, "diesel_l_m3", 0.0)[am]
    moist = "moist" in str(region.get("ipcc_climate_zone", "")) or "wet" in str(region.get("ipcc_climate_zone", ""))
    n2o = n2o_organic_tco2e(rate * _num(amendments, "n_pct_dm", 0.0)[am] / 100.0 * 1000.0, policy.n2o_ef1,
                            policy.n2o_frac_gasm, policy.n2o_ef4, policy.n2o_frac_leach if moist else 0.0,
                            policy.n2o_ef5, policy.gwp_n2o)
    haul = haulage_tco2e(_num(amendments, "haul_mass_t_ha", 0.0)[am], policy.haul_distance_km,
                         policy.haul_kg_co2_t_km)
    lime = lime_tco2e(rate, amendments["lime_emission_t_c_per_t"].to_numpy(dtype=float)[am])
    total = diesel_tco2e(litres, policy.diesel_kg_co2_l) + haul + n2o + lime
    return 0.0 - total + 0.0, cut


def biochar_rows(cand: Any, amendments: pd.DataFrame, region: pd.Series) -> Array:
    """Biochar carbon stored for 100 years [t CO2e/ha] per row (0 without biochar).

    ``rate x Fc x Fperm``; Fperm is amendments.csv ``biochar_permanence`` where given, else Woolf
    et al. 2021 at the region's mean annual temperature for the row's ``biochar_temperature``.
    """
    am = cand.amendment
    is_char = (amendments["input_pool"].astype(str).to_numpy() == "biochar")
    fc = _num(amendments, "biochar_fc", np.nan)
    rate = amendments["rate_t_ha"].to_numpy(dtype=float)
    fc = np.where(np.isnan(fc), np.divide(amendments["carbon_input_t_c_ha"].to_numpy(dtype=float), rate,
                                          out=np.zeros_like(rate), where=rate > 0), fc)
    temp_class = (amendments["biochar_temperature"].fillna("").astype(str).to_numpy()
                  if "biochar_temperature" in amendments.columns else np.full(len(amendments), ""))
    fperm = np.where(np.isnan(_num(amendments, "biochar_permanence", np.nan)),
                     biochar_fperm(temp_class, float(region["mat_c"])), _num(amendments, "biochar_permanence", 0.0))
    per_amendment = np.where(is_char, biochar_tco2e(rate, fc, fperm), 0.0)
    return per_amendment[am]


OPTION_TYPES: tuple[str, ...] = ("woody", "grass", "natural", "highwall")


def option_type(regrading: pd.DataFrame, cand: Any, natural: NDArray[np.bool_], woody_share: Array) -> NDArray[np.int8]:
    """Option type of every row for the buffer table, as a code into ``OPTION_TYPES``:
    highwall (a wall technique), natural, woody (any tree or shrub share) or grass."""
    kind = np.where(woody_share > 0, 0, 1).astype(np.int8)
    kind[natural] = 2
    kind[is_wall(regrading)[cand.regrading]] = 3
    return kind


def buffer_rows(kind: NDArray[np.int8], buffer: pd.DataFrame | None, region_key: str,
                policy: AccountingPolicy) -> Array:
    """Buffer share [%] of every row (``kind``: codes into ``OPTION_TYPES``): the policy's number,
    else buffer.csv by region and type."""
    if policy.buffer_pct is not None:
        return np.full(len(kind), float(policy.buffer_pct))
    if buffer is None or buffer.empty:
        raise ValueError("no buffer table and no buffer_pct in the accounting policy")
    table = buffer[buffer["region"] == region_key].set_index("option_type")["buffer_pct"]
    used = np.unique(kind)
    missing = sorted(OPTION_TYPES[i] for i in used if OPTION_TYPES[i] not in table.index)
    if missing:
        raise ValueError(f"buffer.csv has no row for region '{region_key}' and option type(s) {missing}")
    per_type = table.reindex(list(OPTION_TYPES)).to_numpy(dtype=float)
    return per_type[kind]
