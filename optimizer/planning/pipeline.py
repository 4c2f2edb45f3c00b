"""From a loaded project to an option table: the glue between project files and estimators.

``estimate(project)`` turns the project's settings into ``EstimateSettings``, runs
``estimators.options.build_option_table`` and records in ``OptionTable.meta`` what the report
must say (defaults and assumptions used).  ``suitability_table(project)`` is the species x
parcel view the ``species`` command prints.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from estimators.options import EstimateSettings, build_option_table, site_frame
from estimators.suitability import suitability
from estimators.table import OptionTable
from optimizer.inputs.accounting import default_policy, defaults_table
from optimizer.errors import InputError
from optimizer.planning.planfacts import add_plan_facts
from optimizer.inputs.project import Project
from optimizer.inputs.provenance import data_hash
from optimizer.inputs.settings import PlanSettings

__all__ = ["estimate_settings", "estimate", "own_tolerance", "plan_settings", "suitability_table"]

log = logging.getLogger(__name__)


def estimate_settings(project: Project, horizon_year: int | None = None) -> EstimateSettings:
    """EstimateSettings from the project's [project] years and [options] restrictions."""
    horizon = int(horizon_year if horizon_year is not None else project.horizon_year)
    if horizon <= project.start_year:
        raise InputError(f"horizon year {horizon} must be after the start year {project.start_year}")
    options = project.options or {}
    return EstimateSettings(
        start_year=int(project.start_year),
        horizon_year=horizon,
        regrading=options.get("regrading"),
        amendments=options.get("amendments"),
        mixes=options.get("mixes"),
        accounting=project.accounting,
    )


def estimate(project: Project, horizon_year: int | None = None, trajectory: bool = False) -> OptionTable:
    """Option table of every parcel x feasible option of ``project``.

    ``trajectory`` keeps every pool and the soil loss for every year (phased plans need them).

    A parcel's own erosion tolerance (parcels.csv ``erosion_tolerance_t_ha_yr``) goes into
    ``OptionTable.parcels.parcel_tolerance_t_ha_yr``; the project-wide one travels in
    PlanSettings; ``meta`` carries the project name, the seconds
    spent and the assumptions for the report.
    """
    started = time.perf_counter()
    settings = replace(estimate_settings(project, horizon_year), trajectory=trajectory)
    table = build_option_table(project.parcels, project.catalogue, project.region, settings)
    own_tolerance(table.parcels, project.parcels)
    table.meta.update(estimate_meta(project, catalogue_assumptions(project, used_keys(table)),
                                    time.perf_counter() - started))
    add_plan_facts(table, project.catalogue)  # species densities, amendment tonnage (plan.csv, report)
    log.info("estimated %d options for %d parcels in %.1f s", len(table.rows), len(project.parcels),
             table.meta["estimate_s"])
    return table


def own_tolerance(frame: pd.DataFrame, parcels: pd.DataFrame) -> None:
    """Copy parcels.csv's own erosion tolerance (when it has the column) into an option table's
    parcels frame as ``parcel_tolerance_t_ha_yr`` (optimizer.planning.candidates.tolerance_of)."""
    if "erosion_tolerance_t_ha_yr" in parcels.columns:
        frame["parcel_tolerance_t_ha_yr"] = parcels["erosion_tolerance_t_ha_yr"].to_numpy(dtype=float)


def _parcel_extra(project: Project) -> pd.DataFrame | None:
    """The parcel file's own columns of this project's parcels, indexed by parcel id (for plan.csv,
    the report, plan.gpkg); ``project.parcels`` may be a subset (a chunk) of the file's parcels."""
    extra = getattr(project, "parcel_extra", None)
    if extra is None:
        return None
    ids = pd.Index(project.parcels["parcel_id"].astype(str), name="parcel_id")
    if extra.index.name != "parcel_id" and len(extra) == len(ids):  # sliced row for row with the parcels
        return extra.set_axis(ids)
    return extra.reindex(ids)


def estimate_meta(project: Project, catalogue_lines: list[str], seconds: float) -> dict[str, Any]:
    """``OptionTable.meta`` entries of an estimate: project, region, seconds, assumptions."""
    return {"project": project.name, "region": project.region, "estimate_s": seconds,
            "timings_s": {"estimate": seconds},
            "assumptions": (list(project.assumptions) + list(project.catalogue.notes) + catalogue_lines
                            + _accounting_assumptions(project)),
            "parcel_extra": _parcel_extra(project),
            "data_hash": data_hash(project.catalogue)}


def used_keys(table: OptionTable) -> set[str]:
    """Regrading, amendment, mix and species keys that rows of ``table`` use."""
    mixes = table.rows["mix"].unique()
    used_species = table.mix_species.columns[(table.mix_species.loc[mixes] > 0).any()]
    return (set(table.rows["regrading"].unique()) | set(table.rows["amendment"].unique()) | set(mixes)
            | {str(s) for s in used_species})


def catalogue_assumptions(project: Project, used: set[str]) -> list[str]:
    """Catalogue assumption lines ("<file> <key>: ...") about keys the option table uses (``used``).

    Lines about options or species that no row of the table uses are left out; lines about
    other tables (costs, regions, climate) are kept.
    """
    cat = project.catalogue
    known = (set(cat.regrading["regrading"]) | set(cat.amendments["amendment"]) | set(cat.mixes["mix"])
             | set(cat.species["species"]) | set(cat.regions["region"]))
    kept = []
    for line in cat.assumptions():
        head = line.split(":", 1)[0]
        key = head.split(" ", 1)[1] if " " in head else ""
        if head.startswith("buffer.csv "):  # buffer shares: the project's region only
            if key.startswith(f"{project.region}/"):
                kept.append(line)
        elif key not in known or key in used:
            kept.append(line)
    return kept


def _accounting_assumptions(project: Project) -> list[str]:
    """accounting.csv defaults labelled assumption that the project did not override."""
    table = defaults_table()
    default = default_policy()
    lines = []
    for key, source, notes in zip(table["key"], table["source"], table.get("notes", table["key"])):
        assumed = "assumption" in [k.strip() for k in str(source).split(";")]
        if assumed and getattr(project.accounting, key, None) == getattr(default, key, None):
            lines.append(f"accounting.csv {key}: {notes}")
    return lines


def plan_settings(project: Project, **overrides: Any) -> PlanSettings:
    """PlanSettings from project.toml ([budget], [constraints]) and command-line overrides.

    ``budget_cny`` given on the command line replaces the project's; None values are ignored.
    """
    budget = overrides.pop("budget_cny", None)
    return PlanSettings.from_project(project.constraints,
                                     budget_cny=budget if budget is not None else project.budget_cny,
                                     **overrides)


def suitability_table(project: Project) -> pd.DataFrame:
    """Species x parcel suitability on the untreated site (no regrading, no amendment).

    Returns a long table: parcel_id, species, layer, suitable, reasons (joined by "; ").
    """
    region = project.catalogue.regions.set_index("region").loc[project.region].copy()
    region["region"] = project.region
    sites = site_frame(project.parcels, region).set_index(pd.Index(project.parcels["parcel_id"], name="parcel_id"))
    species = project.catalogue.species
    result = suitability(species, sites)
    frame = result.to_frame().rename(columns={"site": "parcel_id"})
    frame.insert(2, "layer", np.tile(species["layer"].to_numpy(dtype=object), len(sites)))
    return frame
