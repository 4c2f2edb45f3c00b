"""Read and validate a project's parcel table (DESIGN.md section 4, ``parcels.csv``).

``read_parcels(path)`` reads ``parcels.csv`` (UTF-8, UTF-16 or GB18030), ``parcels.xlsx`` (the
first sheet, or a named one) or ``parcels.geojson`` / ``parcels.gpkg`` (when geopandas is
installed) and returns its columns as text; ``validate_parcels`` converts them to typed columns,
checks every value and fills the optional columns' defaults.  Every problem found is collected
(up to a limit) as an ``InputError`` naming the file, the row (as a spreadsheet shows it: header
= row 1; for GIS files the feature number, first = 1) and the column, and all are raised together.

Columns: a column whose name differs from a known one only in case (``Area_HA``) is read as
that column (and a note says so); one that is one edit away from a known column (``stauts``,
``forced_options``) is an error naming the column it probably means, since it would otherwise be
ignored and the plan would silently lose the planner's locks; every other unknown column
(parcel names, Chinese text, the planner's own codes) is kept as text and carried into plan.csv,
the report and plan.gpkg (``extra_columns``).

Aspect is circular: any finite angle is taken modulo 360 (-12 is 348, 370 is 10), and the flat
codes of GIS tools (``FLAT_ASPECT_CODES``: -1 of ArcGIS and QGIS, -9999 the no-data value GDAL
writes for flat cells; also the word ``flat``) mean flat (NaN).  A substrate depth of 0 cm (bare
rock) is valid.  A slope must be below 90 degrees: the RUSLE slope geometry has no horizontal
length for a vertical face.

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

from optimizer.inputs.csvio import FALSE_WORDS, TRUE_WORDS, close_names, missing_columns_error, not_a_number, read_csv
from optimizer.errors import InputError, Problems
from optimizer.inputs.tableread import read_xlsx, shown

log = logging.getLogger(__name__)

LANDFORMS: tuple[str, ...] = ("platform", "slope", "pit_wall", "pit_floor", "subsidence", "tailings", "road")
STATUSES: tuple[str, ...] = ("", "lock_in", "lock_out")
REQUIRED: tuple[str, ...] = ("parcel_id", "area_ha", "landform", "slope_deg", "slope_length_m",
                             "soil_ph", "soc_g_kg")
OPTIONAL: tuple[str, ...] = ("aspect_deg", "elevation_m", "bulk_density_g_cm3", "clay_pct",
                             "soil_depth_cm", "contaminated", "status", "forced_option",
                             "erosion_tolerance_t_ha_yr", "earliest_year")
PARCEL_FILES: tuple[str, ...] = ("parcels.csv", "parcels.xlsx", "parcels.geojson", "parcels.gpkg")
#: aspect codes that mean "flat" (ArcGIS/QGIS aspect: -1; GDAL's no-data for flat cells: -9999)
FLAT_ASPECT_CODES: tuple[float, ...] = (-1.0, -9999.0)
FLAT_WORDS = frozenset({"flat", "none", "-"})

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

#: numeric column -> (required, lo, hi, lo_open, hi_open, what the user should give); the bounds
#: are physical limits or, for sizes, the plausible range (a parcel of 1e308 ha is a typo)
NUMERIC_RULES: dict[str, tuple[bool, float, float, bool, bool, str]] = {
    "area_ha": (True, 0.0, 1e5, True, False, "an area in hectares greater than 0 and at most 100 000"),
    "slope_deg": (True, 0.0, 90.0, False, True,
                  "a slope in degrees from 0 to below 90; for a vertical face give its steepest "
                  "measured angle, e.g. 89"),
    "slope_length_m": (True, 0.0, 1e4, True, False, "a slope length in metres greater than 0 and at most 10 000"),
    "aspect_deg": (False, 0.0, 360.0, False, True, "an aspect in degrees (any angle, taken modulo 360), "
                   "-1 or blank for flat"),
    "elevation_m": (False, -500.0, 9000.0, False, False, "an elevation in metres from -500 to 9000"),
    "soil_ph": (True, 0.0, 14.0, False, False, "a pH from 0 to 14"),
    "soc_g_kg": (True, 0.0, 600.0, False, False, "an organic carbon content in g/kg from 0 to 600"),
    "bulk_density_g_cm3": (False, 0.5, 2.5, True, True, "a bulk density in g/cm3 between 0.5 and 2.5"),
    "clay_pct": (False, 0.0, 100.0, False, False, "a clay content in % from 0 to 100"),
    "soil_depth_cm": (False, 0.0, 1000.0, False, False, "a substrate depth in cm from 0 (bare rock) to 1000"),
    "rock_fragment_pct": (False, 0.0, 100.0, False, False,
                          "a rock-fragment share of the substrate in % from 0 to 100, or blank for the landform's"),
    "erosion_tolerance_t_ha_yr": (False, 0.0, 1000.0, True, False,
                                  "a soil-loss tolerance in t/ha/yr greater than 0 and at most 1000, "
                                  "or blank for the project's"),
    "earliest_year": (False, 1990.0, 2200.0, False, False,
                      "the first year the parcel can be worked (released by mining), or blank for the start year"),
}


#: every column minesink reads from a parcel file (others are the planner's own, carried through)
KNOWN: tuple[str, ...] = tuple(dict.fromkeys(REQUIRED + OPTIONAL + tuple(NUMERIC_RULES)))


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
        row: int | str | None = None
        if position is not None:
            row = self.row(position) if self.gis else position + 2
        return InputError.at(self.file, message, row, column)


class _Check:
    """The problems of one validation pass, with helpers that report every bad row of a mask."""

    def __init__(self, where: Where, problems: Problems, skip: list[int] | None = None) -> None:
        self.where = where
        self.problems = problems
        self.skip = np.asarray(skip or [], dtype=np.int64)  # rows already reported as shifted

    def rows(self, mask: np.ndarray, column: str | None, message: Callable[[int], str]) -> None:
        """One error per True in ``mask`` (built only up to the problem limit)."""
        hits = np.flatnonzero(np.asarray(mask))
        if self.skip.size:
            hits = hits[~np.isin(hits, self.skip)]
        room = max(self.problems.limit - len(self.problems.errors), 0)
        for i in hits[:room]:
            self.problems.add(self.where.error(message(int(i)), int(i), column))
        self.problems.count(max(hits.size - room, 0))


def find_parcel_file(root: Path) -> Path:
    """The one parcel file in ``root`` (InputError when none or several)."""
    found = [root / name for name in PARCEL_FILES if (root / name).is_file()]
    if not found:
        raise InputError(f"{root}: no parcels file found (expected parcels.csv, parcels.xlsx, "
                         "or parcels.geojson / parcels.gpkg)")
    if len(found) > 1:
        names = " and ".join(p.name for p in found)
        raise InputError(f"{root}: found {names}; keep only one parcels file")
    return found[0]


def read_parcels(path: Path, sheet: str | None = None,
                 problems: Problems | None = None) -> tuple[pd.DataFrame, Where, np.ndarray | None]:
    """Read a parcel file as text columns.

    Returns the text table (``attrs['encoding']`` says how it was read), how to name its rows,
    and for GIS files the area of each geometry [ha] (None otherwise).  ``sheet`` names the
    sheet of a ``.xlsx`` file (default: the first).
    """
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv(path, problems=problems), Where(path.name), None
    if suffix == ".xlsx":
        frame = read_xlsx(path, path.name, sheet, problems)
        return frame, Where(frame.attrs.get("label", path.name)), None
    return _read_gis(path)


def _read_gis(path: Path) -> tuple[pd.DataFrame, Where, np.ndarray]:
    try:
        import geopandas  # noqa: F401
    except ImportError:
        raise InputError(f"{path.name}: reading GeoJSON/GeoPackage parcels needs the GIS extra: "
                         "pip install minesink[gis] (or give parcels.csv instead)") from None
    from optimizer.outputs.gis import read_gis_parcels

    frame, area_ha = read_gis_parcels(path)
    if len(frame) == 0:
        raise InputError(f"{path.name}: the file has no features")
    frame.attrs["encoding"] = "GIS file"
    return frame, Where(path.name, gis=True), area_ha


def resolve_columns(frame: pd.DataFrame, check: _Check, notes: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Map case variants onto known columns, refuse near-misses; return the table and the names
    of the extra (unknown) columns, which are kept."""
    present = set(frame.columns)
    lower = {k.lower(): k for k in KNOWN}
    rename: dict[str, str] = {}
    extras: list[str] = []
    for column in frame.columns:
        if column in KNOWN:
            continue
        known = lower.get(column.lower())
        if known is not None:
            if known in present or known in rename.values():
                check.problems.add(check.where.error(f"columns '{shown(column)}' and '{known}' are the same "
                                                     "column (names are not case-sensitive); keep one", None, column))
            else:
                rename[column] = known
                notes.append(f"{check.where.file}: column '{shown(column)}' read as '{known}'")
            continue
        near = close_names(column, KNOWN)
        if near:
            check.problems.add(check.where.error(
                f"unknown column '{shown(column)}': did you mean '{near[0]}'? A misspelt column would be "
                f"ignored; rename it to '{near[0]}' (or give your own column a name that is not one letter "
                "away from a minesink column)", None, column))
            continue
        extras.append(column)
    return frame.rename(columns=rename), extras


