"""Checks across catalogue tables (references, shares, layers, keys of option parts).

Every error names the file the offending row came from (a default table or a project's override
file), its spreadsheet row and column: the typed tables carry ``_file`` and ``_row`` columns while
they are checked.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd

from estimators.growth import MODELS, OPTIONAL
from optimizer.inputs.catalogue_specs import REQUIRED_COSTS, power_needs
from optimizer.inputs.csvio import sheet_row
from optimizer.errors import InputError

log = logging.getLogger(__name__)

SHARE_TOLERANCE = 1e-9


def fail_at(frame: pd.DataFrame, position: int, column: str | None, message: str) -> InputError:
    """InputError at the origin (file, row) of ``frame``'s row ``position``."""
    row = frame.iloc[position]
    return InputError.at(str(row["_file"]), message, int(row["_row"]), column)


def _first(mask: np.ndarray | pd.Series) -> int | None:
    hits = np.flatnonzero(np.asarray(mask))
    return int(hits[0]) if hits.size else None


def check_list_column(values: pd.Series, allowed: frozenset[str] | set[str], label: str, column: str) -> None:
    """Every ``;``-separated item of ``values`` must be in ``allowed``."""
    items = values.astype(str).str.split(";").apply(lambda xs: [x.strip() for x in xs])
    bad = items.apply(lambda xs: next((x for x in xs if x not in allowed), None))
    position = _first(bad.notna())
    if position is not None:
        raise InputError.at(label, f"'{bad.iloc[position]}' is not one of: {', '.join(sorted(allowed))}",
                            sheet_row(position), column)


def cross_check(tables: dict[str, pd.DataFrame]) -> None:
    """All checks that need more than one row or table."""
    regions = set(tables["regions"]["region"])
    _check_regions(tables["regions"], tables["ipcc_soil"])
    _check_climate(tables["climate"], regions)
    _check_species(tables["species"], regions)
    _check_mixes(tables["mixes"], tables["species"], regions)
    _check_option_keys(tables)
    _check_costs(tables["costs"])
    _check_wall_mixes(tables["regrading"], set(tables["mixes"]["mix"]))
    if "buffer" in tables:
        _check_buffer(tables["buffer"], regions)


def _check_wall_mixes(regrading: pd.DataFrame, mixes: set[str]) -> None:
    """Mixes a highwall technique lists must exist in mixes.csv."""
    if "mixes" not in regrading.columns:
        return
    for i, cell in enumerate(regrading["mixes"].fillna("").astype(str)):
        unknown = [m.strip() for m in cell.split(";") if m.strip() and m.strip() not in mixes]
        if unknown:
            raise fail_at(regrading, i, "mixes", f"unknown mix '{unknown[0]}' (not in mixes.csv)")


def _check_buffer(buffer: pd.DataFrame, regions: set[str]) -> None:
    """Every region has a buffer share for every option type."""
    bad = _first(~buffer["region"].isin(regions))
    if bad is not None:
        raise fail_at(buffer, bad, "region", f"unknown region '{buffer['region'].iloc[bad]}'")
    kinds = {"natural", "grass", "woody", "highwall"}
    for region in sorted(regions):
        have = set(buffer.loc[buffer["region"] == region, "option_type"])
        if kinds - have:
            raise InputError.at(str(buffer["_file"].iloc[0]) if len(buffer) else "buffer.csv",
                                f"region '{region}' has no buffer share for option type(s) "
                                f"{', '.join(sorted(kinds - have))}")


def _check_regions(regions: pd.DataFrame, ipcc: pd.DataFrame) -> None:
    zones = set(ipcc.loc[ipcc["kind"] == "soc_ref", "climate"])
    if not zones:
        return
    bad = _first(~regions["ipcc_climate_zone"].isin(zones))
    if bad is not None:
        raise fail_at(regions, bad, "ipcc_climate_zone",
                      f"'{regions['ipcc_climate_zone'].iloc[bad]}' is not a climate zone of ipcc_soil.csv "
                      f"(known: {', '.join(sorted(zones))})")


def _check_climate(climate: pd.DataFrame, regions: set[str]) -> None:
    bad = _first(~climate["region"].isin(regions))
    if bad is not None:
        raise fail_at(climate, bad, "region", f"unknown region '{climate['region'].iloc[bad]}'")
    whole = climate["month"].to_numpy() == np.round(climate["month"].to_numpy())
    bad = _first(~whole)
    if bad is not None:
        raise fail_at(climate, bad, "month", "a month is a whole number 1-12")
    counts = climate.groupby("region", sort=False)["month"].nunique()
    short = [r for r in regions if counts.get(r, 0) != 12]
    if short:
        where = climate.index[climate["region"] == short[0]]
        if len(where):
            raise fail_at(climate, int(where[0]), "month", f"region '{short[0]}' needs 12 months (1-12)")
        raise InputError.at(str(climate["_file"].iloc[0]), f"no monthly climate for region '{short[0]}'")


