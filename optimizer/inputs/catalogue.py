"""The restoration option catalogue: default tables, a project's overrides, option ids.

``load_catalogue`` reads the default tables of data/ (species, regions, climate_monthly,
regrading, amendments, mixes, costs, ipcc_soil) through ``optimizer.inputs.csvio``, converts numbers and
true/false columns, and checks keys and cross-references.  A project's ``[parameters]`` table may
name CSV files that replace default rows with the same key and add new ones (a mix or a region's
climate is replaced as a whole); such a file is checked the same way, and errors name it, its row
and its column.  ``growth = "inventory.csv"`` calibrates species growth curves with
``estimators.inventory.calibrate``.

An option is (regrading, amendment, mix); its id joins the parts that are not ``none`` with ``+``
(``slope_25+lime+pine_shrub_grass``, ``lime+grass``, ``natural``): ``option_id`` builds ids
(vectorised), ``parse_option_id`` splits them back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from optimizer.inputs import catalogue_checks as checks
from optimizer.inputs.catalogue_specs import OPTIONAL_TEXT, SPECS, TableSpec
from optimizer.inputs.csvio import bool_column, check_range, numeric_column, read_csv, sheet_row
from optimizer.inputs.data import data_file
from estimators.options import option_id  # noqa: F401  (re-exported: ids are built there)
from optimizer.errors import InputError
from optimizer.inputs.tableread import shown

log = logging.getLogger(__name__)

__all__ = ["Catalogue", "load_catalogue", "option_id", "parse_option_id", "OVERRIDABLE"]

#: [parameters] keys a project may use: table names plus ``growth`` (inventory data).
OVERRIDABLE = (*SPECS, "growth")
_GROWTH_COLUMNS = ("growth_model", "growth_basis", "growth_a", "growth_b", "growth_k", "growth_c",
                   "growth_t0")
_ORIGIN = ("_file", "_row")


@dataclass
class Catalogue:
    """Typed catalogue tables (one row per key, key columns kept as ordinary columns).

    Attributes
    ----------
    species, regions, climate, regrading, amendments, mixes, costs, ipcc_soil, buffer : DataFrame
        Columns as in docs/internals.md; numbers are float, flags bool, blanks NaN / "".
    files : table name -> files its rows came from (default name, then override files)
    notes : what overrides and calibrations changed (for the report)
    """

    species: pd.DataFrame
    regions: pd.DataFrame
    climate: pd.DataFrame
    regrading: pd.DataFrame
    amendments: pd.DataFrame
    mixes: pd.DataFrame
    costs: pd.DataFrame
    ipcc_soil: pd.DataFrame
    buffer: pd.DataFrame = field(default_factory=pd.DataFrame)
    files: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def table(self, name: str) -> pd.DataFrame:
        """The table called ``name`` (species, regions, climate, ...)."""
        return getattr(self, name)

    def cost(self, item: str) -> float:
        """Unit cost of ``item`` from costs.csv [its unit]."""
        hit = self.costs.loc[self.costs["item"] == item, "cny"]
        if hit.empty:
            raise KeyError(f"costs.csv has no item '{item}'")
        return float(hit.iloc[0])

    def region(self, key: str) -> pd.Series:
        """The regions.csv row of ``key``."""
        hit = self.regions[self.regions["region"] == key]
        if hit.empty:
            raise KeyError(f"unknown region '{key}'")
        return hit.iloc[0]

    def mix_names(self, region: str | None = None) -> list[str]:
        """Mix keys (of one region, or of all), in table order."""
        rows = self.mixes if region is None else self.mixes[self.mixes["region"] == region]
        return list(dict.fromkeys(rows["mix"]))

    def assumptions(self) -> list[str]:
        """One line per catalogue row (mix: per mix key) whose source includes 'assumption'."""
        lines: list[str] = []
        for name, spec in SPECS.items():
            frame = self.table(name)
            if "source" not in frame.columns or frame.empty:
                continue
            assumed = frame[_has_assumption(frame["source"])]
            if spec.group:
                lines += _group_assumption_lines(spec.file, assumed, spec.group[-1], spec.group[0])
                continue
            notes = assumed["notes"] if "notes" in assumed.columns else pd.Series("", index=assumed.index)
            keys = assumed[list(spec.key)].astype(str).agg("/".join, axis=1)
            lines += [f"{spec.file} {k}: {n}" if n else f"{spec.file} {k}: value(s) assumed"
                      for k, n in zip(keys, notes.astype(str))]
        return lines


def _has_assumption(source: pd.Series) -> pd.Series:
    """True where a ``;``-separated source list names ``assumption``."""
    return source.astype(str).str.split(";").apply(lambda keys: "assumption" in [k.strip() for k in keys])


def _group_assumption_lines(file: str, assumed: pd.DataFrame, by: str, within: str) -> list[str]:
    """One line per group (a mix key; a region's monthly climate) instead of one per row."""
    if assumed.empty:
        return []
    what = "area shares, delays and productivity" if file == "mixes.csv" else "monthly values"
    if by == within:
        counts = assumed.groupby(by, sort=False).size()
        return [f"{file} {key}: {what} assumed ({n} rows)" for key, n in counts.items()]
    where = assumed.groupby(by, sort=False)[within].agg(lambda r: ", ".join(dict.fromkeys(r)))
    return [f"{file} {key}: {what} assumed ({within} {w})" for key, w in where.items()]


# ----------------------------------------------------------------------------- option ids

def parse_option_id(text: str, catalogue: Catalogue, *, file: str | None = None,
                    row: int | None = None, column: str | None = None) -> tuple[str, str, str]:
    """Split an option id into (regrading, amendment, mix) keys of ``catalogue``.

    The parts must come in that order, the mix last and required; a missing regrading or
    amendment is ``none``.  Raises InputError (naming ``file``, ``row``, ``column`` when given)
    for an unknown or misplaced part.
    """
    tables = (("regrading", set(catalogue.regrading["regrading"])),
              ("amendment", set(catalogue.amendments["amendment"])),
              ("mix", set(catalogue.mixes["mix"])))
    parts = [p.strip() for p in str(text).strip().split("+")]

    def fail(message: str) -> InputError:
        return InputError.at(file, f"option '{text}': {message}", row, column)

    if not parts or any(p == "" for p in parts) or len(parts) > 3:
        raise fail("expected [regrading+][amendment+]mix, e.g. slope_25+lime+pine_shrub_grass")
    found = {"regrading": "none", "amendment": "none"}
    kinds = [next((kind for kind, keys in tables if p in keys), None) for p in parts]
    for part, kind in zip(parts, kinds):
        if kind is None:
            raise fail(f"'{part}' is not a regrading, amendment or mix key")
    known = cast("list[str]", kinds)  # every part matched a table (checked above)
    order = [k for k, _ in tables]
    if kinds[-1] != "mix":
        raise fail(f"the last part must be a mix (got {kinds[-1]} '{parts[-1]}')")
    positions = [order.index(k) for k in known]
    if positions != sorted(set(positions)):
        raise fail("parts must come in the order regrading+amendment+mix, each at most once")
    found.update({k: p for k, p in zip(known, parts)})
    return found["regrading"], found["amendment"], found["mix"]


# ----------------------------------------------------------------------------- loading

def load_catalogue(overrides: dict[str, Path] | None = None) -> Catalogue:
    """Read the default tables, apply a project's overrides and check everything.

    Parameters
    ----------
    overrides : table name (species, regions, climate, regrading, amendments, mixes, costs,
        ipcc_soil) or ``growth`` -> CSV path, as in project.toml [parameters]

    Returns
    -------
    Catalogue

    Raises
    ------
    InputError
        A bad cell, duplicate key, unknown reference, or a share sum above 1, naming the file
        (the override file when the row came from it), row and column.
    FileNotFoundError
        A default table is missing (a broken installation).
    """
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(OVERRIDABLE))
    if unknown:
        raise InputError.at("project.toml", f"[parameters] '{unknown[0]}' is not a catalogue table "
                            f"(expected one of: {', '.join(OVERRIDABLE)})")
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, list[str]] = {}
    notes: list[str] = []
    for name, spec in SPECS.items():
        frame = _default_table(spec)
        files[name] = [spec.file]
        if name in overrides:
            path = Path(overrides[name])
            frame, note = _apply_override(frame, path, spec)
            files[name].append(path.name)
            notes.append(note)
        tables[name] = frame
    checks.cross_check(tables)
    if "growth" in overrides:
        notes += _calibrate_growth(tables["species"], Path(overrides["growth"]))
        files["species"].append(Path(overrides["growth"]).name)
    public = {n: f.drop(columns=list(_ORIGIN)).reset_index(drop=True) for n, f in tables.items()}
    public["climate"]["month"] = public["climate"]["month"].astype(int)
    return Catalogue(**public, files=files, notes=notes)