def _numeric(frame: pd.DataFrame, column: str, check: _Check) -> np.ndarray:
    """Convert one text column to float64 and check its range; bad and blank cells are NaN."""
    required, lo, hi, lo_open, hi_open, expected = NUMERIC_RULES[column]
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    text = frame[column].astype(str)
    blank = text.eq("").to_numpy()
    values = np.array(pd.to_numeric(text.where(~blank, None), errors="coerce"), dtype=float)
    bad = (~np.isfinite(values)) & ~blank
    check.rows(bad, column, lambda i: not_a_number(text.iloc[i], expected))
    if required:
        check.rows(blank, column, lambda i: f"a value is required here (expected {expected})")
    with np.errstate(invalid="ignore"):
        low = (values <= lo) if lo_open else (values < lo)
        high = (values >= hi) if hi_open else (values > hi)
    out_of_range = ~blank & ~bad & (low | high)
    check.rows(out_of_range, column, lambda i: f"{values[i]:g} is {'too small' if low[i] else 'too large'} "
               f"(expected {expected})")
    values[bad | out_of_range] = np.nan
    return values


def _aspect(frame: pd.DataFrame, check: _Check, notes: list[str]) -> np.ndarray:
    """Aspect [degrees] in [0, 360): any finite angle modulo 360, flat codes and words -> NaN."""
    if "aspect_deg" not in frame.columns:
        return np.full(len(frame), np.nan)
    text = frame["aspect_deg"].astype(str)
    flat_word = text.str.lower().isin(FLAT_WORDS).to_numpy()
    blank = text.eq("").to_numpy() | flat_word
    values = np.array(pd.to_numeric(text.where(~blank, None), errors="coerce"), dtype=float)
    bad = ~np.isfinite(values) & ~blank
    check.rows(bad, "aspect_deg", lambda i: not_a_number(text.iloc[i], NUMERIC_RULES["aspect_deg"][5]))
    flat = np.isin(values, FLAT_ASPECT_CODES)
    wrapped = ~blank & ~bad & ~flat & ((values < 0) | (values > 360))
    with np.errstate(invalid="ignore"):
        out = np.where(flat | bad, np.nan, np.mod(values, 360.0))
    where = check.where
    if wrapped.any():
        rows = np.flatnonzero(wrapped)
        shown_rows = ", ".join(f"{where.row(int(i))}: {values[i]:g} -> {out[i]:g}" for i in rows[:3])
        notes.append(f"{where.file}: aspect_deg taken modulo 360 on {rows.size} parcel(s) ({shown_rows}"
                     f"{', ...' if rows.size > 3 else ''})")
    if (flat | flat_word).any():
        rows = np.flatnonzero(flat | flat_word)
        codes = sorted({text.iloc[int(i)] for i in rows})
        notes.append(f"{where.file}: aspect_deg {', '.join(shown(c) for c in codes[:5])} read as flat on "
                     f"{rows.size} parcel(s) ({', '.join(where.row(int(i)) for i in rows[:3])}"
                     f"{', ...' if rows.size > 3 else ''})")
    return out


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[column].astype(str).str.strip()


