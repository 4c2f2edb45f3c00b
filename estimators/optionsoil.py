"""Soil carbon of every option row, 0-100 cm, by RothC (estimators.soil).

The option rows of one region share the climate; RothC groups them by clay and by the mix's
cover sequence internally, so the whole project runs as a handful of array operations.  The
soil does not depend on the regrading, so RothC runs once per distinct (parcel, amendment, mix)
and the rows that differ only in their regrading share the result.

Accounting (reference accounting.md sections 1, 3 and 4): carbon brought in with manure-like
amendments (sludge, compost) and the own stock of an imported topsoil is its own RothC component
(``imported``); the on-site change is the spoil's own carbon plus what litter and roots add; the
0-30 cm stock saturates below the region's IPCC reference stock; the 30-100 cm layer gains a
share of the plant-derived topsoil gain only after the first 15 years.  Biochar never enters
RothC (estimators.accounting keeps it as a pool of its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from estimators.soil import PlantInput, soil_carbon_trajectory, stock_from_concentration

__all__ = ["SoilChange", "soil_change", "TOPSOIL_DEPTH_CM"]

Array = NDArray[np.float64]
TOPSOIL_DEPTH_CM = 30.0  # [cm] RothC layer (IPCC 0-30 cm); the 30-100 cm layer follows it


@dataclass(frozen=True)
class SoilChange:
    """Soil carbon of option rows at the requested years since the works (columns of ``t``).

    Attributes
    ----------
    on_site : ndarray (n, K) [t C/ha]
        0-100 cm change of carbon of on-site origin since before the works.
    imported : ndarray (n, K) [t C/ha]
        0-30 cm carbon of imported origin present, less an imported topsoil's starting stock
        (the moved soil itself is never a removal).
    stable : ndarray (n, K) [t C/ha]
        Change of on-site RothC HUM + IOM, 0-30 cm (the lasting part of the gain).
    top_stock : ndarray (n, K) [t C/ha]
        Whole 0-30 cm stock (on-site plus imported).
    imported_applied : ndarray (n,) [t C/ha]
        Carbon brought in: manure-like amendment carbon plus an imported topsoil's stock.
    soc_g_kg : ndarray (n,) [g/kg]
        Concentration of the surface layer that erosion carries off.
    """

    on_site: Array
    imported: Array
    stable: Array
    top_stock: Array
    imported_applied: Array
    soc_g_kg: Array

    def take(self, index: NDArray[np.intp]) -> "SoilChange":
        """Rows ``index`` of every array."""
        return SoilChange(*(getattr(self, f)[index] for f in self.__dataclass_fields__))


def _litter(grow: Any, key: NDArray[np.int64], productivity: Array, dpm_rpm: Array) -> tuple[PlantInput, Array]:
    """Row litter input [t C/ha/yr] and its input-weighted DPM/RPM ratio (n,).

    The input of row r in year y is ``productivity[r, 0] x woody[key, y] + productivity[r, 2]
    x grass[key, y]``: tree and shrub layers share one productivity, grass has its own, and the
    curves are per (amendment, mix) ``key`` (given factored: ``estimators.soil.PlantInput``).
    ``dpm_rpm`` (M, 3) is the mix's ratio per layer.
    """
    pw, pg = productivity[:, 0], productivity[:, 2]
    woody = grow.litter[:, 0] + grow.litter[:, 1]  # per (amendment, mix), (A*M, Y)
    plant = PlantInput(np.stack([woody, grow.litter[:, 2]], axis=1), key, np.column_stack([pw, pg]))
    total = grow.litter.sum(axis=2)[key]  # (n, 3)
    mix = key % grow.n_mix
    w_total = total[:, :2].sum(axis=1)
    woody_ratio = np.divide((total[:, :2] * dpm_rpm[mix, :2]).sum(axis=1), w_total,
                            out=np.ones(len(key)), where=w_total > 0)
    w, g = pw * w_total, pg * total[:, 2]
    ratio = np.divide(w * woody_ratio + g * dpm_rpm[mix, 2], w + g, out=np.ones_like(w), where=(w + g) > 0)
    return plant, ratio


def soil_change(parcels: pd.DataFrame, cand: Any, curves: Any, grow: Any, productivity: Array,
                amendments: pd.DataFrame, climate: pd.DataFrame, region: pd.Series, settings: Any,
                t: NDArray[np.intp]) -> SoilChange:
    """Soil carbon of every row at years ``t`` since the works (see ``SoilChange``).

    Parameters
    ----------
    parcels : validated parcels
    cand : rows (integer arrays parcel, amendment, mix)
    curves : MixCurves (cover and DPM/RPM per mix)
    grow : GrowthCurves (litter per amendment and mix)
    productivity : (n, 3) row productivity of the tree, shrub and grass layers
    amendments : amendments table (positions match ``cand.amendment``)
    climate : the region's 12 months (month, tmp_c, rain_mm, evap_mm)
    region : regions.csv row (soc_ref_t_ha)
    settings : EstimateSettings (accounting policy, RothC cover threshold)
    t : years since the works to report, each in 0..Y
    """
    key = (cand.parcel * len(amendments) + cand.amendment) * len(curves.mixes) + cand.mix
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    sub = SimpleNamespace(parcel=cand.parcel[first], amendment=cand.amendment[first], mix=cand.mix[first])
    distinct = _soil_rows(parcels, sub, curves, grow, productivity[first], amendments, climate, region,
                          settings, t)
    return distinct.take(inverse.ravel())


def _soil_rows(parcels: pd.DataFrame, cand: Any, curves: Any, grow: Any, productivity: Array,
               amendments: pd.DataFrame, climate: pd.DataFrame, region: pd.Series, settings: Any,
               t: NDArray[np.intp]) -> SoilChange:
    """soil_change for rows that are all distinct."""
    policy = settings.accounting
    soc = parcels["soc_g_kg"].to_numpy(dtype=float)[cand.parcel]
    bd = parcels["bulk_density_g_cm3"].to_numpy(dtype=float)[cand.parcel]
    depth_add = amendments["depth_add_cm"].to_numpy(dtype=float)[cand.amendment]
    topsoil_soc = pd.to_numeric(amendments.get("topsoil_soc_g_kg"), errors="coerce").to_numpy(dtype=float)
    topsoil_soc = topsoil_soc[cand.amendment] if topsoil_soc.size else np.full(len(soc), np.nan)
    rate = amendments["rate_t_ha"].to_numpy(dtype=float)[cand.amendment]
    imported0 = (depth_add >= TOPSOIL_DEPTH_CM) & ~np.isnan(topsoil_soc)
    topsoil_bd = np.divide(rate, depth_add * 100.0, out=np.ones_like(rate), where=depth_add > 0)
    cap = float(region["soc_ref_t_ha"]) if policy.soc_cap == "ipcc_reference" else np.inf
    # a topsoil stripped in the region holds at most the region's reference stock
    topsoil_soc = np.minimum(topsoil_soc, cap / (topsoil_bd * TOPSOIL_DEPTH_CM * 0.1))
    soc_top = np.where(imported0, topsoil_soc, soc)
    soc0 = stock_from_concentration(soc_top, np.where(imported0, topsoil_bd, bd), TOPSOIL_DEPTH_CM)
    sub0 = stock_from_concentration(soc, bd, 100.0 - TOPSOIL_DEPTH_CM)

    key = grow.key(cand.amendment, cand.mix)
    plant, ratio = _litter(grow, key, productivity, curves.dpm_rpm)
    covered = (curves.cover_mid >= settings.rothc_cover_threshold)[cand.mix]
    carbon_in = amendments["carbon_input_t_c_ha"].to_numpy(dtype=float)[cand.amendment]
    fym = np.where(amendments["input_pool"].astype(str).to_numpy()[cand.amendment] == "fym", carbon_in, 0.0)
    month = climate.sort_values("month")
    traj = soil_carbon_trajectory(
        soc0, parcels["clay_pct"].to_numpy(dtype=float)[cand.parcel], plant, ratio,
        fym_once=fym, biochar_once=0.0, biochar_permanence=0.0, covered=covered,
        tmp_c=month["tmp_c"].to_numpy(dtype=float), rain_mm=month["rain_mm"].to_numpy(dtype=float),
        evap_mm=month["evap_mm"].to_numpy(dtype=float), depth_cm=TOPSOIL_DEPTH_CM, subsoil0_t_ha=sub0,
        deep_fraction=policy.deep_fraction, deep_start_yr=policy.deep_start_yr,
        initial_imported=imported0, soc_cap_t_ha=cap, years=t,
        rate_multiplier=float(getattr(settings, "rothc_rate_multiplier", 1.0)),
    )
    assert traj.imported is not None and traj.stable is not None
    imported_start = np.where(imported0, soc0, 0.0)
    on_site_top = traj.topsoil - traj.imported
    # before the works the parcel held its own spoil in 0-30 cm (soc0 unless a topsoil came in)
    before = np.where(imported0, stock_from_concentration(soc, bd, TOPSOIL_DEPTH_CM), soc0)
    buried = np.where(imported0, before, 0.0)  # spoil pushed below the cover: kept, not lost
    # t starts with year 0 (estimators.options asks for it): column 0 is the start
    on_site = on_site_top + buried[:, None] - before[:, None] + (traj.subsoil - traj.subsoil[:, :1])
    return SoilChange(
        on_site=on_site, imported=traj.imported - imported_start[:, None],
        stable=traj.stable - traj.stable[:, :1], top_stock=traj.topsoil,
        imported_applied=fym + imported_start, soc_g_kg=soc_top,
    )
