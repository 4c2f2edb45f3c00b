"""report.html: a self-contained report a planner can put into a proposal.

``html_report(result, frame, summary, project, frontier=None) -> str`` renders the Jinja2
template ``optimizer/outputs/templates/report.html.j2`` (inline CSS, SVG figures, no scripts, no
network): summary and accounting policy, the map (``optimizer.outputs.parcelmap``), the figures
(``optimizer.outputs.figures``), the per-parcel table with species, densities, tonnages, earthwork and the
why (``optimizer.planning.why``), the constraints with units, the assumptions the plan actually uses, the
references they cite (``optimizer.inputs.provenance``) and the versions of minesink, data and solver.

``html_writer(project, frontier)`` returns the ``extra`` callback ``optimizer.outputs.report.write_outputs``
calls, so report.html is written into the same atomic output folder as plan.csv.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from estimators.table import LAYERS
from optimizer.outputs import figures
from optimizer.inputs.data import data_dir
from optimizer.outputs.parcelmap import layout_for, map_svg
from optimizer.planning.planfacts import cost_items, mix_facts
from optimizer.planning.plan import PlanResult
from optimizer.inputs.project import Project
from optimizer.inputs.provenance import read_sources, references, used_rows
from optimizer.planning.trajectory import pool_trajectory
from optimizer.planning.why import reason_label, why_frame

__all__ = ["html_report", "html_writer", "report_context"]

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent / "templates"
_UNITS = {"budget": "CNY", "sediment": "t/yr", "target": "t CO2e"}


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = lambda v, d=0: "-" if v is None or (isinstance(v, float) and not np.isfinite(v)) \
        else f"{v:,.{d}f}"
    env.filters["pct"] = lambda v, d=1: "-" if v is None else f"{100 * v:.{d}f} %"
    return env


def _credited(summary: dict[str, Any]) -> tuple[str, float]:
    if summary.get("credited_tco2e") is not None:
        return "credited", float(summary["credited_tco2e"])
    return "net", float(summary["carbon_tco2e"])


def _carbon_col(frame: pd.DataFrame) -> str:
    return "credited_tco2e" if "credited_tco2e" in frame.columns else "carbon_tco2e"


def _constraints(result: PlanResult, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Each coupling row of the settings with its value in the plan, limit, unit and state."""
    s, out = result.settings, []
    area = float(frame["area_ha"].sum())
    col = _carbon_col(frame)
    rows = [("budget", "<=", s.budget_cny, float(frame["cost_cny"].sum()), "CNY"),
            ("sediment", "<=", s.max_sediment_t_yr, float(frame["sediment_t_yr"].sum()), "t/yr"),
            ("target", ">=", s.target_tco2e, float(frame[col].sum()), "t CO2e")]
    for lay in LAYERS:
        share = float((frame["area_ha"] * frame[f"{lay}_share"]).sum()) / area
        rows.append((f"min_share_{lay}", ">=", dict(s.min_area_share).get(lay), share, "share of area"))
        rows.append((f"max_share_{lay}", "<=", dict(s.max_area_share).get(lay), share, "share of area"))
    if s.max_species_area_share is not None:
        ms = result.table.mix_species
        shares = ms.reindex(frame["mix"]).fillna(0.0).mul(frame["area_ha"].to_numpy(), axis=0).sum() / area
        top = shares.idxmax()
        rows.append((f"max_share_{top}", "<=", s.max_species_area_share, float(shares.max()),
                     "share of area (largest species)"))
    for name, sense, limit, value, unit in rows:
        if limit is None:
            continue
        tight = abs(value - limit) <= 0.005 * max(abs(limit), 1e-9)
        out.append({"name": name, "label": reason_label(name), "sense": "≤" if sense == "<=" else "≥",
                    "limit": float(limit), "value": float(value), "unit": unit, "binding": tight,
                    "digits": 3 if "share" in unit else 0})
    return out