def _check_ids(frame: pd.DataFrame, check: _Check) -> pd.Series:
    ids = _text(frame, "parcel_id")
    check.rows(ids.eq("").to_numpy(), "parcel_id", lambda i: "a parcel_id is required on every row")
    dup = (ids.duplicated(keep="first") & ids.ne("")).to_numpy()
    first = {v: i for i, v in reversed(list(enumerate(ids)))}
    check.rows(dup, "parcel_id", lambda i: f"duplicate parcel_id '{shown(ids.iloc[i])}' (also on "
               f"{check.where.row(first[ids.iloc[i]])}); parcel ids must be unique")
    return ids


def _choice(frame: pd.DataFrame, column: str, allowed: tuple[str, ...], check: _Check,
            aliases: dict[str, str] | None = None) -> pd.Series:
    """Lower-cased text column whose values must be in ``allowed`` (bad cells become "")."""
    values = _text(frame, column).str.lower().replace(aliases or {})
    bad = ~values.isin(allowed)
    shown_allowed = ", ".join(a for a in allowed if a) + (" or blank" if "" in allowed else "")
    check.rows(bad.to_numpy(), column, lambda i: f"unknown {column} '{shown(frame[column].iloc[i])}' "
               f"(expected one of: {shown_allowed})")
    return values.where(~bad, "")


