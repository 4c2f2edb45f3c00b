"""Plan outputs: plan.csv (one row per parcel), summary.json (DESIGN.md section 5), report.md.

``plan.csv`` is deterministic: parcels in project order, fixed columns, fixed float format, no
timestamps, so the same input gives byte-identical files. It is written as UTF-8 with a byte-order
mark (``utf-8-sig``) so that Excel shows Chinese parcel ids and names correctly; pandas and
Python's ``csv`` read it with ``encoding="utf-8-sig"``. The three files are written into a
temporary folder that is renamed onto the output folder only when all of them are complete.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from estimators.table import LAYERS, POOLS, OptionTable
from optimizer.planning.candidates import carbon_column, tolerance_of
from optimizer.planning.diagnose import cny
from optimizer.inputs.csvio import write_folder_atomic
from optimizer.planning.plan import PlanResult
from optimizer.outputs.planout import excel_safe, parcel_section, status_banner, with_parcel_extra, write_csv
from optimizer.inputs.provenance import minesink_version
from optimizer.inputs.settings import PlanSettings

PLAN_COLUMNS = (
    "parcel_id", "area_ha", "option_id", "regrading", "amendment", "mix", "credited_tco2e", "carbon_tco2e",
    "additional_tco2e", "baseline_tco2e", "credited_2030_tco2e", "carbon_2030_tco2e", "cost_cny", "capital_cny",
    "maintenance_cny", "erosion_t_ha_yr", "sediment_t_yr", "erosion_extrapolated", "tree_share", "shrub_share",
    "grass_share", *(f"{p}_tco2e" for p in POOLS), *(f"{p}_2030_tco2e" for p in POOLS), "imported_applied_tco2e",
    "soil_stable_tco2e", "buffer_pct", "option_type", "earthwork_m3", "status", "forced_option",
    "amendment_t", *(f"{lay}_stems_per_ha" for lay in LAYERS), "seed_kg_per_ha",
)


def plan_frame(result: PlanResult) -> pd.DataFrame:
    """One row per parcel (project order) with the chosen option and its totals (area x per-ha)."""
    return rows_frame(result.table, result.solution.rows)


def rows_frame(table: OptionTable, chosen: np.ndarray) -> pd.DataFrame:
    """plan.csv's frame of the option-table rows ``chosen`` (one per parcel, parcel order)."""
    rows = table.rows.iloc[chosen]
    area = rows["area_ha"].to_numpy(dtype=float)

    def tot(col: str) -> np.ndarray:
        if col not in rows.columns:  # e.g. per-pool 2030 columns of an older option table
            return np.full(area.shape, np.nan)
        return area * rows[col].to_numpy(dtype=float)

    parcels = table.parcels.reindex(rows["parcel_id"].to_numpy())
    frame = pd.DataFrame({
        "parcel_id": rows["parcel_id"].to_numpy(),
        "area_ha": area,
        "option_id": rows["option_id"].to_numpy(),
        "regrading": rows["regrading"].to_numpy(),
        "amendment": rows["amendment"].to_numpy(),
        "mix": rows["mix"].to_numpy(),
        "credited_tco2e": tot(carbon_column(table)),
        "carbon_tco2e": tot("net_tco2e_ha"),
        "additional_tco2e": tot("additional_tco2e_ha"),
        "baseline_tco2e": tot(carbon_column(table)) - tot("additional_tco2e_ha"),
        "credited_2030_tco2e": tot("credited_tco2e_ha_2030"),
        "carbon_2030_tco2e": tot("tco2e_ha_2030"),
        "cost_cny": tot("cost_cny_ha"),
        "capital_cny": tot("capital_cny_ha"),
        "maintenance_cny": tot("maintenance_cny_ha"),
        "erosion_t_ha_yr": rows["erosion_t_ha_yr"].to_numpy(dtype=float),
        "sediment_t_yr": tot("erosion_t_ha_yr"),
        "erosion_extrapolated": _column(rows, "erosion_extrapolated", False).astype(bool),
        "imported_applied_tco2e": tot("imported_applied_tco2e_ha"),
        "soil_stable_tco2e": tot("soil_stable_tco2e_ha"),
        "buffer_pct": _column(rows, "buffer_pct", np.nan),
        "option_type": _column(rows, "option_type", ""),
        "earthwork_m3": tot("earthwork_m3_ha"),
        **{f"{lay}_share": rows[f"{lay}_share"].to_numpy(dtype=float) for lay in LAYERS},
        **{f"{p}_tco2e": tot(f"{p}_tco2e_ha") for p in POOLS},
        **{f"{p}_2030_tco2e": tot(f"{p}_tco2e_ha_2030") for p in POOLS},
        "status": parcels["status"].fillna("").to_numpy() if "status" in parcels else "",
        "forced_option": parcels["forced_option"].fillna("").to_numpy() if "forced_option" in parcels else "",
        "amendment_t": tot("amendment_t_ha"),
        **{f"{lay}_stems_per_ha": tot(f"{lay}_stems_ha") / area for lay in LAYERS},
        "seed_kg_per_ha": tot("seed_kg_ha") / area,
    })
    return frame.loc[:, list(PLAN_COLUMNS)].reset_index(drop=True)


