"""The option table: what the estimators hand to the optimiser.

One row per parcel x feasible restoration option, with per-hectare yields at the horizon year.
This module only defines the container and its column names; ``estimators.options`` fills it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Carbon pools reported per option [t CO2e/ha at the horizon]; erosion, works and buffer are
#: emissions or deductions (negative numbers).  The pools the accounting policy counts add up to
#: ``net_tco2e_ha`` (imported and biochar only when the policy includes them), and with the buffer
#: to ``credited_tco2e_ha``.
POOLS: tuple[str, ...] = ("tree", "shrub", "grass", "soil", "imported", "biochar", "erosion", "works", "buffer")

#: Vegetation layers whose area shares the plan can constrain.
LAYERS: tuple[str, ...] = ("tree", "shrub", "grass")

#: Columns every option table row carries (DESIGN.md section 5, ``estimate -o FILE``).
OPTION_COLUMNS: tuple[str, ...] = (
    "parcel_id",  # text
    "option_id",  # text, e.g. "slope_25+lime+pine_shrub_grass"; "natural" for natural recovery
    "regrading",  # key of regrading.csv ("none" for natural)
    "amendment",  # key of amendments.csv ("none" for natural)
    "mix",  # key of mixes.csv ("natural" for natural recovery)
    "area_ha",  # [ha] the parcel's area
    "net_tco2e_ha",  # [t CO2e/ha] start..horizon, counted pools, net of erosion and works emissions
    "credited_tco2e_ha",  # [t CO2e/ha] net minus the reversal buffer: what the optimiser maximises
    "additional_tco2e_ha",  # [t CO2e/ha] credited minus the parcel's modelled natural recovery
    "tco2e_ha_2030",  # [t CO2e/ha] net, start..2030
    "cost_cny_ha",  # [CNY/ha] capital plus maintenance spent within the horizon
    "capital_cny_ha",  # [CNY/ha]
    "maintenance_cny_ha",  # [CNY/ha] summed over start..horizon
    "erosion_t_ha_yr",  # [t/ha/yr] mean annual soil loss start..horizon (tolerance applies here)
    "erosion_first5_t_ha_yr",  # [t/ha/yr] mean annual soil loss in the first five years
    "tree_share",  # [-] area share of the mix's tree layer (0..1)
    "shrub_share",  # [-]
    "grass_share",  # [-]
    *(f"{pool}_tco2e_ha" for pool in POOLS),  # [t CO2e/ha] at the horizon, by pool
)


@dataclass
class OptionTable:
    """Parcel x option yields plus the parcel facts the optimiser needs.

    Attributes
    ----------
    rows : DataFrame
        One row per parcel x feasible option with at least ``OPTION_COLUMNS``; rows of one parcel
        are contiguous, parcels in project order, options in catalogue order (deterministic).
        Every parcel has a row with ``option_id == "natural"``.
    parcels : DataFrame
        One row per parcel, index ``parcel_id``, columns ``area_ha`` [ha], ``region``,
        ``erosion_tolerance_t_ha_yr`` [t/ha/yr] (from the region unless the project overrides),
        ``status`` ("", "lock_in", "lock_out"), ``forced_option`` ("" or an option id).
    mix_species : DataFrame
        Index mix key, columns species keys: the area share of each species in the mix (0..1),
        so the area of species s in a plan is sum(area_ha x mix_species[mix, s]).
    years : ndarray of int
        Calendar years of the trajectory, start_year..horizon_year inclusive.
    net_trajectory : ndarray, shape (len(rows), len(years)), float32, or None
        Credited t CO2e/ha accumulated from the start year to each year (only when the estimate
        was asked for trajectories; ``years`` then holds every year start..horizon).
    start_year, horizon_year : int
    pool_trajectory : dict pool -> ndarray (len(rows), len(years)) float32, or None
        Every pool by year, when asked for.
    soil_loss_trajectory : ndarray (len(rows), len(years)) float32, or None
        Cumulative soil loss [t/ha] from the works to each year (supply-limited RUSLE/CSLE), when
        trajectories were asked for; ``soil_loss[:, -1] / (horizon - start)`` is
        ``erosion_t_ha_yr``.
    """

    rows: pd.DataFrame
    parcels: pd.DataFrame
    mix_species: pd.DataFrame
    years: np.ndarray
    net_trajectory: np.ndarray | None
    start_year: int
    horizon_year: int
    meta: dict = field(default_factory=dict)
    pool_trajectory: dict | None = None
    soil_loss_trajectory: np.ndarray | None = None

    def __post_init__(self) -> None:
        missing = [c for c in OPTION_COLUMNS if c not in self.rows.columns]
        if missing:
            raise ValueError(f"option table lacks columns {missing}")
        if self.net_trajectory is not None and self.net_trajectory.shape != (len(self.rows), len(self.years)):
            raise ValueError(
                f"net_trajectory has shape {self.net_trajectory.shape}, "
                f"expected {(len(self.rows), len(self.years))}"
            )
