"""What a plan asks for on the ground: species, planting densities, amendment tonnage, cost items.

``mix_facts(catalogue, region)`` describes every mix of a region (species with area shares,
stems per hectare by layer, sowing rate); ``add_plan_facts(table, catalogue)`` puts the per-row
quantities into an option table (``amendment_t_ha``, ``tree_stems_ha``, ``shrub_stems_ha``,
``grass_stems_ha``, ``seed_kg_ha``) so plan.csv can carry them; ``cost_items(...)`` splits the
plan's cost by item with the unit prices of costs.csv, as ``estimators.optioncost`` adds them up.

Densities in mixes.csv are per hectare of the species' own share (``stems_per_ha`` where it is
planted, ``seed_kg_ha`` for a pure sward), so a mix gives sum(share x density) per parcel hectare.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from estimators.optioncost import is_terrace, unit_costs
from estimators.table import LAYERS, OptionTable

__all__ = ["FACT_COLUMNS", "add_plan_facts", "cost_items", "mix_facts", "species_names"]

#: per-row columns ``add_plan_facts`` adds to an option table [t/ha, stems/ha, kg/ha]
FACT_COLUMNS = ("amendment_t_ha", *(f"{lay}_stems_ha" for lay in LAYERS), "seed_kg_ha")


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[name], errors="coerce")


def species_names(catalogue: Any) -> dict[str, str]:
    """Species key -> common name (the key when species.csv has no common name)."""
    sp = catalogue.species
    names = sp["common_name"].astype(str) if "common_name" in sp.columns else sp["species"].astype(str)
    return {k: (n if n.strip() else k) for k, n in zip(sp["species"].astype(str), names)}


def mix_facts(catalogue: Any, region: str) -> pd.DataFrame:
    """One row per mix of ``region`` (index mix): ``species`` (text: 'Simon poplar 0.50, alfalfa
    0.30'), ``{layer}_stems_ha`` [stems per parcel ha], ``seed_kg_ha`` [kg per parcel ha],
    ``planted`` (bool)."""
    mixes = catalogue.mixes[catalogue.mixes["region"] == region].copy()
    names = species_names(catalogue)
    share = _column(mixes, "area_share").fillna(0.0)
    mixes["_stems"] = share * _column(mixes, "stems_per_ha").fillna(0.0)
    mixes["_seed"] = share * _column(mixes, "seed_kg_ha").fillna(0.0)
    mixes["_text"] = [f"{names.get(s, s)} {a:.2f}" for s, a in zip(mixes["species"].astype(str), share)]
    planted = mixes["planted"].astype(bool) if "planted" in mixes.columns else pd.Series(True, index=mixes.index)
    mixes["_planted"] = planted
    groups = mixes.groupby("mix", sort=False)
    out = pd.DataFrame({
        "species": groups["_text"].agg(", ".join),
        **{f"{lay}_stems_ha": mixes[mixes["layer"] == lay].groupby("mix", sort=False)["_stems"].sum()
           for lay in LAYERS},
        "seed_kg_ha": groups["_seed"].sum(),
        "planted": groups["_planted"].first(),
    })
    for lay in LAYERS:
        out[f"{lay}_stems_ha"] = out[f"{lay}_stems_ha"].fillna(0.0)
    # natural recovery is colonised, not planted: no stems, no seed
    out.loc[~out["planted"].astype(bool), [*(f"{lay}_stems_ha" for lay in LAYERS), "seed_kg_ha"]] = 0.0
    out.index.name = "mix"
    return out


def add_plan_facts(table: OptionTable, catalogue: Any) -> None:
    """Add ``FACT_COLUMNS`` to ``table.rows`` (in place) from amendments.csv and mixes.csv."""
    rows = table.rows
    region = str(table.meta.get("region") or table.parcels["region"].iloc[0])
    rate = catalogue.amendments.set_index("amendment")["rate_t_ha"].astype(float)
    rows["amendment_t_ha"] = _lookup(rows["amendment"], rate)
    facts = mix_facts(catalogue, region)
    mix_codes, mixes = pd.factorize(rows["mix"])  # a few distinct mixes: look each up once
    for col in FACT_COLUMNS[1:]:
        rows[col] = _lookup(pd.Series(mixes), facts[col])[mix_codes] if len(rows) else np.zeros(0)


def _lookup(keys: pd.Series, values: pd.Series) -> np.ndarray:
    """Float of every key in ``values`` (0 where missing), factorising the keys first."""
    codes, uniques = pd.factorize(keys)
    found = pd.Series(uniques).map(values).fillna(0.0).to_numpy(dtype=float)
    return found[codes] if len(codes) else np.zeros(0)


def _amendment_prices(amendments: pd.DataFrame, price: dict[str, float]) -> dict[str, tuple[str, float]]:
    """Amendment -> (cost item, CNY per ha): rate x <key>_cny_t, or imported topsoil by volume."""
    out: dict[str, tuple[str, float]] = {}
    for key, rate, depth in zip(amendments["amendment"], amendments["rate_t_ha"].astype(float),
                                amendments["depth_add_cm"].astype(float)):
        if key == "none":
            continue
        if f"{key}_cny_t" in price:
            out[key] = (f"{key}_cny_t", rate * price[f"{key}_cny_t"])
        elif depth > 0 and "topsoil_cny_m3" in price:
            out[key] = ("topsoil_cny_m3", depth / 100.0 * 1.0e4 * price["topsoil_cny_m3"])
    return out


def cost_items(plan: pd.DataFrame, catalogue: Any, region: str,
               slope_deg: np.ndarray | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The plan's cost by item [CNY] per parcel, and the costs.csv items the plan uses.

    ``plan`` is plan.csv's frame (area_ha, regrading, amendment, mix, capital_cny,
    maintenance_cny, earthwork_m3, {layer}_share). Items: earthwork, regrading (per-ha price of
    terraces, contours), amendments, planting (trees, shrubs, grass seeding), natural closure,
    maintenance; ``other`` is what capital holds beyond them (0 when the items add up).
    ``slope_deg`` [degrees] per plan row prices techniques sold per m2 of slope surface.
    Earthwork of terraces (bench cut) is in their per-ha price, so it is not priced again.
    """
    price = unit_costs(catalogue.costs)
    area = plan["area_ha"].to_numpy(dtype=float)
    used: list[str] = []
    reg = plan["regrading"].astype(str)
    terraces = set(catalogue.regrading["regrading"][is_terrace(catalogue.regrading)].astype(str))
    earth_m3 = _column(plan, "earthwork_m3").fillna(0.0).to_numpy(dtype=float) * ~reg.isin(terraces).to_numpy()
    items: dict[str, np.ndarray] = {"earthwork": earth_m3 * price.get("earthwork_cny_m3", 0.0)}
    if (earth_m3 > 0).any():
        used.append("earthwork_cny_m3")
    per_ha = reg.map(lambda k: price.get(f"{k}_cny_ha", 0.0)).to_numpy(dtype=float)
    per_m2 = reg.map(lambda k: price.get(f"{k}_cny_m2", 0.0)).to_numpy(dtype=float)
    slope = np.zeros(len(plan)) if slope_deg is None else np.minimum(np.asarray(slope_deg, dtype=float), 85.0)
    items["regrading"] = area * (per_ha + per_m2 * 1.0e4 / np.cos(np.radians(slope)))
    used += sorted({f"{k}_cny_{u}" for k in reg for u in ("ha", "m2") if f"{k}_cny_{u}" in price})
    amend = _amendment_prices(catalogue.amendments, price)
    am = plan["amendment"].astype(str)
    items["amendments"] = area * am.map(lambda k: amend.get(k, ("", 0.0))[1]).to_numpy(dtype=float)
    used += sorted({amend[k][0] for k in am if k in amend})
    facts = mix_facts(catalogue, region)
    planted = plan["mix"].map(facts["planted"]).fillna(True).astype(bool).to_numpy()
    layer_item = {"tree": "tree_planting_cny_ha", "shrub": "shrub_planting_cny_ha", "grass": "grass_seeding_cny_ha"}
    for lay, item in layer_item.items():
        share = plan[f"{lay}_share"].to_numpy(dtype=float) * planted
        items[f"{lay} planting"] = area * share * price.get(item, 0.0)
        if (share > 0).any():
            used.append(item)
    items["natural closure"] = area * ~planted * price.get("natural_closure_cny_ha", 0.0)
    if (~planted).any():
        used.append("natural_closure_cny_ha")
    capital = plan["capital_cny"].to_numpy(dtype=float)
    other = capital - np.sum(list(items.values()), axis=0)
    items["other"] = np.where(np.abs(other) > 1e-6 * np.maximum(np.abs(capital), 1.0), other, 0.0)
    items["maintenance"] = plan["maintenance_cny"].to_numpy(dtype=float)
    if planted.any():
        used.append("maintenance_planted_cny_ha_yr")
    if (~planted).any():
        used.append("maintenance_natural_cny_ha_yr")
    if "maintenance_years" in price and (items["maintenance"] > 0).any():
        used.append("maintenance_years")
    frame = pd.DataFrame(items, index=plan["parcel_id"].to_numpy())
    return frame, list(dict.fromkeys(used))
