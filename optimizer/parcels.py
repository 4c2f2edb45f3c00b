"""Read and validate a project's parcel table (DESIGN.md section 4, ``parcels.csv``).

``read_parcels(root)`` finds ``parcels.csv`` (or ``parcels.geojson`` / ``parcels.gpkg`` when
geopandas is installed) and returns its columns as text; ``validate_parcels`` converts them to
typed columns, checks every value and fills the optional columns' defaults.  Every error is one
``InputError`` naming the file, the row (as a spreadsheet shows it: header = row 1; for GIS files
the feature number, first = 1) and the column.

Defaults filled when a cell (or the whole column) is blank
-----------------------------------------------------------
``bulk_density_g_cm3`` and ``soil_depth_cm`` by landform (``LANDFORM_DEFAULTS``):

==========  ===================  ==============  =============================================
landform    bulk density g/cm3   soil depth cm   source
==========  ===================  ==============  =============================================
platform    1.65                 60              Bai et al. 1998 (Pingshuo Antaibao dump
                                                 > 1.6 g/cm3, reference soil.md section 4);
                                                 depth: assumption
slope       1.62                 50              Bai et al. 1998 (> 1.6); depth: assumption
pit_wall    1.80                 10              assumption (rock and gangue faces)
pit_floor   1.70                 30              assumption (compacted haul floor)
subsidence  1.40                 100             assumption (undisturbed loess, cracked)
tailings    1.45                 50              assumption
road        1.85                 20              assumption (traffic-compacted)
==========  ===================  ==============  =============================================

``clay_pct`` and ``elevation_m`` default to the region's ``clay_pct`` and ``elevation_m``
(data/regions.csv); ``contaminated`` to false; ``status`` to "" (free); ``aspect_deg`` stays
NaN (flat or unknown).  The ``defaults_used`` column of the returned table lists, per parcel,
the columns that were filled (``;``-separated) and ``summarise_defaults`` words them for the
report.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from optimizer.csvio import FALSE_WORDS, TRUE_WORDS, first_bad, read_csv
from optimizer.errors import InputError

log = logging.getLogger(__name__)

LANDFORMS: tuple[str, ...] = ("platform", "slope", "pit_wall", "pit_floor", "subsidence", "tailings", "road")
STATUSES: tuple[str, ...] = ("", "lock_in", "lock_out")
REQUIRED: tuple[str, ...] = ("parcel_id", "area_ha", "landform", "slope_deg", "slope_length_m",
                             "soil_ph", "soc_g_kg")
OPTIONAL: tuple[str, ...] = ("aspect_deg", "elevation_m", "bulk_density_g_cm3", "clay_pct",
                             "soil_depth_cm", "contaminated", "status", "forced_option",
                             "erosion_tolerance_t_ha_yr", "earliest_year")
PARCEL_FILES: tuple[str, ...] = ("parcels.csv", "parcels.geojson", "parcels.gpkg")

#: landform -> (bulk density [g/cm3], substrate depth [cm], source); see the module docstring.
LANDFORM_DEFAULTS: dict[str, tuple[float, float, str]] = {
    "platform": (1.65, 60.0, "Bai et al. 1998 (Pingshuo dump > 1.6 g/cm3); depth assumption"),
    "slope": (1.62, 50.0, "Bai et al. 1998 (Pingshuo dump > 1.6 g/cm3); depth assumption"),
    "pit_wall": (1.80, 10.0, "assumption"),
    "pit_floor": (1.70, 30.0, "assumption"),
    "subsidence": (1.40, 100.0, "assumption"),
    "tailings": (1.45, 50.0, "assumption"),
    "road": (1.85, 20.0, "assumption"),
}

#: numeric column -> (required, lo, hi, lo_open, hi_open, what the user should give)
NUMERIC_RULES: dict[str, tuple[bool, float, float, bool, bool, str]] = {
    "area_ha": (True, 0.0, np.inf, True, False, "an area in hectares greater than 0"),
    "slope_deg": (True, 0.0, 90.0, False, False, "a slope in degrees from 0 to 90"),
    "slope_length_m": (True, 0.0, np.inf, True, False, "a slope length in metres greater than 0"),
    "aspect_deg": (False, 0.0, 360.0, False, False, "an aspect in degrees from 0 to 360, or blank for flat"),
    "elevation_m": (False, -500.0, 9000.0, False, False, "an elevation in metres from -500 to 9000"),
    "soil_ph": (True, 0.0, 14.0, False, False, "a pH from 0 to 14"),
    "soc_g_kg": (True, 0.0, 1000.0, False, False, "an organic carbon content in g/kg, 0 or more"),
    "bulk_density_g_cm3": (False, 0.5, 2.5, True, True, "a bulk density in g/cm3 between 0.5 and 2.5"),
    "clay_pct": (False, 0.0, 100.0, False, False, "a clay content in % from 0 to 100"),
    "soil_depth_cm": (False, 0.0, 1000.0, False, False, "a substrate depth in cm, 0 (bare rock) or more"),
    "rock_fragment_pct": (False, 0.0, 100.0, False, False,
                          "a rock-fragment share of the substrate in % from 0 to 100, or blank for the landform's"),
    "erosion_tolerance_t_ha_yr": (False, 0.0, np.inf, True, False,
                                  "a soil-loss tolerance in t/ha/yr greater than 0, or blank for the project's"),
    "earliest_year": (False, 1990.0, 2200.0, False, False,
                      "the first year the parcel can be worked (released by mining), or blank for the start year"),
}


@dataclass(frozen=True)
class Where:
    """How to name a place in the parcel file: ``file, row R, column 'C'``."""

    file: str
    gis: bool = False

    def row(self, position: int) -> str:
        """Name the 0-based data row ``position`` as a user sees it."""
        return f"feature {position + 1}" if self.gis else f"row {position + 2}"

    def error(self, message: str, position: int | None = None, column: str | None = None) -> InputError:
        """An InputError naming the file, row and column."""
        parts = [self.file]
        if position is not None:
            parts.append(self.row(position))
        if column is not None:
            parts.append(f"column '{column}'")
        return InputError(f"{', '.join(parts)}: {message}")


def find_parcel_file(root: Path) -> Path:
    """The one parcel file in ``root`` (InputError when none or several)."""
    found = [root / name for name in PARCEL_FILES if (root / name).is_file()]
    if not found:
        raise InputError(f"{root}: no parcels file found (expected parcels.csv, "
                         "or parcels.geojson / parcels.gpkg)")
    if len(found) > 1:
        names = " and ".join(p.name for p in found)
        raise InputError(f"{root}: found {names}; keep only one parcels file")
    return found[0]


def read_parcels(path: Path) -> tuple[pd.DataFrame, Where, np.ndarray | None]:
    """Read a parcel file as text columns.

    Returns the text table, how to name its rows, and for GIS files the area of each geometry
    [ha] (None for CSV).
    """
    if path.suffix.lower() == ".csv":
        return read_csv(path, required=("parcel_id",)), Where(path.name), None
    return _read_gis(path)


def _read_gis(path: Path) -> tuple[pd.DataFrame, Where, np.ndarray]:
    try:
        import geopandas  # noqa: F401
    except ImportError:
        raise InputError(f"{path.name}: reading GeoJSON/GeoPackage parcels needs the GIS extra: "
                         "pip install minesink[gis] (or give parcels.csv instead)") from None
    from optimizer.gis import read_gis_parcels

    frame, area_ha = read_gis_parcels(path)
    if len(frame) == 0:
        raise InputError(f"{path.name}: the file has no features")
    return frame, Where(path.name, gis=True), area_ha


def _numeric(frame: pd.DataFrame, column: str, where: Where) -> np.ndarray:
    """Convert one text column to float64 and check its range (blank = NaN when optional)."""
    required, lo, hi, lo_open, hi_open, expected = NUMERIC_RULES[column]
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    text = frame[column].astype(str)
    blank = text.eq("").to_numpy()
    values = np.array(pd.to_numeric(text.where(~blank, None), errors="coerce"), dtype=float)
    bad = first_bad((~np.isfinite(values)) & ~blank)
    if bad is not None:
        raise where.error(f"'{text.iloc[bad]}' is not a number (expected {expected})", bad, column)
    if required:
        miss = first_bad(blank)
        if miss is not None:
            raise where.error(f"a value is required here (expected {expected})", miss, column)
    low = (values <= lo) if lo_open else (values < lo)
    high = (values >= hi) if hi_open else (values > hi)
    bad = first_bad(~blank & (low | high))
    if bad is not None:
        side = "too small" if low[bad] else "too large"
        raise where.error(f"{values[bad]:g} is {side} (expected {expected})", bad, column)
    return values


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[column].astype(str).str.strip()


def _check_ids(frame: pd.DataFrame, where: Where) -> pd.Series:
    ids = _text(frame, "parcel_id")
    miss = first_bad(ids.eq(""))
    if miss is not None:
        raise where.error("a parcel_id is required on every row", miss, "parcel_id")
    dup = first_bad(ids.duplicated(keep="first"))
    if dup is not None:
        first = int(np.flatnonzero(ids.eq(ids.iloc[dup]).to_numpy())[0])
        raise where.error(f"duplicate parcel_id '{ids.iloc[dup]}' (also on {where.row(first)}); "
                          "parcel ids must be unique", dup, "parcel_id")
    return ids


def _choice(frame: pd.DataFrame, column: str, allowed: tuple[str, ...], where: Where,
            aliases: dict[str, str] | None = None) -> pd.Series:
    """Lower-cased text column whose values must be in ``allowed``."""
    values = _text(frame, column).str.lower().replace(aliases or {})
    bad = first_bad(~values.isin(allowed))
    if bad is not None:
        shown = ", ".join(a for a in allowed if a) + (" or blank" if "" in allowed else "")
        raise where.error(f"unknown {column} '{frame[column].iloc[bad]}' (expected one of: {shown})",
                          bad, column)
    return values


def _bool(frame: pd.DataFrame, column: str, where: Where) -> np.ndarray:
    text = _text(frame, column).str.lower()
    bad = first_bad(~text.isin(TRUE_WORDS | FALSE_WORDS))
    if bad is not None:
        raise where.error(f"'{frame[column].iloc[bad]}' is not true or false "
                          "(expected true/false, yes/no or 1/0; blank = false)", bad, column)
    return text.isin(TRUE_WORDS).to_numpy()


def _fill(values: np.ndarray, default: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Replace NaN by ``default``; return the filled array and the mask of filled cells."""
    mask = np.isnan(values)
    return np.where(mask, default, values), mask


