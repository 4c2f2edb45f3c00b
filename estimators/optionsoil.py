"""Soil carbon change of every option row, 0-100 cm, by RothC (estimators.soil).

The option rows of one region share the climate; RothC groups them by clay and by the mix's
cover sequence internally, so the whole project runs as a handful of array operations.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from estimators.soil import soil_carbon_trajectory, stock_from_concentration

__all__ = ["soil_change"]

Array = NDArray[np.float64]
TOPSOIL_DEPTH_CM = 30.0  # [cm] RothC layer (IPCC 0-30 cm); the 30-100 cm layer follows it


def _litter(curves: Any, cand: Any, productivity: Array) -> tuple[Array, Array]:
    """Row litter input (n, Y) [t C/ha/yr] and its input-weighted DPM/RPM ratio (n,).

    Tree and shrub layers share one productivity (``productivity[:, 0]``), grass has its own.
    """
    woody_litter = curves.litter[:, 0, :-1] + curves.litter[:, 1, :-1]  # (M, Y)
    grass_litter = curves.litter[:, 2, :-1]
    pw, pg = productivity[:, 0], productivity[:, 2]
    plant = pw[:, None] * woody_litter[cand.mix] + pg[:, None] * grass_litter[cand.mix]
    layer_total = curves.litter[:, :, :-1].sum(axis=2)  # (M, 3)
    woody_ratio = np.divide((layer_total[:, :2] * curves.dpm_rpm[:, :2]).sum(axis=1), layer_total[:, :2].sum(axis=1),
                            out=np.ones(len(layer_total)), where=layer_total[:, :2].sum(axis=1) > 0)
    w = pw * layer_total[cand.mix, :2].sum(axis=1)
    g = pg * layer_total[cand.mix, 2]
    ratio = np.divide(w * woody_ratio[cand.mix] + g * curves.dpm_rpm[cand.mix, 2], w + g,
                      out=np.ones_like(w), where=(w + g) > 0)
    return plant, ratio


def soil_change(parcels: pd.DataFrame, cand: Any, curves: Any, productivity: Array, amendments: pd.DataFrame,
                catalogue: Any, region_key: str, settings: Any) -> tuple[Array, Array]:
    """Change of the 0-100 cm SOC stock since the works and the topsoil SOC concentration.

    The soil does not depend on the regrading, so RothC runs once per distinct (parcel,
    amendment, mix) and the result is shared by the rows that differ only in their regrading.

    Returns
    -------
    delta : ndarray (n, Y+1) [t C/ha]
        SOC(0-100 cm, year t) - SOC(0-100 cm, year 0); imported topsoil's carbon is part of the
        year-0 stock, so only what happens after the works counts.
    soc_g_kg : ndarray (n,) [g/kg]
        Concentration of the surface layer that erosion carries off.
    """
    key = (cand.parcel * len(amendments) + cand.amendment) * len(curves.mixes) + cand.mix
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    sub = SimpleNamespace(parcel=cand.parcel[first], amendment=cand.amendment[first], mix=cand.mix[first])
    delta, soc_top = _soil_rows(parcels, sub, curves, productivity[first], amendments, catalogue, region_key,
                                settings)
    return delta[inverse], soc_top[inverse]


def _soil_rows(parcels: pd.DataFrame, cand: Any, curves: Any, productivity: Array, amendments: pd.DataFrame,
               catalogue: Any, region_key: str, settings: Any) -> tuple[Array, Array]:
    """soil_change for rows that are all distinct."""
    soc = parcels["soc_g_kg"].to_numpy(dtype=float)[cand.parcel]
    bd = parcels["bulk_density_g_cm3"].to_numpy(dtype=float)[cand.parcel]
    depth_add = amendments["depth_add_cm"].to_numpy(dtype=float)[cand.amendment]
    topsoil_soc = pd.to_numeric(amendments.get("topsoil_soc_g_kg"), errors="coerce").to_numpy(dtype=float)
    topsoil_soc = topsoil_soc[cand.amendment] if topsoil_soc.size else np.full(len(soc), np.nan)
    rate = amendments["rate_t_ha"].to_numpy(dtype=float)[cand.amendment]
    imported = (depth_add >= TOPSOIL_DEPTH_CM) & ~np.isnan(topsoil_soc)
    topsoil_bd = np.divide(rate, depth_add * 100.0, out=np.ones_like(rate), where=depth_add > 0)
    soc_top = np.where(imported, topsoil_soc, soc)
    soc0 = stock_from_concentration(soc_top, np.where(imported, topsoil_bd, bd), TOPSOIL_DEPTH_CM)
    sub0 = stock_from_concentration(soc, bd, 100.0 - TOPSOIL_DEPTH_CM)

    plant, ratio = _litter(curves, cand, productivity)
    covered = (curves.cover_mid >= settings.rothc_cover_threshold)[cand.mix]
    carbon_in = amendments["carbon_input_t_c_ha"].to_numpy(dtype=float)[cand.amendment]
    pool = amendments["input_pool"].astype(str).to_numpy()[cand.amendment]
    permanence = pd.to_numeric(amendments["biochar_permanence"], errors="coerce").fillna(0.0).to_numpy()[cand.amendment]
    climate = catalogue.climate[catalogue.climate["region"] == region_key].sort_values("month")
    clay = parcels["clay_pct"].to_numpy(dtype=float)[cand.parcel]
    traj = soil_carbon_trajectory(
        soc0, clay, plant, ratio,
        fym_once=np.where(pool == "fym", carbon_in, 0.0),
        biochar_once=np.where(pool == "biochar", carbon_in, 0.0),
        biochar_permanence=permanence, covered=covered,
        tmp_c=climate["tmp_c"].to_numpy(dtype=float), rain_mm=climate["rain_mm"].to_numpy(dtype=float),
        evap_mm=climate["evap_mm"].to_numpy(dtype=float), depth_cm=TOPSOIL_DEPTH_CM, subsoil0_t_ha=sub0,
    )
    total = traj.topsoil + traj.subsoil
    return total - total[:, :1], soc_top