def _parcel_rows(result: PlanResult, frame: pd.DataFrame, project: Project, why: pd.DataFrame) -> list[dict]:
    species_of = mix_facts(project.catalogue, project.region)["species"].to_dict()  # dicts: no pandas look-up per row
    parcels = result.table.parcels
    landform = {str(k): str(v) for k, v in parcels["landform"].items()} if "landform" in parcels.columns else {}
    col = _carbon_col(frame)
    out = []
    for r, w in zip(frame.itertuples(index=False), why.itertuples(index=False)):
        species = species_of.get(r.mix, "")
        out.append({
            "parcel_id": r.parcel_id, "landform": landform.get(str(r.parcel_id), ""),
            "area": r.area_ha, "option": r.option_id, "regrading": r.regrading, "amendment": r.amendment,
            "mix": r.mix, "species": species,
            "stems": {lay: getattr(r, f"{lay}_stems_per_ha", np.nan) for lay in LAYERS},
            "seed": getattr(r, "seed_kg_per_ha", np.nan), "amendment_t": getattr(r, "amendment_t", np.nan),
            "earthwork": getattr(r, "earthwork_m3", np.nan), "cost": r.cost_cny, "carbon": getattr(r, col),
            "erosion": r.erosion_t_ha_yr, "status": r.status,
            "runner_up": w.runner_up, "ru_carbon": w.runner_up_d_carbon_tco2e, "ru_cost": w.runner_up_d_cost_cny,
            "bound_by": w.bound_by, "why": w.why,
        })
    return out


def _erosion_frame(result: PlanResult, frame: pd.DataFrame) -> pd.DataFrame | None:
    """landform, area_ha, before (natural recovery), after (plan) per parcel [t/ha/yr]."""
    rows = result.table.rows
    natural = rows[rows["option_id"] == "natural"].drop_duplicates("parcel_id").set_index("parcel_id")
    if "landform" not in result.table.parcels.columns or natural.empty:
        return None
    before = natural["erosion_t_ha_yr"].reindex(frame["parcel_id"]).to_numpy(dtype=float)
    out = pd.DataFrame({"landform": result.table.parcels["landform"].reindex(frame["parcel_id"]).to_numpy(),
                        "area_ha": frame["area_ha"].to_numpy(), "before": before,
                        "after": frame["erosion_t_ha_yr"].to_numpy()})
    return out[np.isfinite(out["before"])]


