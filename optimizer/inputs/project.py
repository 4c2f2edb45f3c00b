"""Load and validate a project folder (DESIGN.md section 4) into a ``Project``.

A project folder holds ``project.toml`` and one parcel file (``parcels.csv``, or
``parcels.geojson`` / ``parcels.gpkg`` with the GIS extra).  ``load_project`` checks everything
before anything is built and collects every problem it finds (up to ``max_errors``; each names the
file, the line (project.toml) or row and column (parcels) and what was expected), then raises
them together (``InputErrors``).  Override files named in [parameters] must lie inside the
project folder unless ``allow_outside``; numbers must be finite and plausible.

Order of checks: folder and files; project.toml syntax; [project], [budget], [constraints],
[options] and [parameters] types and ranges; the default catalogue with the [parameters]
overrides (``optimizer.inputs.catalogue.load_catalogue``); region, option and species names against
that catalogue; then the parcels (``optimizer.inputs.parcels``).
"""

from __future__ import annotations

import logging
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from estimators.accounting import AccountingPolicy
from optimizer.inputs.accounting import policy_from
from optimizer.inputs.catalogue import Catalogue, load_catalogue, parse_option_id
from optimizer.errors import DEFAULT_MAX_ERRORS, InputError, Problems
from optimizer.inputs.parcels import find_parcel_file, read_parcels, summarise_defaults, validate_parcels
from estimators.options import EstimateSettings
from optimizer.inputs.projectcheck import forced_problems, override_path
from optimizer.inputs.schedule_spec import ScheduleSpec, parse_schedule
from optimizer.inputs.tableread import decode_text, shown

log = logging.getLogger(__name__)

TOML = "project.toml"
SECTIONS = ("project", "budget", "constraints", "options", "parameters", "accounting", "parcels", "schedule")
PROJECT_KEYS = ("name", "region", "start_year", "horizon_year")
DEFAULT_HORIZON = 2060
YEAR_RANGE = (1990, 2200)
MAX_BUDGET_CNY = 1e12  # plausible upper bound of a restoration budget (a typo beyond it)
MAX_CONSTRAINT = {"erosion_tolerance_t_ha_yr": 1000.0, "max_sediment_t_yr": 1e9}
LAYERS = ("tree", "shrub", "grass")
#: [constraints] key -> kind of value; extend here when the model learns a new constraint.
CONSTRAINT_KEYS = {
    "erosion_tolerance_t_ha_yr": "positive",
    "max_sediment_t_yr": "positive",
    "min_area_share": "layer_shares",
    "max_area_share": "layer_shares",
    "max_species_area_share": "share",
}
#: [options] key -> catalogue table and its key column.
OPTION_TABLES = {"regrading": ("regrading", "regrading"), "amendments": ("amendments", "amendment"),
                 "mixes": ("mixes", "mix")}
#: [parameters] keys: catalogue tables a project may override (plus growth inventory data).
PARAMETER_KEYS = ("species", "regions", "climate", "regrading", "amendments", "mixes", "costs",
                  "ipcc_soil", "growth", "uncertainty")


@dataclass
class Project:
    """A validated project: settings, typed parcels and the catalogue with overrides applied.

    Attributes
    ----------
    root : the project folder
    name, region : [project] name and region key (data/regions.csv)
    start_year, horizon_year : [yr] works start; carbon counted up to the horizon
    budget_cny : [CNY] capital plus maintenance within the horizon; None when [budget] is absent
    constraints : [constraints] as given (floats; share tables as dicts)
    options : None (all applicable options) or a dict regrading / amendments / mixes -> list of
        keys, or None for a part that is not restricted
    parcels : one row per parcel, typed, defaults filled (see optimizer.inputs.parcels); column
        ``defaults_used`` lists per parcel the columns that were filled by default
    catalogue : default tables with the project's [parameters] overrides
    assumptions : sentences for the report: which defaults were used, for how many parcels
    parcels_file : the parcel file read
    overrides : [parameters] table -> absolute path
    files : input file name -> how it was read (encoding, or "Excel workbook", "GIS file")
    parcel_extra : the parcel file's unknown columns as text, indexed by parcel_id (None when
        there are none); carried into plan.csv, the report and plan.gpkg
    accounting : the accounting policy (data/accounting.csv defaults, [accounting] overrides)
    schedule : the [schedule] table (optimizer.inputs.schedule_spec), None when absent
    """

    root: Path
    name: str
    region: str
    start_year: int
    horizon_year: int
    budget_cny: float | None
    constraints: dict[str, Any]
    options: dict[str, list[str] | None] | None
    parcels: pd.DataFrame
    catalogue: Catalogue
    assumptions: list[str] = field(default_factory=list)
    parcels_file: Path | None = None
    overrides: dict[str, Path] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    parcel_extra: pd.DataFrame | None = None
    accounting: AccountingPolicy = field(default_factory=AccountingPolicy)
    schedule: ScheduleSpec | None = None

    @property
    def total_area_ha(self) -> float:
        """Sum of parcel areas [ha]."""
        return float(self.parcels["area_ha"].sum())