def _column(rows: pd.DataFrame, name: str, default: Any) -> np.ndarray:
    """A per-row column of the chosen options, ``default`` when the table lacks it."""
    return rows[name].to_numpy() if name in rows.columns else np.full(len(rows), default)


def _num(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _pools_2030(frame: pd.DataFrame) -> dict[str, float] | None:
    """Carbon by pool at 2030 [t CO2e], None when the option table has no per-pool 2030 figures
    (an older table, or a horizon before 2030)."""
    cols = frame[[f"{p}_2030_tco2e" for p in POOLS]]
    if cols.isna().any().any():
        return None
    return {p: float(cols[f"{p}_2030_tco2e"].sum()) for p in POOLS}


def summary_dict(result: PlanResult, frame: pd.DataFrame | None = None) -> dict[str, Any]:
    """summary.json: every key of DESIGN.md section 5 plus sediment, shares and constraints."""
    frame = plan_frame(result) if frame is None else frame
    sol, s = result.solution, result.settings
    area = float(frame["area_ha"].sum())
    return {
        "status": sol.status,
        "objective": _num(sol.objective),
        "objective_name": s.objective,
        "bound": _num(sol.bound),
        "gap": _num(sol.gap),
        "budget_cny": _num(s.budget_cny),
        "cost_cny": float(frame["cost_cny"].sum()),
        "capital_cny": float(frame["capital_cny"].sum()),
        "maintenance_cny": float(frame["maintenance_cny"].sum()),
        "credited_tco2e": float(frame["credited_tco2e"].sum()),
        "carbon_tco2e": float(frame["carbon_tco2e"].sum()),
        "baseline_tco2e": float(frame["baseline_tco2e"].sum()),
        "additional_tco2e": float(frame["additional_tco2e"].sum()),
        "credited_2030_tco2e": _num(float(frame["credited_2030_tco2e"].sum(min_count=1))),
        "carbon_2030_tco2e": _num(float(frame["carbon_2030_tco2e"].sum(min_count=1))),
        "carbon_by_pool": {p: float(frame[f"{p}_tco2e"].sum()) for p in POOLS},
        "carbon_2030_by_pool": _pools_2030(frame),
        "sediment_t_yr": float(frame["sediment_t_yr"].sum()),
        "imported_applied_tco2e": _num(float(frame["imported_applied_tco2e"].sum(min_count=1))),
        "soil_stable_tco2e": _num(float(frame["soil_stable_tco2e"].sum(min_count=1))),
        "accounting": result.table.meta.get("accounting"),
        "counted_pools": result.table.meta.get("counted_pools"),
        "erosion_extrapolated_parcels": int(frame["erosion_extrapolated"].sum()),
        "area_ha": area,
        "area_share": {lay: float((frame["area_ha"] * frame[f"{lay}_share"]).sum() / area) for lay in LAYERS},
        "horizon_year": result.horizon_year,
        "n_parcels": int(len(frame)),
        "n_options": int(result.table.meta.get("n_option_rows", len(result.table.rows))),
        "n_variables": int(result.candidates.rows.size),
        "constraints": sorted(result.model._coupling),
        "presolve": result.presolve_summary(),
        "timings_s": {k: _num(result.timings.get(k))
                      for k in ("estimate", "select", "presolve", "build", "solve", "write")},
        "solver": sol.solver,
        "minesink_version": minesink_version(),
        "data_hash": result.table.meta.get("data_hash"),
        **result.extras.get("summary", {}),
    }


def _fmt(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


def _chosen_table(frame: pd.DataFrame) -> list[str]:
    g = frame.groupby("option_id", sort=True).agg(
        parcels=("parcel_id", "size"), area=("area_ha", "sum"), carbon=("carbon_tco2e", "sum"),
        additional=("additional_tco2e", "sum"), cost=("cost_cny", "sum"))
    g = g.sort_values(["area", "parcels"], ascending=False, kind="stable")
    lines = ["| option | parcels | area (ha) | carbon (t CO2e) | additional (t CO2e) | cost (CNY) | CNY per additional t |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in g.head(30).itertuples():
        per_t = f"{r.cost / r.additional:,.0f}" if r.additional > 1e-9 else "-"
        lines.append(f"| {r.Index} | {int(r.parcels)} | {_fmt(r.area, 1)} | {_fmt(r.carbon)} | {_fmt(r.additional)} "
                     f"| {_fmt(r.cost)} | {per_t} |")
    if len(g) > 30:
        lines.append(f"| ... {len(g) - 30} more options | | | | | | |")
    return lines


def _binding(result: PlanResult, frame: pd.DataFrame) -> list[str]:
    """Each coupling row: its value in the plan against its limit (why the plan looks as it does)."""
    c, out = result.candidates, []
    used = {"budget": frame["cost_cny"].sum(), "sediment": frame["sediment_t_yr"].sum(),
            "target": frame["carbon_tco2e"].sum()}
    for sp, area in c.species_area.items():
        used[f"max_share_{sp}"] = float(area[result.solution.values > 0.5].sum())
    for lay in LAYERS:
        used[f"min_share_{lay}"] = used[f"max_share_{lay}"] = used[f"share_{lay}"] = float((frame["area_ha"] * frame[f"{lay}_share"]).sum())
    for name, (sense, rhs, _scale) in sorted(result.model._coupling.items()):
        value = float(used.get(name, np.nan))
        tight = abs(value - rhs) <= 0.005 * max(abs(rhs), 1e-9)
        state = "binding: it limits the plan" if tight else "not binding"
        unit = {"budget": "CNY", "sediment": "t/yr", "target": "t CO2e"}.get(name, "ha")
        out.append(f"- `{name}`: {value:,.2f} {unit} {sense} {rhs:,.2f} {unit} ({state})")
    if not out:
        out.append("- no coupling constraint could bind: every parcel simply took its best option")
    return out


def _tolerance_text(s: PlanSettings) -> str:
    text = ("each parcel's own (regional default unless the project overrides it)"
            if s.erosion_tolerance_t_ha_yr is None else f"{s.erosion_tolerance_t_ha_yr:g} t/ha/yr on every parcel")
    return text + (", natural recovery exempt" if s.natural_exempt_from_tolerance else ", natural recovery included")


def _heading(result: PlanResult) -> list[str]:
    """Title with the project's name, then region and years."""
    t = result.table
    name = t.meta.get("project") or "unnamed project"
    region = t.meta.get("region")
    if not region and "region" in t.parcels.columns and t.parcels["region"].nunique() == 1:
        region = str(t.parcels["region"].iloc[0])
    where = f"Region **{region}**, " if region else ""
    return [f"# Restoration plan: {name}", "",
            f"{where}works from {t.start_year}, carbon counted to **{result.horizon_year}** "
            "(and shown at 2030).", ""]


def _pool_table(summary: dict[str, Any], horizon: int) -> list[str]:
    """Carbon by pool at 2030 (when the option table has it) and at the horizon, with the credited
    total; pools the accounting policy does not count are marked."""
    counted = summary.get("counted_pools") or [p for p in POOLS if p not in ("imported", "biochar")]
    names = [p if p in counted or p == "buffer" else f"{p} (not counted)" for p in POOLS]
    lines = ["| year | " + " | ".join(names) + " | credited |", "|---|" + "---:|" * (len(POOLS) + 1)]
    for year, pools, credited in ((2030, summary.get("carbon_2030_by_pool"), summary.get("credited_2030_tco2e")),
                                  (horizon, summary["carbon_by_pool"], summary["credited_tco2e"])):
        if pools is not None:
            total = _fmt(credited) if credited is not None else "-"
            lines.append(f"| {year} | " + " | ".join(_fmt(pools[p]) for p in POOLS) + f" | {total} |")
    return lines


def _accounting_lines(summary: dict[str, Any]) -> list[str]:
    """The accounting policy in force, what the words mean, and what a verifier may refuse."""
    policy = summary.get("accounting")
    if not policy:
        return []
    from estimators.accounting import AccountingPolicy
    from optimizer.inputs.accounting import describe

    rows = describe(AccountingPolicy(**policy))
    lines = ["## Accounting policy", "",
             "Credited carbon is what a verifier would accept: pools stay separate, carbon brought from "
             "off site is not a removal, works emissions are counted, and a reversal buffer is withheld "
             "(credited = net - buffer). The optimiser maximises credited carbon. Settings marked "
             "**changed** depart from the conservative defaults (data/accounting.csv):", "",
             "| setting | value | |", "|---|---|---|"]
    lines += [f"| {k} | {v} | {'**changed**' if changed else 'default'} |" for k, v, changed in rows]
    lines += ["", "*Additional* means above the modelled natural recovery of each parcel. Where the law "
              "already requires reclamation (土地复垦), that legally required reclamation may be the "
              "crediting baseline instead, and the additional carbon is then smaller. A verifier may "
              "refuse soil carbon that is not measured (SOC is optional in VM0047 and often left out of "
              "CCER forestry), any imported carbon (sludge, compost, topsoil), biochar outside its own "
              "methodology (VM0044), and vegetation carbon on sprayed rock walls; mine land registered as "
              "industrial or mining land is excluded from CCER-14-001-V01.", ""]
    return lines


def _locked_out(result: PlanResult, frame: pd.DataFrame) -> list[str]:
    """Parcels left to natural recovery because they are locked out, with their erosion.

    They are exempt from the erosion tolerance (the plan cannot change them); the tolerance
    shown is the one that would otherwise apply (same precedence as the model's filter).
    """
    out = frame["status"].to_numpy() == "lock_out"
    if not out.any():
        return []
    t = result.table
    open_table = replace(t, parcels=t.parcels.assign(status=""))  # the tolerance without the exemption
    tol = tolerance_of(open_table, result.settings)[t.parcels.index.get_indexer(frame["parcel_id"])]
    landform = (t.parcels["landform"].reindex(frame["parcel_id"]).fillna("").to_numpy()
                if "landform" in t.parcels.columns else np.full(len(frame), ""))
    rows = np.flatnonzero(out)
    above = frame["erosion_t_ha_yr"].to_numpy() > tol * (1 + 1e-9)
    lines = ["## Left to natural recovery: locked out", "",
             f"{rows.size} parcel(s), {frame['area_ha'].to_numpy()[rows].sum():,.1f} ha, are closed to restoration "
             "works (status lock_out) and left to natural recovery. They are outside the erosion tolerance: "
             f"the plan cannot change their soil loss, so the tolerance is not applied to them; "
             f"{int(above[rows].sum())} of them erode more than it, "
             f"{frame['sediment_t_yr'].to_numpy()[rows].sum():,.1f} t/yr of soil in all.", "",
             "| parcel | landform | area (ha) | erosion (t/ha/yr) | tolerance (t/ha/yr) | above it | sediment (t/yr) |",
             "|---|---|---:|---:|---:|---|---:|"]
    for i in rows:
        r = frame.iloc[i]
        tol_txt = f"{tol[i]:g}" if np.isfinite(tol[i]) else "none"
        lines.append(f"| {r['parcel_id']} | {landform[i]} | {r['area_ha']:,.1f} | {r['erosion_t_ha_yr']:,.2f} | "
                     f"{tol_txt} | {'yes' if above[i] else 'no'} | {r['sediment_t_yr']:,.1f} |")
    return lines + [""]


def _imported_text(summary: dict[str, Any]) -> list[str]:
    """A note on carbon brought in with sludge, compost and imported topsoil, and on biochar."""
    applied = summary.get("imported_applied_tco2e")
    pools = summary["carbon_by_pool"]
    lines = []
    if applied:
        lines.append(f"Carbon brought in with sludge, compost or imported topsoil: {_fmt(applied)} t CO2e applied; "
                     f"the imported pool ({_fmt(pools.get('imported', 0.0))} t CO2e) is what remains of it at the "
                     "horizon less the moved topsoil's own stock. It is tracked as its own RothC component and "
                     + ("credited (imported_carbon = include)." if "imported" in (summary.get("counted_pools") or [])
                        else "not credited."))
    if pools.get("biochar"):
        lines.append(f"Biochar holds {_fmt(pools['biochar'])} t CO2e for 100 years (mass x Fc x Fperm, IPCC 2019 / "
                     "Woolf et al. 2021), "
                     + ("credited (biochar = credit)." if "biochar" in (summary.get("counted_pools") or [])
                        else "not credited."))
    if summary.get("soil_stable_tco2e") is not None:
        lines.append(f"Of the on-site soil gain, {_fmt(summary['soil_stable_tco2e'])} t CO2e is stable carbon "
                     "(RothC HUM + IOM), the lasting part of the sink.")
    if summary.get("erosion_extrapolated_parcels"):
        lines.append(f"{summary['erosion_extrapolated_parcels']} parcel(s) have slopes beyond the data behind the "
                     "soil-loss steepness equation (extrapolated; erosion_extrapolated in plan.csv).")
    return [*lines, ""] if lines else []


def _kept_text(result: PlanResult) -> str:
    """How many options the model kept: after dominance pruning, after the Lagrangian presolve."""
    kept = result.candidates.rows.size
    before = result.selected.rows.size if result.selected is not None else kept
    text = f"{before} kept after dropping dominated options"
    pre = result.presolve
    if pre is not None and pre.plan is not None:
        text += (f", {kept} of them after the Lagrangian presolve (bound {abs(pre.bound):,.2f}: options that "
                 "cannot be in a plan as good as its repaired plan get no variable)")
    return text


def report_markdown(result: PlanResult, frame: pd.DataFrame, summary: dict[str, Any]) -> str:
    """report.md: project, status, totals by pool (2030 and horizon), costs, choices, locked-out
    parcels, constraints, assumptions."""
    s, sol, t = result.settings, result.solution, result.table
    horizon = result.horizon_year
    gap = "n/a" if sol.gap is None else f"{100 * sol.gap:.3f} %"
    budget = "unlimited" if s.budget_cny is None else cny(s.budget_cny)
    lock = frame["status"].ne("") | frame["forced_option"].ne("")
    lines = [
        *_heading(result),
        f"Solver {sol.solver}: status **{sol.status}**, objective {s.objective} = {sol.objective:,.2f}, "
        f"bound {sol.bound if sol.bound is None else f'{sol.bound:,.2f}'}, gap {gap}.", "",
        f"{summary['n_parcels']} parcels ({summary['area_ha']:,.1f} ha); {summary['n_options']} parcel x option rows, "
        f"{result.candidates.n_filtered} allowed by locks and erosion tolerance, {_kept_text(result)}.", "",
        *_accounting_lines(summary),
        "## Carbon (t CO2e)", "",
        "| year | credited | net before the buffer | baseline (modelled natural recovery) | "
        "additional (above modelled natural recovery) |", "|---|---:|---:|---:|---:|",
        f"| {horizon} | {_fmt(summary['credited_tco2e'])} | {_fmt(summary['carbon_tco2e'])} | "
        f"{_fmt(summary['baseline_tco2e'])} | {_fmt(summary['additional_tco2e'])} |",
        *([f"| 2030 | {_fmt(summary['credited_2030_tco2e'] or 0.0)} | {_fmt(summary['carbon_2030_tco2e'])} | | |"]
          if summary["carbon_2030_tco2e"] is not None else []), "",
        "By pool (erosion, works and buffer are emissions or deductions):", "", *_pool_table(summary, horizon), "",
        *_imported_text(summary),
        "## Cost", "",
        f"- capital {cny(summary['capital_cny'])}, maintenance within the horizon {cny(summary['maintenance_cny'])}, "
        f"total {cny(summary['cost_cny'])}; budget {budget}",
        f"- sediment {summary['sediment_t_yr']:,.1f} t/yr; area shares "
        + ", ".join(f"{k} {v:.3f}" for k, v in summary["area_share"].items()), "",
        "## What was chosen where", "", *_chosen_table(frame), "",
        f"{int(lock.sum())} parcel(s) were locked in, locked out or forced; "
        f"{int((frame['option_id'] == 'natural').sum())} are left to natural recovery.", "",
        *_locked_out(result, frame),
        "## Why: the constraints", "", *_binding(result, frame), "",
        *result.extras.get("markdown", []),
        "## Defaults and assumptions", "",
        *[f"- {a}" for a in t.meta.get("assumptions", [])],
        f"- erosion tolerance: {_tolerance_text(s)}; parcels locked out are exempt",
        f"- solver limits: time {s.time_limit_s:g} s, relative gap {s.mip_gap:g}, {s.threads} thread(s)", "",
        f"minesink {summary['minesink_version']}, data tables {summary['data_hash'] or 'not recorded'}, "
        f"solver {sol.solver}, {time.strftime('%Y-%m-%d')}.", "",
    ]
    return "\n".join(lines)


def write_outputs(result: PlanResult, outdir: str | Path, force: bool = False,
                  extra: Callable[[pd.DataFrame, Path], None] | None = None) -> dict[str, Any]:
    """Write plan.csv, summary.json and report.md into ``outdir`` atomically; return the summary.

    ``extra(plan_frame, folder)`` may write more files into the same folder before it is moved
    into place (the GIS layer of a project whose parcels are polygons).  An existing non-empty
    ``outdir`` is an InputError unless ``force``.
    """
    t0 = time.perf_counter()

    def fill(tmp: Path) -> dict[str, Any]:
        own = result.table.meta.get("parcel_extra")  # the parcel file's own columns (names, codes)
        frame = with_parcel_extra(plan_frame(result), own)
        write_csv(excel_safe(frame), tmp / "plan.csv")
        for name, extra_frame in result.extras.get("csv", {}).items():
            write_csv(excel_safe(extra_frame), tmp / name)
        if extra is not None:
            extra(frame, tmp)
        summary = summary_dict(result, frame)
        s = result.settings
        banner = status_banner(summary, s.mip_gap, s.time_limit_s, result.solution.termination)
        summary.update(requested_gap=s.mip_gap, status_note=banner)
        text = ((f"> **{banner}**\n\n" if banner else "") + report_markdown(result, frame, summary)
                + "\n".join(parcel_section(frame, [c for c in frame.columns if c not in PLAN_COLUMNS])))
        (tmp / "report.md").write_text(text, encoding="utf-8")
        result.timings["write"] = time.perf_counter() - t0
        summary["timings_s"]["write"] = result.timings["write"]
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        return summary

    summary = write_folder_atomic(outdir, force, fill)
    return summary
