"""Capital and maintenance cost of restoration options [CNY/ha].

Unit costs come from costs.csv (item -> CNY); the quantities from the option's parts:

    capital = earthwork [m3/ha] x earthwork_cny_m3            (regrading to a gentler slope)
            + <regrading>_cny_ha                              (a per-ha price of the regrading
                                                              itself when costs.csv has one:
                                                              terrace_cny_ha, contour_cny_ha)
            + <regrading>_cny_m2 x 10 000 / cos(slope)        (highwall techniques priced per m2
                                                              of slope surface)
            + rate [t/ha] x <amendment>_cny_t                 (or topsoil volume x topsoil_cny_m3)
            + tree_share x tree_planting_cny_ha + shrub_share x shrub_planting_cny_ha
            + grass_share x grass_seeding_cny_ha              (planted mixes)
            + natural_closure_cny_ha                          (natural recovery: fencing, signs)
    maintenance = maintenance_<planted|natural>_cny_ha_yr x min(maintenance_years, horizon - start)

All within the horizon, undiscounted (the budget is a sum of money to spend).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["OptionCosts", "is_terrace", "option_costs", "unit_costs"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class OptionCosts:
    """Per-row costs [CNY/ha] and the earth moved [m3/ha]."""

    capital: Array
    maintenance: Array
    earthwork_m3_ha: Array


def is_terrace(regrading: pd.DataFrame) -> NDArray[np.bool_]:
    """Regradings that build benches on the existing gradient (bench spacing, no target slope)."""
    return (np.isnan(regrading["target_slope_deg"].to_numpy(dtype=float))
            & ~np.isnan(regrading["bench_spacing_m"].to_numpy(dtype=float)))


def unit_costs(costs: pd.DataFrame) -> dict[str, float]:
    """costs.csv as ``{item: cny}``."""
    return dict(zip(costs["item"].astype(str), pd.to_numeric(costs["cny"]).astype(float)))


def _amendment_cost(amendments: pd.DataFrame, price: Mapping[str, float]) -> Array:
    """Cost of each amendment per ha: rate x its price per t, or imported topsoil by volume."""
    out = np.zeros(len(amendments))
    for i, (key, rate, depth) in enumerate(zip(amendments["amendment"], amendments["rate_t_ha"].astype(float),
                                               amendments["depth_add_cm"].astype(float))):
        if key == "none":
            continue
        if f"{key}_cny_t" in price:
            out[i] = rate * price[f"{key}_cny_t"]
        elif depth > 0:
            out[i] = depth / 100.0 * 1.0e4 * price["topsoil_cny_m3"]
        else:
            raise KeyError(f"costs.csv has no item '{key}_cny_t' for amendment '{key}'")
    return out


def option_costs(cand: Any, earthwork_m3_ha: Array, regrading: pd.DataFrame, amendments: pd.DataFrame,
                 curves: Any, costs: pd.DataFrame, n_years: int, slope_deg: Array | None = None) -> OptionCosts:
    """Capital and maintenance of each candidate row (see the module docstring).

    Parameters
    ----------
    cand : Candidates (estimators.options) with integer arrays regrading, amendment, mix
    earthwork_m3_ha : ndarray [m3/ha] per row
    regrading, amendments : catalogue tables (positions match ``cand``)
    curves : MixCurves (layer_shares, planted)
    costs : costs.csv table
    n_years : int, horizon - start [yr]
    slope_deg : ndarray [degrees] per row, the parcel's slope (for prices per m2 of slope surface;
        0 when not given)
    """
    price = unit_costs(costs)
    per_ha = np.array([price.get(f"{key}_cny_ha", 0.0) for key in regrading["regrading"]])
    per_m2 = np.array([price.get(f"{key}_cny_m2", 0.0) for key in regrading["regrading"]])
    slope = np.zeros(len(cand.regrading)) if slope_deg is None else np.minimum(slope_deg, 85.0)
    surface_m2_ha = 1.0e4 / np.cos(np.radians(slope))  # slope surface per ha of plan area, capped at 85 deg
    regrade = earthwork_m3_ha * price["earthwork_cny_m3"] + per_ha[cand.regrading] + per_m2[cand.regrading] * surface_m2_ha
    amend = _amendment_cost(amendments, price)[cand.amendment]
    layer_price = np.array([price["tree_planting_cny_ha"], price["shrub_planting_cny_ha"], price["grass_seeding_cny_ha"]])
    planting_by_mix = np.where(curves.planted, curves.layer_shares @ layer_price, price["natural_closure_cny_ha"])
    capital = regrade + amend + planting_by_mix[cand.mix]
    years = min(float(price.get("maintenance_years", n_years)), float(n_years))
    upkeep_by_mix = np.where(curves.planted, price["maintenance_planted_cny_ha_yr"],
                             price["maintenance_natural_cny_ha_yr"]) * years
    return OptionCosts(capital=capital, maintenance=upkeep_by_mix[cand.mix], earthwork_m3_ha=earthwork_m3_ha)