def _bool(frame: pd.DataFrame, column: str, check: _Check) -> np.ndarray:
    text = _text(frame, column).str.lower()
    bad = ~text.isin(TRUE_WORDS | FALSE_WORDS)
    check.rows(bad.to_numpy(), column, lambda i: f"'{shown(frame[column].iloc[i])}' is not true or false "
               "(expected true/false, yes/no or 1/0; blank = false)")
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
                     geometry_area_ha: np.ndarray | None = None,
                     problems: Problems | None = None,
                     notes: list[str] | None = None) -> pd.DataFrame:
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
    problems : collect errors here (the caller raises them); default: raise them all at the end
    notes : receives sentences about what was normalised (column case, aspect)

    Returns
    -------
    DataFrame, one row per parcel in file order, columns REQUIRED + OPTIONAL + defaults_used;
    ``attrs['extra_columns']`` lists the unknown columns, whose text is in
    ``attrs['extra']`` (a DataFrame aligned with the rows).
    """
    own = problems is None
    problems = Problems() if problems is None else problems
    notes = [] if notes is None else notes
    check = _Check(where, problems, frame.attrs.get("broken_rows"))
    frame, extras = resolve_columns(frame, check, notes)
    geo = geometry_area_ha is not None
    required = [c for c in REQUIRED if not (geo and c == "area_ha")]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        problems.add(missing_columns_error(where.file, missing, list(frame.columns)))
    ids = _check_ids(frame, check)
    landform = _choice(frame, "landform", LANDFORMS, check)
    status = _choice(frame, "status", STATUSES, check, aliases={"free": ""})
    filled: dict[str, np.ndarray] = {}
    if geometry_area_ha is not None:
        area_text = _text(frame, "area_ha")
        filled["area_ha"] = area_text.eq("").to_numpy()
        frame = frame.assign(area_ha=area_text.where(~filled["area_ha"],
                                                     [repr(float(a)) for a in geometry_area_ha]))
    out = pd.DataFrame({"parcel_id": ids.to_numpy(dtype=object)})
    for column in NUMERIC_RULES:
        out[column] = _aspect(frame, check, notes) if column == "aspect_deg" else _numeric(frame, column, check)
    out.insert(2, "landform", landform.to_numpy(dtype=object))
    out["contaminated"] = _bool(frame, "contaminated", check)
    out["status"] = status.to_numpy(dtype=object)
    out["forced_option"] = _forced(frame, status, check, check_option)
    if own:
        problems.raise_if_any()

    bd_default, depth_default = _landform_defaults(landform)
    defaults: dict[str, np.ndarray | float] = {"bulk_density_g_cm3": bd_default, "soil_depth_cm": depth_default,
                                               "clay_pct": clay_default, "elevation_m": elevation_default}
    for column, default in defaults.items():
        out[column], filled[column] = _fill(out[column].to_numpy(), default)
    out["defaults_used"] = _defaults_used(filled, len(out))
    result = out[["parcel_id", "area_ha", "landform", *[c for c in NUMERIC_RULES if c != "area_ha"],
                  "contaminated", "status", "forced_option", "defaults_used"]]
    result.attrs["extra_columns"] = list(extras)
    result.attrs["extra"] = frame[extras].reset_index(drop=True).astype(object) if extras else None
    return result


def _forced_message(option: str, problem: str) -> Callable[[int], str]:
    """The message of every row forcing ``option``, which has ``problem``."""
    return lambda _i: f"forced_option '{shown(option)}': {problem}"


def _forced(frame: pd.DataFrame, status: pd.Series, check: _Check,
            check_option: Callable[[str], str | None] | None) -> np.ndarray:
    """Check ``forced_option`` ids (each distinct id once) and their consistency with ``status``."""
    forced = _text(frame, "forced_option")
    if check_option is not None:
        for option in forced[forced.ne("")].unique():
            problem = check_option(option)
            if problem:
                check.rows(forced.eq(option).to_numpy(), "forced_option", _forced_message(str(option), problem))
    check.rows((status.eq("lock_out") & forced.ne("") & forced.ne("natural")).to_numpy(), "forced_option",
               lambda i: f"forced_option '{shown(forced.iloc[i])}' contradicts status 'lock_out' (a locked-out "
               "parcel is left to natural recovery: force 'natural' or leave forced_option blank)")
    check.rows((status.eq("lock_in") & forced.eq("natural")).to_numpy(), "forced_option",
               lambda i: "forced_option 'natural' contradicts status 'lock_in' (a locked-in parcel must be "
               "actively restored)")
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