def _pool_rows(summary: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """Pool names (marked when the accounting policy does not count them) and one row per year
    (2030 when known, the horizon) with the credited total (the net where there is none)."""
    pools = list(summary["carbon_by_pool"])
    counted = summary.get("counted_pools")
    names = [p if counted is None or p in counted or p == "buffer" else f"{p} (not counted)" for p in pools]
    credited = summary.get("credited_tco2e") is not None
    rows = []
    for year, by_pool, total in ((2030, summary.get("carbon_2030_by_pool"),
                                  summary.get("credited_2030_tco2e" if credited else "carbon_2030_tco2e")),
                                 (summary["horizon_year"], summary["carbon_by_pool"],
                                  summary["credited_tco2e" if credited else "carbon_tco2e"])):
        if by_pool is not None:
            rows.append({"year": year, "pools": [by_pool.get(p) for p in pools], "net": total})
    return names, rows


def _policy_rows(summary: dict[str, Any]) -> list[tuple[str, str, bool]] | None:
    """(setting, value, changed from the default) of the accounting policy, None without one."""
    policy = summary.get("accounting")
    if not policy:
        return None
    try:
        from estimators.accounting import AccountingPolicy
        from optimizer.inputs.accounting import describe

        return describe(AccountingPolicy(**policy))
    except (ImportError, TypeError):  # a policy this version cannot describe: show it as it is
        return [(str(k), str(v), False) for k, v in policy.items()]


def _figures(result: PlanResult, frame: pd.DataFrame, summary: dict[str, Any], project: Project,
             items: pd.DataFrame, frontier: Any) -> dict[str, Markup]:
    out: dict[str, Markup] = {}
    traj = pool_trajectory(project, frame, result.horizon_year)
    pools = [p for p in summary["carbon_by_pool"] if p in traj.attrs.get("counted", traj.columns)]
    out["carbon"] = Markup(figures.carbon_over_time(traj, pools, f"by {result.horizon_year}"))
    out["cost"] = Markup(figures.cost_by_item(items, result.settings.budget_cny))
    if frontier is not None:
        from optimizer.planning.frontier import frontier_frame

        col = _carbon_col(frame)
        out["frontier"] = Markup(figures.frontier_figure(frontier_frame(frontier), result.settings.budget_cny,
                                                         float(frame["cost_cny"].sum()), float(frame[col].sum()),
                                                         result.horizon_year))
    erosion = _erosion_frame(result, frame)
    if erosion is not None and len(erosion):
        out["erosion"] = Markup(figures.erosion_by_landform(erosion))
    return out


def _maps(project: Project, frame: pd.DataFrame, result: PlanResult) -> tuple[dict[str, Markup], str]:
    plan = frame.copy()
    if "landform" in result.table.parcels.columns:
        plan["landform"] = result.table.parcels["landform"].reindex(plan["parcel_id"]).to_numpy()
    layout = layout_for(project.parcels_file, plan)
    maps = {by: Markup(map_svg(layout, plan, by, f"Chosen {by} per parcel", f"map-{by}"))
            for by in ("mix", "amendment", "regrading")}
    return maps, layout.note


def report_context(result: PlanResult, frame: pd.DataFrame, summary: dict[str, Any], project: Project,
                   frontier: Any = None) -> dict[str, Any]:
    """Everything the template shows, as plain values, lists and SVG markup."""
    why = why_frame(result)
    slope = project.parcels.set_index("parcel_id")["slope_deg"].reindex(frame["parcel_id"]).to_numpy(dtype=float)
    items, items_used = cost_items(frame, project.catalogue, project.region, slope)
    used = used_rows(project.catalogue, project.region, frame, items_used)
    sources = read_sources((data_dir() / "SOURCES.md").read_text(encoding="utf-8"))
    kind, credited = _credited(summary)
    pools, pool_rows = _pool_rows(summary)
    maps, map_note = _maps(project, frame, result)
    budget = summary.get("budget_cny")
    chosen = frame.groupby("option_id", sort=True).agg(parcels=("parcel_id", "size"), area=("area_ha", "sum"),
                                                       carbon=(_carbon_col(frame), "sum"), cost=("cost_cny", "sum"))
    chosen = chosen.sort_values(["area", "parcels"], ascending=False, kind="stable")
    return {
        "title": f"Restoration plan: {project.name}",
        "project": project, "summary": summary, "kind": kind, "credited": credited,
        "budget_share": (summary["cost_cny"] / budget) if budget else None,
        "accounting": _policy_rows(summary),
        "pools": pools, "pool_rows": pool_rows,
        "maps": maps, "map_note": map_note,
        "figures": _figures(result, frame, summary, project, items, frontier),
        "parcels": _parcel_rows(result, frame, project, why),
        "bound_counts": why["bound_by"].replace("", "none").str.split(";").explode().value_counts().to_dict(),
        "chosen": [{"option": k, **v} for k, v in chosen.to_dict(orient="index").items()],
        "constraints": _constraints(result, frame),
        "assumptions": used[used["assumption"]].to_dict(orient="records"),
        "project_notes": list(project.assumptions) + list(project.catalogue.notes)
        + [a for a in result.table.meta.get("assumptions", []) if a.startswith(("accounting.csv", "buffer.csv"))],
        "used": used.to_dict(orient="records"),
        "references": references(used, sources),
        "generated": _generated(),
        "settings": result.settings,
    }


def _generated() -> str:
    """The report's date; SOURCE_DATE_EPOCH (the reproducible-builds convention) fixes it so equal
    inputs give a byte-identical report.html on any day."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return time.strftime("%Y-%m-%d", time.gmtime(int(epoch)))
    return time.strftime("%Y-%m-%d")


def html_report(result: PlanResult, frame: pd.DataFrame, summary: dict[str, Any], project: Project,
                frontier: Any = None) -> str:
    """report.html as text."""
    context = report_context(result, frame, summary, project, frontier)
    return _env().get_template("report.html.j2").render(**context)


def html_writer(project: Project, result: PlanResult, frontier: Any = None,
                then: Callable[[pd.DataFrame, Path], None] | None = None) -> Callable[[pd.DataFrame, Path], None]:
    """The ``extra`` callback of ``write_outputs``: run ``then`` (e.g. the GIS layer), then write
    report.html into the output folder."""
    from optimizer.outputs.planout import status_banner
    from optimizer.outputs.report import summary_dict

    def write(frame: pd.DataFrame, folder: Path) -> None:
        if then is not None:
            then(frame, folder)
        summary = summary_dict(result, frame)
        s = result.settings  # a plan the time limit stopped says so first (issue 8)
        summary["status_note"] = status_banner(summary, s.mip_gap, s.time_limit_s, result.solution.termination)
        (folder / "report.html").write_text(html_report(result, frame, summary, project, frontier), encoding="utf-8")

    return write
