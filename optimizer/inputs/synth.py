"""Synthetic projects of any size, for benchmarks and tests (``minesink synth``).

``synth_parcels(n, region, seed)`` draws a parcel table shaped like a real open-pit mine: a
mix of landforms in fixed proportions (dump slopes are the commonest units, platforms and
subsidence land the largest), and per landform the slope, slope length, area, bulk density and
depth ranges of the Pingshuo example (data/examples/pingshuo; dump facts from Bai et al. 1998:
bulk density > 1.6 g/cm3, organic matter < 4 g/kg).  Soil pH and organic carbon follow the
region (calcareous loess north, acid red soils south), with a share of acid coal-gangue units.
Elevation and clay are drawn around the region's typical values in data/regions.csv.

The distributions are assumptions made to exercise the planner; they are not data.  Everything
is drawn with one ``numpy.random.Generator`` in whole-array operations, so a seed always gives
the same project and 10 000 parcels take a few milliseconds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.inputs.csvio import check_outdir, write_folder_atomic
from optimizer.errors import InputError
from optimizer.inputs.parcels import LANDFORM_DEFAULTS, LANDFORMS

log = logging.getLogger(__name__)

#: landform -> (share of parcels, median area [ha], area log-sd, slope range [deg],
#: slope length range [m], elevation offset from the region's typical value [m])
LANDFORM_SHAPES: dict[str, tuple[float, float, float, tuple[float, float], tuple[float, float], float]] = {
    "platform": (0.22, 12.0, 0.6, (0.5, 3.0), (100.0, 300.0), 20.0),
    "slope": (0.38, 4.0, 0.5, (28.0, 38.0), (20.0, 80.0), 0.0),
    "pit_wall": (0.08, 4.0, 0.5, (45.0, 70.0), (15.0, 45.0), -40.0),
    "pit_floor": (0.05, 6.0, 0.6, (0.5, 4.0), (100.0, 300.0), -60.0),
    "subsidence": (0.15, 12.0, 0.6, (2.0, 10.0), (60.0, 200.0), 60.0),
    "tailings": (0.04, 3.5, 0.5, (0.0, 2.0), (80.0, 200.0), -20.0),
    "road": (0.08, 2.0, 0.5, (2.0, 8.0), (60.0, 200.0), 0.0),
}
#: median soil organic carbon by landform [g/kg] for the north (scaled by region below)
SOC_BY_LANDFORM = {"platform": 2.0, "slope": 1.7, "pit_wall": 1.2, "pit_floor": 1.6,
                   "subsidence": 3.5, "tailings": 2.5, "road": 1.4}
#: chance that a parcel of the landform is heavy-metal contaminated
CONTAMINATION = {"platform": 0.02, "slope": 0.02, "pit_wall": 0.2, "pit_floor": 0.1,
                 "subsidence": 0.0, "tailings": 0.6, "road": 0.02}


@dataclass(frozen=True)
class RegionSoil:
    """Soil shape of a region: substrate pH (mean, sd), acid-gangue share and pH range, SOC factor."""

    ph_mean: float
    ph_sd: float
    acid_share: float
    acid_ph: tuple[float, float]
    soc_factor: float


REGION_SOIL: dict[str, RegionSoil] = {
    "north": RegionSoil(8.2, 0.2, 0.08, (5.0, 6.2), 1.0),  # calcareous loess (Pingshuo)
    "northwest": RegionSoil(8.4, 0.25, 0.05, (5.0, 6.2), 0.8),
    "northeast": RegionSoil(7.2, 0.4, 0.08, (4.8, 6.0), 2.5),  # black soils
    "south": RegionSoil(5.2, 0.5, 0.15, (3.5, 4.5), 1.5),  # red soils, acid drainage
    "southwest": RegionSoil(6.3, 0.6, 0.10, (4.0, 5.0), 1.5),
}
#: share of parcels whose bulk density / clay is left blank, so defaults get exercised
BLANK_SHARE = 0.1
#: the budget pays, per hectare, for terracing plus tree planting, grass seeding and paid
#: maintenance (costs.csv items; maintenance per year x maintenance_years): far above the
#: cheapest erosion-safe plan and far below the carbon-richest options (biochar at 40 t/ha
#: x 2000 CNY/t is 80 000 CNY/ha alone), so a max-carbon plan is held back by the budget.
BUDGET_ITEMS = ("terrace_cny_ha", "tree_planting_cny_ha", "grass_seeding_cny_ha")
FALLBACK_BUDGET_CNY_HA = 36_750.0

def synth_parcels(n: int, region: str = "north", seed: int = 0, *, elevation_m: float = 1350.0,
                  clay_pct: float = 18.0) -> pd.DataFrame:
    """Draw ``n`` parcels (columns of parcels.csv) for ``region``; deterministic for ``seed``.

    Parameters
    ----------
    n : number of parcels (> 0)
    region : region key (soil pH and organic-carbon shape; REGION_SOIL)
    seed : random seed
    elevation_m : [m] the region's typical elevation
    clay_pct : [%] the region's typical clay content
    """
    rng = np.random.default_rng(seed)
    soil = REGION_SOIL.get(region, REGION_SOIL["north"])
    shares = np.array([LANDFORM_SHAPES[k][0] for k in LANDFORMS])
    code = rng.choice(len(LANDFORMS), size=n, p=shares / shares.sum())
    shape = [np.array([LANDFORM_SHAPES[k][i] for k in LANDFORMS]) for i in range(6)]
    slope_lo, slope_hi = shape[3].T
    len_lo, len_hi = shape[4].T

    area = np.exp(np.log(shape[1][code]) + shape[2][code] * rng.standard_normal(n))
    slope = rng.uniform(slope_lo[code], slope_hi[code])
    aspect = np.where(slope < 3.0, np.nan, rng.uniform(0.0, 360.0, n))
    acid = rng.random(n) < soil.acid_share
    ph = np.where(acid, rng.uniform(*soil.acid_ph, n), soil.ph_mean + soil.ph_sd * rng.standard_normal(n))
    soc_median = np.array([SOC_BY_LANDFORM[k] for k in LANDFORMS])[code] * soil.soc_factor
    bd_default = np.array([LANDFORM_DEFAULTS[k][0] for k in LANDFORMS])[code]
    depth_default = np.array([LANDFORM_DEFAULTS[k][1] for k in LANDFORMS])[code]
    contaminated = rng.random(n) < np.array([CONTAMINATION[k] for k in LANDFORMS])[code] + 0.3 * acid
    status = _status(rng, code, n)

    frame = pd.DataFrame({
        "parcel_id": np.char.add("P", np.char.zfill(np.arange(1, n + 1).astype(str), len(str(n)))),
        "area_ha": np.clip(area, 0.2, 60.0).round(2),
        "landform": np.array(LANDFORMS, dtype=object)[code],
        "slope_deg": slope.round(1),
        "slope_length_m": rng.uniform(len_lo[code], len_hi[code]).round(0),
        "aspect_deg": aspect.round(0),
        "elevation_m": np.maximum(elevation_m + shape[5][code] + 50.0 * rng.standard_normal(n), 5.0).round(0),
        "soil_ph": np.clip(ph, 3.0, 9.8).round(1),
        "soc_g_kg": np.clip(soc_median * np.exp(0.3 * rng.standard_normal(n)), 0.2, 60.0).round(2),
        "bulk_density_g_cm3": _blanked(rng, np.clip(bd_default + 0.05 * rng.standard_normal(n), 0.8, 2.3), 2),
        "clay_pct": _blanked(rng, np.clip(clay_pct + 3.0 * rng.standard_normal(n), 2.0, 60.0), 0),
        "soil_depth_cm": (depth_default * rng.uniform(0.7, 1.3, n)).round(0),
        "contaminated": np.where(contaminated, "true", "false"),
        "status": status,
        "forced_option": "",
    })
    return frame


def _blanked(rng: np.random.Generator, values: np.ndarray, decimals: int) -> np.ndarray:
    """Round ``values`` and blank (NaN) a BLANK_SHARE of them."""
    return np.where(rng.random(values.shape) < BLANK_SHARE, np.nan, values.round(decimals))


def _status(rng: np.random.Generator, code: np.ndarray, n: int) -> np.ndarray:
    """A few lock-ins (platforms, subsidence); pit walls are closed for safety (lock-out), as
    open-pit highwalls usually are - they are left to natural recovery."""
    landform = np.array(LANDFORMS)[code]
    draw = rng.random(n)
    status = np.full(n, "", dtype=object)
    status[np.isin(landform, ("platform", "subsidence")) & (draw < 0.03)] = "lock_in"
    status[landform == "pit_wall"] = "lock_out"
    return status


def synth_budget(total_area_ha: float, costs: pd.DataFrame | None) -> float:
    """Budget [CNY] for ``total_area_ha`` [ha]: BUDGET_ITEMS plus maintenance, per hectare.

    Uses costs.csv (columns item, cny) when it has every item, else FALLBACK_BUDGET_CNY_HA.
    Rounded to 1000 CNY.
    """
    per_ha = FALLBACK_BUDGET_CNY_HA
    if costs is not None and {"item", "cny"} <= set(costs.columns):
        price = dict(zip(costs["item"].astype(str), pd.to_numeric(costs["cny"], errors="coerce")))
        items = (*BUDGET_ITEMS, "maintenance_planted_cny_ha_yr", "maintenance_years")
        values = np.array([price.get(k, np.nan) for k in items], dtype=float)
        if np.isfinite(values).all():
            per_ha = float(values[:3].sum() + values[3] * values[4])
    return float(np.round(total_area_ha * per_ha, -3))

def project_toml(name: str, region: str, budget_cny: float, start_year: int = 2026,
                 horizon_year: int = 2060) -> str:
    """Text of a project.toml for a synthetic project."""
    return (
        "# Synthetic project written by `minesink synth` (distributions: optimizer/inputs/synth.py)\n"
        "[project]\n"
        f'name = "{name}"\n'
        f'region = "{region}"\n'
        f"start_year = {start_year}\n"
        f"horizon_year = {horizon_year}\n\n"
        "[budget]\n"
        f"total_cny = {budget_cny:.0f}   # terracing + trees + grass + maintenance per ha\n\n"
        "[constraints]\n"
        "max_species_area_share = 0.5\n"
    )


def write_synth_project(outdir: Path, n: int, region: str = "north", seed: int = 0,
                        force: bool = False) -> dict[str, float]:
    """Write project.toml and parcels.csv for a synthetic project into ``outdir``.

    Returns a summary: n_parcels, total_area_ha, budget_cny.
    """
    from optimizer.inputs.catalogue import load_catalogue

    if n < 1:
        raise InputError(f"--parcels {n}: expected a number of parcels of at least 1")
    check_outdir(outdir, force)
    catalogue = load_catalogue()
    regions = catalogue.regions.set_index("region") if "region" in catalogue.regions.columns \
        else catalogue.regions
    if region not in regions.index:
        raise InputError(f"--region '{region}': unknown region (expected one of: "
                         f"{', '.join(map(str, regions.index))})")
    row = regions.loc[region]
    parcels = synth_parcels(n, region, seed, elevation_m=float(row["elevation_m"]),
                            clay_pct=float(row["clay_pct"]))
    total = float(parcels["area_ha"].sum())
    budget = synth_budget(total, catalogue.costs)
    name = f"Synthetic {region} mine, {n} parcels (seed {seed})"

    def fill(folder: Path) -> None:
        parcels.to_csv(folder / "parcels.csv", index=False)
        (folder / "project.toml").write_text(project_toml(name, region, budget), encoding="utf-8")

    write_folder_atomic(outdir, force, fill)
    log.info("wrote %d synthetic parcels (%.0f ha) to %s", n, total, outdir)
    return {"n_parcels": n, "total_area_ha": total, "budget_cny": budget}