class _Toml:
    """project.toml's parsed content plus its text, to name the line of a key in messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.text, self.encoding = decode_text(path.read_bytes(), TOML)
        try:
            self.data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as err:
            raise InputError(f"{TOML}, {_toml_where(str(err))}: syntax error: "
                             f"{_toml_reason(str(err))}") from None

    def line(self, section: str, key: str | None = None) -> int | None:
        """1-based line of ``key`` in ``[section]`` (or of the section header)."""
        current = None
        for number, line in enumerate(self.text.splitlines(), start=1):
            stripped = line.strip()
            header = re.match(r"^\[\s*([A-Za-z0-9_.\-]+)\s*\]", stripped)
            if header:
                current = header.group(1)
                if key is None and current == section:
                    return number
                continue
            if current == section and key is not None and re.match(
                    rf"^[\"']?{re.escape(key)}[\"']?\s*[=.]", stripped):
                return number
        return None

    def error(self, section: str, key: str | None, message: str) -> InputError:
        """An InputError naming project.toml, the line and the [section] key."""
        line = self.line(section, key.split(".")[0] if key else None)
        where = f"{TOML}, line {line}" if line else TOML
        name = f"[{section}] {key}" if key else f"[{section}]"
        return InputError(f"{where}, {name}: {message}")

    def section(self, name: str, required: bool = False) -> dict[str, Any]:
        """The ``[name]`` table (empty dict when optional and absent)."""
        value = self.data.get(name)
        if value is None:
            if required:
                raise InputError(f"{TOML}: missing the [{name}] section")
            return {}
        if not isinstance(value, dict):
            raise InputError(f"{TOML}, line {self.line(name) or '?'}: '{name}' must be a [{name}] table")
        return value


def _toml_where(message: str) -> str:
    found = re.search(r"line (\d+), column (\d+)", message)
    return f"line {found.group(1)}, column {found.group(2)}" if found else "somewhere"


def _toml_reason(message: str) -> str:
    return re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)


def _kind(value: Any) -> str:
    names = {bool: "true/false", int: "a whole number", float: "a number", str: "text",
             list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _number(doc: _Toml, section: str, key: str, value: Any, *, integer: bool = False) -> float:
    """A TOML number (not a bool, not quoted)."""
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok:
        want = "a whole number" if integer else "a number"
        raise doc.error(section, key, f"expected {want}, got {_kind(value)} {str(value)[:40]!r}")
    if not math.isfinite(value):
        raise doc.error(section, key, f"{value} is not a finite number")
    return value


def _project_section(doc: _Toml) -> dict[str, Any]:
    table = doc.section("project", required=True)
    _no_unknown(doc, "project", table, PROJECT_KEYS)
    for key in ("name", "region", "start_year"):
        if key not in table:
            raise doc.error("project", None, f"missing required key '{key}' "
                            f"(expected: {', '.join(PROJECT_KEYS)})")
    for key in ("name", "region"):
        if not isinstance(table[key], str) or not table[key].strip():
            raise doc.error("project", key, f"expected non-empty text, got {_kind(table[key])} "
                            f"{table[key]!r}")
    start = _number(doc, "project", "start_year", table["start_year"], integer=True)
    horizon = _number(doc, "project", "horizon_year", table.get("horizon_year", DEFAULT_HORIZON),
                      integer=True)
    for key, year in (("start_year", start), ("horizon_year", horizon)):
        if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
            raise doc.error("project", key, f"{year} is not a plausible year "
                            f"(expected {YEAR_RANGE[0]}-{YEAR_RANGE[1]})")
    if start >= horizon:
        raise doc.error("project", "horizon_year", f"horizon_year {horizon} must be after "
                        f"start_year {start}")
    return {"name": table["name"].strip(), "region": table["region"].strip(),
            "start_year": int(start), "horizon_year": int(horizon)}


def _no_unknown(doc: _Toml, section: str, table: dict[str, Any], known: Any) -> None:
    for key in table:
        if key not in known:
            raise doc.error(section, key, f"unknown key '{key}' (expected one of: {', '.join(known)})")


def _budget_section(doc: _Toml) -> float | None:
    table = doc.section("budget")
    if "budget" not in doc.data:
        return None
    _no_unknown(doc, "budget", table, ("total_cny",))
    if "total_cny" not in table:
        raise doc.error("budget", None, "missing required key 'total_cny' (budget in CNY; an empty "
                        "[budget] would mean no limit at all: remove the section to plan without one)")
    value = _number(doc, "budget", "total_cny", table["total_cny"])
    if not value > 0:
        raise doc.error("budget", "total_cny", f"{value:g} CNY: the budget must be greater than 0")
    if value > MAX_BUDGET_CNY:
        raise doc.error("budget", "total_cny", f"{value:g} CNY is not a plausible budget (expected at "
                        f"most {MAX_BUDGET_CNY:g} CNY)")
    return float(value)


def _share(doc: _Toml, key: str, value: Any) -> float:
    share = _number(doc, "constraints", key, value)
    if not 0.0 <= share <= 1.0:
        raise doc.error("constraints", key, f"{share:g} is out of range (expected a share from 0 to 1)")
    return float(share)


def _constraints_section(doc: _Toml) -> dict[str, Any]:
    table = doc.section("constraints")
    _no_unknown(doc, "constraints", table, CONSTRAINT_KEYS)
    out: dict[str, Any] = {}
    for key, value in table.items():
        kind = CONSTRAINT_KEYS[key]
        if kind == "positive":
            number = _number(doc, "constraints", key, value)
            if not number > 0:
                raise doc.error("constraints", key, f"{number:g} must be greater than 0")
            if number > MAX_CONSTRAINT[key]:
                raise doc.error("constraints", key, f"{number:g} is not plausible (expected at most "
                                f"{MAX_CONSTRAINT[key]:g})")
            out[key] = float(number)
        elif kind == "share":
            out[key] = _share(doc, key, value)
            if out[key] == 0:
                raise doc.error("constraints", key, "0 would forbid every species (expected a share "
                                "greater than 0 and at most 1)")
        else:
            if not isinstance(value, dict):
                raise doc.error("constraints", key, f"expected a table like {{ tree = 0.3 }}, got "
                                f"{_kind(value)}")
            _no_unknown(doc, "constraints", {f"{key}.{k}": v for k, v in value.items()},
                        [f"{key}.{layer}" for layer in LAYERS])
            out[key] = {layer: _share(doc, f"{key}.{layer}", v) for layer, v in value.items()}
    _check_share_bounds(doc, out)
    return out


def _check_share_bounds(doc: _Toml, constraints: dict[str, Any]) -> None:
    low = constraints.get("min_area_share", {})
    high = constraints.get("max_area_share", {})
    for layer in set(low) & set(high):
        if low[layer] > high[layer]:
            raise doc.error("constraints", f"min_area_share.{layer}",
                            f"min {low[layer]:g} is above max_area_share.{layer} {high[layer]:g}")
    if sum(low.values()) > 1.0 + 1e-9:
        raise doc.error("constraints", "min_area_share", f"the layer minimums add up to "
                        f"{sum(low.values()):g}, more than the whole area (expected a sum <= 1)")


def _options_section(doc: _Toml) -> dict[str, list[str] | None] | None:
    table = doc.section("options")
    if "options" not in doc.data:
        return None
    _no_unknown(doc, "options", table, OPTION_TABLES)
    out: dict[str, list[str] | None] = {key: None for key in OPTION_TABLES}
    for key, value in table.items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise doc.error("options", key, f"expected a list of names like [\"none\", \"lime\"], "
                            f"got {_kind(value)}")
        if not value:
            raise doc.error("options", key, "the list is empty (leave the key out to allow all)")
        out[key] = list(dict.fromkeys(v.strip() for v in value))
    return out


def _parameters_section(doc: _Toml, root: Path, allow_outside: bool, problems: Problems) -> dict[str, Path]:
    table = doc.section("parameters")
    _no_unknown(doc, "parameters", table, PARAMETER_KEYS)
    overrides = {}
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip():
            problems.add(doc.error("parameters", key, f"expected a file name, got {_kind(value)}"))
            continue
        path = problems.check(override_path, root, value, allow_outside,
                              lambda message, k=key: doc.error("parameters", k, message))
        if path is not None:
            overrides[key] = path
    return overrides


def _parcels_section(doc: _Toml) -> str | None:
    """[parcels] sheet: the sheet of parcels.xlsx to read (default: the first)."""
    table = doc.section("parcels")
    _no_unknown(doc, "parcels", table, ("sheet",))
    sheet = table.get("sheet")
    if sheet is not None and (not isinstance(sheet, str) or not sheet.strip()):
        raise doc.error("parcels", "sheet", f"expected a sheet name, got {_kind(sheet)}")
    return sheet.strip() if sheet else None


def _keys(table: pd.DataFrame, column: str) -> list[str]:
    """Distinct keys of a catalogue table, from a column or the index of that name."""
    values = table[column] if column in table.columns else table.index.get_level_values(column)
    return list(dict.fromkeys(str(v) for v in values))


def _region_mixes(catalogue: Catalogue, region: str) -> pd.DataFrame:
    mixes = catalogue.mixes
    if "region" in mixes.columns:
        return mixes[mixes["region"].astype(str) == region]
    return mixes


def _region_row(doc: _Toml, catalogue: Catalogue, region: str) -> pd.Series:
    regions = catalogue.regions
    keys = _keys(regions, "region")
    if region not in keys:
        raise doc.error("project", "region", f"unknown region '{region}' "
                        f"(expected one of: {', '.join(keys)})")
    if "region" in regions.columns:
        return regions[regions["region"].astype(str) == region].iloc[0]
    return regions.loc[region]


def _check_options(doc: _Toml, options: dict[str, list[str] | None] | None, catalogue: Catalogue,
                   region: str) -> None:
    for key, (table, column) in OPTION_TABLES.items():
        chosen = (options or {}).get(key)
        if not chosen:
            continue
        frame = _region_mixes(catalogue, region) if key == "mixes" else getattr(catalogue, table)
        valid = _keys(frame, column)
        unknown = [name for name in chosen if name not in valid]
        if unknown:
            names = ", ".join(f"'{u}'" for u in unknown)
            scope = f" for region '{region}'" if key == "mixes" else ""
            raise doc.error("options", key, f"unknown {column} {names} (valid{scope}: {', '.join(valid)})")


def _option_checker(catalogue: Catalogue, options: dict[str, list[str] | None] | None,
                    region: str):
    """A function telling what is wrong with a forced option id (None when it is valid)."""
    region_mixes = set(_keys(_region_mixes(catalogue, region), "mix"))

    def check(text: str) -> str | None:
        try:
            parts = tuple(parse_option_id(text, catalogue))
        except InputError as err:
            return str(err).removeprefix(f"option '{text}': ")
        if parts[2] not in region_mixes:
            return f"mix '{parts[2]}' is not defined for region '{region}'"
        if options and text != "natural":
            for part, key in zip(parts, OPTION_TABLES):
                allowed = options.get(key)
                if allowed and part not in allowed:
                    return f"'{part}' is not among the [options] {key} allowed in project.toml"
        return None

    return check


def _assumptions(doc: _Toml, constraints: dict[str, Any], region_row: pd.Series,
                 parcels: pd.DataFrame) -> list[str]:
    notes = []
    if "horizon_year" not in doc.data["project"]:
        notes.append(f"horizon_year not given: {DEFAULT_HORIZON} (carbon-neutrality year)")
    if "erosion_tolerance_t_ha_yr" not in constraints and "erosion_tolerance_t_ha_yr" in region_row:
        notes.append("erosion tolerance not given: the region's "
                     f"{float(region_row['erosion_tolerance_t_ha_yr']):g} t/ha/yr (SL 190-2007)")
    return notes + summarise_defaults(parcels)


def _schedule_section(doc: _Toml, head: dict[str, Any], budget: float | None) -> ScheduleSpec | None:
    """The [schedule] table (phased plans), None when absent."""
    if "schedule" not in doc.data:
        return None
    return parse_schedule(doc.section("schedule"), lambda key, message: doc.error("schedule", key, message),
                          head["start_year"], head["horizon_year"], budget)


def load_project(path: str | Path, *, allow_outside: bool = False,
                 max_errors: int = DEFAULT_MAX_ERRORS) -> Project:
    """Load and validate a project folder; InputError (``InputErrors`` for several) names every
    problem found, up to ``max_errors``.

    Parameters
    ----------
    path : folder holding project.toml and parcels.csv (or parcels.xlsx, parcels.geojson,
        parcels.gpkg)
    allow_outside : let [parameters] name files outside the project folder
    max_errors : problems listed before the rest are only counted

    Returns
    -------
    Project with typed parcels (defaults filled) and the catalogue with overrides applied.
    """
    root = Path(path)
    if not root.exists():
        raise InputError(f"{root}: project folder not found")
    if not root.is_dir():
        raise InputError(f"{root}: not a folder (give the project folder that holds project.toml)")
    if not (root / TOML).is_file():
        raise InputError(f"{root}: no project.toml in this folder "
                         "(start one with 'minesink init DIR')")
    problems = Problems(max_errors)
    doc = _Toml(root / TOML)
    for key in doc.data:
        if key not in SECTIONS:
            problems.add(InputError(f"{TOML}, line {doc.line(key) or '?'}: unknown section [{key}] "
                                    f"(expected: {', '.join(f'[{s}]' for s in SECTIONS)})", file=TOML))
    head = problems.check(_project_section, doc)
    budget = problems.check(_budget_section, doc)
    constraints = problems.check(_constraints_section, doc) or {}
    before = problems.total
    options = problems.check(_options_section, doc)
    options_ok = problems.total == before
    overrides = problems.check(_parameters_section, doc, root, allow_outside, problems) or {}
    sheet = problems.check(_parcels_section, doc)
    accounting = problems.check(policy_from, doc.section("accounting"),
                                lambda key, message: doc.error("accounting", key, message))
    schedule = problems.check(_schedule_section, doc, head, budget) if head is not None else None
    parcel_path = problems.check(find_parcel_file, root)
    catalogue = problems.check(load_catalogue, {k: v for k, v in overrides.items() if k != "uncertainty"} or None)
    region_row = None
    if catalogue is not None and head is not None:
        region_row = problems.check(_region_row, doc, catalogue, head["region"])
        if options_ok:
            problems.check(_check_options, doc, options, catalogue, head["region"])
    parcels, files = None, {TOML: doc.encoding}
    notes: list[str] = []
    if parcel_path is not None:
        read = problems.check(read_parcels, parcel_path, sheet, problems)
        if read is not None:
            frame, where, area = read
            files[where.file] = str(frame.attrs.get("encoding", ""))
            checker = (_option_checker(catalogue, options, head["region"])
                       if catalogue is not None and head is not None and region_row is not None and options_ok
                       else None)
            parcels = validate_parcels(
                frame, where, clay_default=_region_value(region_row, "clay_pct"),
                elevation_default=_region_value(region_row, "elevation_m"), check_option=checker,
                geometry_area_ha=area, problems=problems, notes=notes)
            if not problems:
                problems.check(_check_forced, parcels, catalogue, head, options, where)
    problems.raise_if_any()
    assert parcels is not None and head is not None and catalogue is not None and region_row is not None
    extra = parcels.attrs.get("extra")
    if extra is not None:  # keyed by parcel id, so a subset of the parcels (a chunk) finds its rows
        extra = extra.set_axis(pd.Index(parcels["parcel_id"].astype(str), name="parcel_id"))
    parcels.attrs.clear()
    project = Project(root=root.resolve(), budget_cny=budget, constraints=constraints,
                      options=options, parcels=parcels, catalogue=catalogue,
                      assumptions=notes + _assumptions(doc, constraints, region_row, parcels),
                      parcels_file=parcel_path, overrides=overrides, files=files, parcel_extra=extra,
                      accounting=accounting if accounting is not None else AccountingPolicy(),
                      schedule=schedule, **head)
    log.info("loaded project %s: %d parcels, %.1f ha", project.name, len(parcels), project.total_area_ha)
    return project


def _region_value(region_row: pd.Series | None, column: str) -> float:
    return float(region_row[column]) if region_row is not None else float("nan")


def _check_forced(parcels: pd.DataFrame, catalogue: Catalogue, head: dict[str, Any],
                  options: dict[str, list[str] | None] | None, where: Any) -> None:
    """Every forced option must be a feasible option of its parcel (as ``plan`` requires)."""
    opts = options or {}
    settings = EstimateSettings(start_year=head["start_year"], horizon_year=head["horizon_year"],
                                regrading=opts.get("regrading"), amendments=opts.get("amendments"),
                                mixes=opts.get("mixes"))
    bad = forced_problems(parcels, catalogue, head["region"], settings)
    if bad:
        found = Problems()
        for position, option in bad:
            found.add(where.error(f"forced_option '{shown(option)}' is not possible on this parcel: its "
                                  "regrading, amendment or mix does not suit the site (landform, slope, "
                                  "soil or species suitability; 'minesink species' lists the reasons)",
                                  position, "forced_option"))
        found.raise_if_any()