def _landform_defaults(landform: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    table = pd.DataFrame(LANDFORM_DEFAULTS, index=["bd", "depth", "source"]).T
    bd = landform.map(table["bd"]).to_numpy(dtype=float)
    depth = landform.map(table["depth"]).to_numpy(dtype=float)
    return bd, depth


def validate_parcels(frame: pd.DataFrame, where: Where, *, clay_default: float,
                     elevation_default: float,
                     check_option: Callable[[str], str | None] | None = None,
                     geometry_area_ha: np.ndarray | None = None) -> pd.DataFrame:
    """Type, check and complete a text parcel table.

    Parameters
    ----------
    frame : text columns as read from the parcel file
    where : names the file and rows in messages
    clay_default : [%] the region's clay content, for blank ``clay_pct``
    elevation_default : [m] the region's typical elevation, for blank ``elevation_m``
    check_option : called with each distinct ``forced_option``; returns an error text (what is
        wrong with it) or None when the id is valid
    geometry_area_ha : [ha] areas of GIS geometries, used where ``area_ha`` is blank or missing

    Returns
    -------
    DataFrame, one row per parcel in file order, columns REQUIRED + OPTIONAL + defaults_used.
    """
    geo = geometry_area_ha is not None
    required = [c for c in REQUIRED if not (geo and c == "area_ha")]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        listed = ", ".join(f"'{c}'" for c in missing)
        raise where.error(f"missing required column {listed} (found: {', '.join(frame.columns)})")
    ids = _check_ids(frame, where)
    landform = _choice(frame, "landform", LANDFORMS, where)
    status = _choice(frame, "status", STATUSES, where, aliases={"free": ""})
    filled: dict[str, np.ndarray] = {}
    if geometry_area_ha is not None:
        area_text = _text(frame, "area_ha")
        filled["area_ha"] = area_text.eq("").to_numpy()
        frame = frame.assign(area_ha=area_text.where(~filled["area_ha"],
                                                     [repr(float(a)) for a in geometry_area_ha]))
    out = pd.DataFrame({"parcel_id": ids.to_numpy(dtype=object)})
    for column in NUMERIC_RULES:
        out[column] = _numeric(frame, column, where)
    out.insert(2, "landform", landform.to_numpy(dtype=object))
    out["contaminated"] = _bool(frame, "contaminated", where)
    out["status"] = status.to_numpy(dtype=object)
    out["forced_option"] = _forced(frame, status, where, check_option)

    bd_default, depth_default = _landform_defaults(landform)
    defaults: dict[str, np.ndarray | float] = {"bulk_density_g_cm3": bd_default, "soil_depth_cm": depth_default,
                                               "clay_pct": clay_default, "elevation_m": elevation_default}
    for column, default in defaults.items():
        out[column], filled[column] = _fill(out[column].to_numpy(), default)
    out["defaults_used"] = _defaults_used(filled, len(out))
    return out[["parcel_id", "area_ha", "landform", *[c for c in NUMERIC_RULES if c != "area_ha"],
                "contaminated", "status", "forced_option", "defaults_used"]]


def _forced(frame: pd.DataFrame, status: pd.Series, where: Where,
            check_option: Callable[[str], str | None] | None) -> np.ndarray:
    """Check ``forced_option`` ids (each distinct id once) and their consistency with ``status``."""
    forced = _text(frame, "forced_option")
    if check_option is not None:
        for option in forced[forced.ne("")].unique():
            problem = check_option(option)
            if problem:
                raise where.error(f"forced_option '{option}': {problem}",
                                  first_bad(forced.eq(option)), "forced_option")
    clash = first_bad(status.eq("lock_out") & forced.ne("") & forced.ne("natural"))
    if clash is not None:
        raise where.error(f"forced_option '{forced.iloc[clash]}' contradicts status 'lock_out' "
                          "(a locked-out parcel is left to natural recovery: force 'natural' or "
                          "leave forced_option blank)", clash, "forced_option")
    clash = first_bad(status.eq("lock_in") & forced.eq("natural"))
    if clash is not None:
        raise where.error("forced_option 'natural' contradicts status 'lock_in' (a locked-in "
                          "parcel must be actively restored)", clash, "forced_option")
    return forced.to_numpy(dtype=object)


def _defaults_used(filled: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Per row, the ``;``-separated names of the columns whose default was used."""
    used = np.full(n, "", dtype=object)
    for column, mask in filled.items():
        tag = np.where(used == "", column, ";" + column).astype(object)
        used = np.where(mask, used + tag, used)
    return used


def summarise_defaults(parcels: pd.DataFrame) -> list[str]:
    """Words for the report: which defaults were used, for how many parcels."""
    n = len(parcels)
    used = parcels["defaults_used"].str.split(";").explode()
    counts = used[used.ne("")].value_counts()
    lines = []
    for column, text in _DEFAULT_WORDS.items():
        if column in counts.index:
            lines.append(f"{column}: default used for {int(counts[column])} of {n} parcels - {text}")
    return lines


_DEFAULT_WORDS = {
    "area_ha": "area from the parcel geometry (projected CRS area / 10 000)",
    "bulk_density_g_cm3": "by landform (" + ", ".join(
        f"{k} {v[0]:g} g/cm3" for k, v in LANDFORM_DEFAULTS.items()) +
        "; platform and slope after Bai et al. 1998, Pingshuo dump > 1.6 g/cm3, the rest assumption)",
    "soil_depth_cm": "by landform (" + ", ".join(
        f"{k} {v[1]:g} cm" for k, v in LANDFORM_DEFAULTS.items()) + "; assumption)",
    "clay_pct": "the region's clay content (data/regions.csv)",
    "elevation_m": "the region's typical elevation (data/regions.csv)",
}