_DEFAULTS: dict[str, tuple[tuple[int, int], pd.DataFrame]] = {}


def _default_table(spec: TableSpec) -> pd.DataFrame:
    """A default table, read and checked once per process while its file is unchanged (size and
    mtime); callers get a copy."""
    path = data_file(spec.file)
    stat = path.stat()
    stamp = (stat.st_size, stat.st_mtime_ns)
    cached = _DEFAULTS.get(spec.file)
    if cached is None or cached[0] != stamp:
        cached = (stamp, _read_table(path, spec, spec.file, partial=False))
        _DEFAULTS[spec.file] = cached
    return cached[1].copy(deep=True)


def _read_table(path: Path, spec: TableSpec, label: str, *, partial: bool,
                known: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read and type one table; ``partial`` (an override) may omit non-key columns.

    An override may only use ``known`` columns (the spec's and the default table's).
    """
    raw = read_csv(path, required=spec.key, label=label)
    if partial:
        allowed = tuple(dict.fromkeys((*spec.columns, *known)))
        extra = [c for c in raw.columns if c not in allowed]
        if extra:
            raise InputError.at(label, f"unknown column '{shown(extra[0])}' for the {spec.name} table "
                                f"(known: {', '.join(allowed)})", None, extra[0])
    out = pd.DataFrame({c: raw[c].astype(str) for c in raw.columns})
    for column in spec.text:
        if column in raw.columns or not partial:
            _require_text(raw, column, label)
    for column in spec.numeric:
        if column in raw.columns or not partial:
            out[column] = numeric_column(raw, column, label, required=True)
    for column, default in spec.optional.items():
        if column in raw.columns or not partial:
            out[column] = numeric_column(raw, column, label, required=False, default=default)
    for column, default in spec.bools.items():
        if column in raw.columns or not partial:
            out[column] = bool_column(raw, column, label, default=default)
    for column in OPTIONAL_TEXT:
        if column in spec.columns and column not in raw.columns and not partial:
            out[column] = ""
    if "source" not in raw.columns:
        out["source"] = "assumption" if not partial else f"project file {label}"
    else:
        out["source"] = out["source"].where(out["source"] != "", f"project file {label}")
    _check_cells(out, spec, label)
    out["_file"] = label
    out["_row"] = [sheet_row(i) for i in range(len(out))]
    return out


def _require_text(raw: pd.DataFrame, column: str, label: str) -> None:
    if column not in raw.columns:
        raise InputError.at(label, f"missing required column '{column}'")
    blank = np.flatnonzero(raw[column].eq("").to_numpy())
    if blank.size:
        raise InputError.at(label, "a value is required here", sheet_row(int(blank[0])), column)


def _check_cells(frame: pd.DataFrame, spec: TableSpec, label: str) -> None:
    """Keys (non-blank, no '+', unique), allowed words, list items and number ranges."""
    for column in spec.key:
        if column in spec.blank_key_ok or column not in frame.columns:
            continue
        values = frame[column]
        if values.dtype.kind == "f":
            continue
        _first_error(values.eq("").to_numpy(), label, column, "a key is required here")
        plus = values.str.contains("+", regex=False).to_numpy()
        _first_error(plus, label, column, "keys may not contain '+' (it joins the parts of an option id)")
    keys = frame[list(spec.key)].astype(str)
    dup = keys.duplicated().to_numpy()
    _first_error(dup, label, spec.key[-1], f"duplicate key {'/'.join(spec.key)} (each may appear once)",
                 lambda i: "/".join(keys.iloc[i]))
    for column, allowed in spec.choices.items():
        if column in frame.columns:
            bad = ~frame[column].isin(allowed).to_numpy()
            _first_error(bad, label, column,
                         f"expected one of: {', '.join(sorted(a for a in allowed if a))}",
                         lambda i, c=column: frame[c].iloc[i])
    for column, listed in spec.lists.items():
        if column in frame.columns and listed is not None:
            checks.check_list_column(frame[column], listed, label, column)
    for column, rng in spec.ranges.items():
        if column in frame.columns:
            check_range(np.asarray(frame[column], dtype=float), column, label,
                        lo=rng.lo, hi=rng.hi, lo_open=rng.lo_open)


def _first_error(mask: np.ndarray, label: str, column: str, message: str,
                 show: Any = None) -> None:
    hits = np.flatnonzero(mask)
    if hits.size:
        i = int(hits[0])
        prefix = f"'{show(i)}': " if show is not None else ""
        raise InputError.at(label, prefix + message, sheet_row(i), column)


def _apply_override(default: pd.DataFrame, path: Path, spec: TableSpec) -> tuple[pd.DataFrame, str]:
    """Replace default rows (or groups) by the override's rows and append new ones."""
    label = path.name
    known = tuple(c for c in default.columns if c not in _ORIGIN)
    over = _read_table(path, spec, label, partial=True, known=known)
    unit = list(spec.unit)
    d_keys = pd.MultiIndex.from_frame(default[unit].astype(str))
    o_keys = pd.MultiIndex.from_frame(over[unit].astype(str))
    if spec.group:
        is_new = np.ones(len(over), dtype=bool)
        kept = default[~d_keys.isin(o_keys)]
        replaced = int((d_keys.isin(o_keys)).sum())
    else:
        is_new = ~o_keys.isin(d_keys)
        kept = default.copy()
        replaced = int((~is_new).sum())
        if replaced:
            kept = _update_rows(kept, over[~is_new], spec)
    new_rows = over[is_new]
    if len(new_rows):
        new_rows = _complete_new_rows(new_rows, spec, label, default.columns)
    merged = pd.concat([kept, new_rows], ignore_index=True) if len(new_rows) else kept
    merged = merged.reset_index(drop=True)
    for column, default_value in spec.bools.items():
        merged[column] = merged[column].astype(bool)
    note = (f"{spec.file}: {replaced} default row(s) replaced and {len(new_rows) if not spec.group else len(over)}"
            f" row(s) {'given' if spec.group else 'added'} by the project file {label}")
    log.info(note)
    return merged, note


def _update_rows(frame: pd.DataFrame, rows: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """Overwrite ``frame``'s rows that share a key with ``rows``, for the columns ``rows`` has."""
    key = list(spec.key)
    index = pd.MultiIndex.from_frame(frame[key].astype(str))
    where = index.get_indexer(pd.MultiIndex.from_frame(rows[key].astype(str)))
    columns = [c for c in rows.columns if c not in key]
    out = frame.copy()
    for column in columns:
        values = out[column].to_numpy(copy=True)
        if values.dtype.kind not in "fb":
            values = values.astype(object)
        values[where] = rows[column].to_numpy()
        out[column] = values
    return out


def _complete_new_rows(rows: pd.DataFrame, spec: TableSpec, label: str, columns: pd.Index) -> pd.DataFrame:
    """New rows of an override must carry every required column; optional ones get defaults."""
    for column in (*spec.text, *spec.numeric):
        if column not in rows.columns:
            first = int(rows["_row"].iloc[0])
            what = "/".join(str(rows[k].iloc[0]) for k in spec.key)
            raise InputError.at(label, f"'{what}' is a new {spec.name} row, so this file needs a "
                                f"'{column}' column", first, column)
    out = rows.copy()
    for column, default in spec.optional.items():
        if column not in out.columns:
            out[column] = default
    for column, default in spec.bools.items():
        if column not in out.columns:
            out[column] = default
    for column in columns:
        if column not in out.columns:
            out[column] = ""
    return out[list(columns)]


#: inventory value columns named after their growth basis (species.csv growth_basis)
GROWTH_BASES = ("volume_m3_ha", "biomass_t_ha", "carbon_t_ha")


def _calibrate_growth(species: pd.DataFrame, path: Path) -> list[str]:
    """Fit growth curves to the project's inventory and overwrite those species' growth columns."""
    from estimators.inventory import calibrate

    label = path.name
    raw = read_csv(path, required=("species", "age"), label=label)
    named = [basis for basis in GROWTH_BASES if basis in raw.columns]
    if "value" not in raw.columns and len(named) != 1:
        raise InputError.at(label, "needs a 'value' column (with an optional 'basis' column) or exactly one of "
                            f"the columns {', '.join(GROWTH_BASES)} (the header has {len(raw.columns)} columns)")
    value = "value" if "value" in raw.columns else named[0]
    rows = pd.DataFrame({"species": raw["species"],
                         "age": numeric_column(raw, "age", label),
                         "value": numeric_column(raw, value, label)})
    if "basis" in raw.columns:
        rows["basis"] = raw["basis"]
    elif value != "value":
        rows["basis"] = value
    check_range(rows["age"].to_numpy(), "age", label, lo=0.0)
    check_range(rows["value"].to_numpy(), value, label, lo=0.0)
    unknown = ~rows["species"].isin(species["species"]).to_numpy()
    _first_error(unknown, label, "species", "unknown species (not in the species table)",
                 lambda i: rows["species"].iloc[i])
    try:
        fitted = calibrate(rows)
    except ValueError as err:
        raise InputError.at(label, str(err)) from None
    return checks.apply_growth(species, fitted, label, _GROWTH_COLUMNS)