def _check_species(species: pd.DataFrame, regions: set[str]) -> None:
    items = species["regions"].astype(str).str.split(";").apply(lambda xs: [x.strip() for x in xs])
    bad = items.apply(lambda xs: next((x for x in xs if x not in regions), None))
    hit = _first(bad.notna())
    if hit is not None:
        raise fail_at(species, hit, "regions",
                      f"'{bad.iloc[hit]}' is not a region (known: {', '.join(sorted(regions))})")
    for model, group in species.groupby("growth_model", sort=False):
        needs = power_needs() if model == "power" else tuple(
            f"growth_{p}" for p in MODELS[model] if p not in OPTIONAL.get(model, {}))
        for column in needs:
            blank = group[column].isna()
            if blank.any():
                position = species.index.get_loc(blank.index[blank.argmax()])
                raise fail_at(species, int(position), column, f"growth model '{model}' needs {column}")
    bef = species["bef_method"] != "none"
    for column in ("bef_a", "bef_b"):
        hit = _first(bef & species[column].isna())
        if hit is not None:
            raise fail_at(species, hit, column,
                          f"bef_method '{species['bef_method'].iloc[hit]}' needs {column}")
    for lo, hi in (("mat_min_c", "mat_max_c"), ("map_min_mm", "map_max_mm"), ("ph_min", "ph_max"),
                   ("elev_min_m", "elev_max_m")):
        hit = _first(species[lo] > species[hi])
        if hit is not None:
            raise fail_at(species, hit, hi, f"{hi} is below {lo}")


def _check_mixes(mixes: pd.DataFrame, species: pd.DataFrame, regions: set[str]) -> None:
    hit = _first(~mixes["region"].isin(regions))
    if hit is not None:
        raise fail_at(mixes, hit, "region", f"unknown region '{mixes['region'].iloc[hit]}'")
    layer_of = dict(zip(species["species"], species["layer"]))
    hit = _first(~mixes["species"].isin(layer_of))
    if hit is not None:
        raise fail_at(mixes, hit, "species", f"unknown species '{mixes['species'].iloc[hit]}' "
                      "(not in the species table; check the spelling or add it to a species file)")
    expected = mixes["species"].map(layer_of)
    hit = _first(mixes["layer"] != expected)
    if hit is not None:
        raise fail_at(mixes, hit, "layer", f"species '{mixes['species'].iloc[hit]}' is a "
                      f"{expected.iloc[hit]} in the species table, not a {mixes['layer'].iloc[hit]}")
    totals = mixes.groupby(["region", "mix"], sort=False)["area_share"].transform("sum")
    hit = _first(totals > 1.0 + SHARE_TOLERANCE)
    if hit is not None:
        row = mixes.iloc[hit]
        raise fail_at(mixes, hit, "area_share", f"the area shares of mix '{row['mix']}' in region "
                      f"'{row['region']}' add up to {totals.iloc[hit]:.3g} (at most 1; the rest is bare)")
    natural = mixes["mix"] == "natural"
    hit = _first(natural == mixes["planted"])
    if hit is not None:
        raise fail_at(mixes, hit, "planted", "planted is false for the 'natural' mix and only for it")
    missing = sorted(set(mixes["region"]) - set(mixes.loc[natural, "region"]))
    if missing:
        hit = _first(mixes["region"] == missing[0])
        assert hit is not None  # missing[0] is a region of mixes
        raise fail_at(mixes, int(hit), "mix", f"region '{missing[0]}' has no 'natural' mix "
                      "(natural recovery is every parcel's baseline)")


def _check_option_keys(tables: dict[str, pd.DataFrame]) -> None:
    """Regrading, amendment and mix keys are disjoint (but for 'none') and both 'none' rows exist."""
    parts = (("regrading", "regrading"), ("amendments", "amendment"), ("mixes", "mix"))
    seen: dict[str, str] = {}
    for table, column in parts:
        frame = tables[table]
        for position, key in enumerate(frame[column]):
            other = seen.get(key)
            if other is not None and other != table and key != "none":
                raise fail_at(frame, position, column, f"'{key}' is already a key of {other}; "
                              "regrading, amendment and mix keys must differ (option ids join them)")
        seen.update({k: table for k in frame[column]})
    for table, column in parts[:2]:
        frame = tables[table]
        if "none" not in set(frame[column]):
            raise InputError.at(str(frame["_file"].iloc[0]), f"the '{column}' column needs a 'none' row")


def _check_costs(costs: pd.DataFrame) -> None:
    missing = [item for item in REQUIRED_COSTS if item not in set(costs["item"])]
    if missing:
        raise InputError.at(str(costs["_file"].iloc[0]), f"missing cost item '{missing[0]}'", None, "item")


def apply_growth(species: pd.DataFrame, fitted: pd.DataFrame, label: str,
                 columns: tuple[str, ...]) -> list[str]:
    """Write calibrated growth parameters into ``species`` (in place); notes for the report."""
    notes: list[str] = []
    ok = fitted["growth_model"].astype(str) != ""
    for _, row in fitted[~ok].iterrows():
        notes.append(f"growth of {row['species']} not calibrated from {label}: {row['warnings']}")
    good = fitted[ok]
    where = species.index[species["species"].isin(good["species"])]
    ordered = good.set_index("species").loc[species.loc[where, "species"]]
    for column in columns:
        values = ordered[column].to_numpy()
        if column in ("growth_model", "growth_basis"):
            species.loc[where, column] = values.astype(str)
        else:
            species.loc[where, column] = values.astype(float)
    species.loc[where, "source"] = f"project inventory {label}"
    for name, row in good.iterrows():
        r2 = row["r2"]
        fit = f"r2 {r2:.3f}" if isinstance(r2, float) and math.isfinite(r2) else "r2 n/a"
        notes.append(f"growth of {row['species']} calibrated from {label}: {row['growth_model']} "
                     f"({row['growth_basis']}, n = {int(row['n'])}, {fit})")
    log.info("calibrated %d species from %s", len(good), label)
    return notes
