"""Phased-plan outputs: schedule.csv, periods.csv, summary.json, report.md and gantt.svg.

``schedule.csv`` has one row per parcel (project order): the option, its start year and period
("not yet" for a parcel left beyond the last period), credited carbon at 2030, the horizon and
every milestone year, and the money it needs in every period (``cny_<period>``).
``periods.csv`` has one row per period: budget, money available (with carry-over), spent
(capital and maintenance), area worked, parcels started, carbon by 2030 and the horizon of the
parcels started in it, and what delaying its money by one period costs in carbon. CSVs are UTF-8
with a byte-order mark (Excel); everything is written atomically.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from optimizer.inputs.csvio import write_folder_atomic
from optimizer.outputs.gantt import gantt_svg
from optimizer.outputs.planout import excel_safe, status_banner, with_parcel_extra, write_csv
from optimizer.planning.scheduling import ScheduleResult, Solved, total_money
from optimizer.planning.shift import DEFER, origins



def _years(result: ScheduleResult) -> list[int]:
    return list(result.plan.columns.years)


def schedule_frame(result: ScheduleResult, solved: Solved | None = None) -> pd.DataFrame:
    """One row per parcel of ``solved`` (default the plan): option, start, carbon, money."""
    solved = solved or result.plan
    c, table, spec = solved.columns, result.table, solved.spec
    j = solved.chosen
    rows = table.rows.iloc[c.row[j]]
    deferred = c.period[j] == DEFER
    labels = np.array(spec.labels() + ["not yet"], dtype=object)
    earliest = result.earliest if result.earliest is not None else np.full(len(table.parcels), np.nan)
    frame = pd.DataFrame({
        "parcel_id": c.parcel_ids[c.parcel[j]],
        "area_ha": c.parcel_area[c.parcel[j]],
        "landform": table.parcels["landform"].to_numpy()[c.parcel[j]] if "landform" in table.parcels else "",
        "earliest_year": earliest[c.parcel[j]],
        "first_year_workable": origins(earliest, table.start_year)[c.parcel[j]],
        "option_id": np.where(deferred, "", rows["option_id"].to_numpy()),
        "regrading": np.where(deferred, "", rows["regrading"].to_numpy()),
        "amendment": np.where(deferred, "", rows["amendment"].to_numpy()),
        "mix": np.where(deferred, "", rows["mix"].to_numpy()),
        "option_type": np.where(deferred, "", rows["option_type"].to_numpy() if "option_type" in rows else ""),
        "period": labels[np.where(deferred, -1, c.period[j])],
        "start_year": np.where(deferred, np.nan, c.start[j].astype(float)),
    })
    for k, year in enumerate(c.years):
        name = "credited_tco2e" if year == result.horizon_year else f"credited_{year}_tco2e"
        frame[name] = c.carbon[j, k]
    frame["capital_cny"] = c.capital[j]
    frame["maintenance_cny"] = c.maintenance[j]
    frame["cost_cny"] = c.capital[j] + c.maintenance[j]
    frame["discounted_cny"] = c.discounted[j]
    for k, label in enumerate(spec.labels()):
        frame[f"cny_{label}"] = c.spend[j, k]
    frame["soil_loss_untreated_t"] = c.untreated_loss[j]
    frame["sediment_t_yr"] = c.sediment[j]
    return frame


def periods_frame(result: ScheduleResult) -> pd.DataFrame:
    """One row per period: money, works, carbon of the parcels started in it, delay cost."""
    c, spec, j = result.plan.columns, result.spec, result.plan.chosen
    spent = c.spend[j].sum(axis=0)
    period = c.period[j]
    capital = np.array([c.capital[j][period == k].sum() for k in range(spec.n_periods)])
    budget = np.asarray(spec.budget_cny, dtype=float) if spec.budget_cny is not None else np.full(spec.n_periods, np.nan)
    available = budget.copy()
    if spec.carry_over and spec.budget_cny is not None:
        available = np.cumsum(budget) - np.r_[0.0, np.cumsum(spent)[:-1]]
    frame = pd.DataFrame({
        "period": spec.labels(), "first_year": spec.starts, "last_year": spec.ends, "budget_cny": budget,
        "available_cny": available, "spent_cny": spent, "capital_cny": capital, "maintenance_cny": spent - capital,
        "unspent_cny": available - spent,
        "area_worked_ha": [float(c.worked_area[j][period == k].sum()) for k in range(spec.n_periods)],
        "parcels_started": [int((period == k).sum()) for k in range(spec.n_periods)],
    })
    for k, year in enumerate(c.years):
        name = "credited_tco2e" if year == result.horizon_year else f"credited_{year}_tco2e"
        frame[name] = [float(c.carbon[j, k][period == p].sum()) for p in range(spec.n_periods)]
    delays = {d["period"]: d for d in result.delays}
    for year in sorted({y for y in (2030, result.horizon_year) if y in c.years}):
        frame[f"delay_loss_{year}_tco2e"] = [(delays.get(lab) or {}).get(f"loss_{year}_tco2e") for lab in spec.labels()]
    if delays:
        frame["delay_extra_discounted_cny"] = [(delays.get(lab) or {}).get("extra_discounted_cny")
                                               for lab in spec.labels()]
        frame["delay_status"] = [(delays.get(lab) or {}).get("status", "") for lab in spec.labels()]
    return frame


def _num(x: Any) -> Any:
    if x is None:
        return None
    x = float(x)
    return x if np.isfinite(x) else None


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in frame.to_dict(orient="records"):
        out.append({k: (_num(v) if isinstance(v, (float, np.floating, int, np.integer)) and not isinstance(v, bool)
                        else v) for k, v in rec.items()})
    return out


def _lump(result: ScheduleResult) -> dict[str, Any] | None:
    lump = result.one_lump
    if lump is None:
        return None
    return {"status": lump.solution.status, "cost_cny": float(lump.spend().sum()),
            "credited_by_year": {str(y): lump.carbon(y) for y in lump.columns.years},
            "credited_tco2e": lump.carbon(result.horizon_year),
            "credited_2030_tco2e": lump.carbon(2030) if 2030 in lump.columns.years else None}


def summary_dict(result: ScheduleResult, frame: pd.DataFrame, periods: pd.DataFrame) -> dict[str, Any]:
    """summary.json of a phased plan."""
    sol, spec, plan = result.plan.solution, result.spec, result.plan
    years = plan.columns.years
    by_year = {str(y): plan.carbon(y) for y in years}
    return {
        "status": sol.status, "objective": _num(sol.objective), "bound": _num(sol.bound), "gap": _num(sol.gap),
        "objective_name": spec.objective if spec.objective == "min-cost" else
        "max-carbon (" + ", ".join(f"{w:g} x credited {y}" for y, w in (spec.carbon_weights or {result.horizon_year: 1.0}).items()) + ")",
        "start_year": int(result.table.start_year), "horizon_year": result.horizon_year,
        "periods": _records(periods), "budget_cny": list(spec.budget_cny) if spec.budget_cny is not None else None,
        "carry_over": spec.carry_over, "total_budget_cny": _num(total_money(spec)),
        "cost_cny": float(frame["cost_cny"].sum()), "discounted_cost_cny": float(frame["discounted_cny"].sum()),
        "discount_rate": spec.discount_rate,
        "credited_tco2e": plan.carbon(result.horizon_year),
        "credited_2030_tco2e": plan.carbon(2030) if 2030 in years else None,
        "credited_by_year": by_year,
        "milestones": {str(y): {"target_tco2e": t, "credited_tco2e": plan.carbon(y)} for y, t in spec.milestones.items()},
        "one_lump": _lump(result), "one_lump_note": result.one_lump_note or None,
        "delays": result.delays,
        "n_parcels": int(len(frame)), "n_not_yet": int(frame["period"].eq("not yet").sum()),
        "n_options": int(len(result.table.rows)), "sizes": result.sizes, "presolve": plan.presolve_summary(),
        "constraints": sorted(plan.model._coupling), "counted_pools": result.table.meta.get("counted_pools"),
        "accounting": result.table.meta.get("accounting"),
        "timings_s": {k: _num(v) for k, v in result.timings.items()}, "solver": sol.solver,
    }


def _fmt(x: Any, digits: int = 0) -> str:
    return "-" if x is None or (isinstance(x, float) and not np.isfinite(x)) else f"{x:,.{digits}f}"


def _totals_table(summary: dict[str, Any], horizon: int) -> list[str]:
    lump = summary["one_lump"]
    years = [y for y in summary["credited_by_year"]]
    lines = ["| credited t CO2e by | " + " | ".join(years) + " | cost (CNY) |",
             "|---|" + "---:|" * (len(years) + 1),
             f"| this schedule | " + " | ".join(_fmt(summary["credited_by_year"][y]) for y in years)
             + f" | {_fmt(summary['cost_cny'])} |"]
    if lump:
        lines.append("| one lump at the start (same money) | "
                     + " | ".join(_fmt(lump["credited_by_year"].get(y)) for y in years) + f" | {_fmt(lump['cost_cny'])} |")
    return lines


def _periods_table(periods: pd.DataFrame, horizon: int) -> list[str]:
    has_delay = any(c.startswith("delay_loss_") for c in periods.columns)
    head = ("| period | budget | available | spent | capital | maintenance | area worked (ha) | parcels started | "
            f"credited 2030 | credited {horizon} |" + (f" delay costs 2030 / {horizon} |" if has_delay else ""))
    lines = [head, "|---|" + "---:|" * (head.count("|") - 2)]
    for p in periods.to_dict(orient="records"):
        delay = ""
        if has_delay:
            a, b = p.get("delay_loss_2030_tco2e"), p.get(f"delay_loss_{horizon}_tco2e")
            if p.get("delay_status") == "infeasible":
                delay = " no schedule possible |"
            else:
                delay = f" {_fmt(a)} / {_fmt(b)} |" if b is not None and b == b else " - |"
        lines.append(f"| {p['period']} | {_fmt(p['budget_cny'])} | {_fmt(p['available_cny'])} | {_fmt(p['spent_cny'])} | "
                     f"{_fmt(p['capital_cny'])} | {_fmt(p['maintenance_cny'])} | {_fmt(p['area_worked_ha'], 1)} | "
                     f"{p['parcels_started']} | {_fmt(p.get('credited_2030_tco2e'))} | {_fmt(p['credited_tco2e'])} |" + delay)
    return lines


def _rows_text(result: ScheduleResult) -> list[str]:
    """Each coupling row: the plan's value against its limit."""
    j = result.plan.chosen
    out = []
    for r in result.plan.rows:
        value = float(r.coefs[j].sum())
        tight = abs(value - r.rhs) <= 0.005 * max(abs(r.rhs), 1e-9)
        out.append(f"- {r.text}: {value:,.1f} {r.sense} {r.rhs:,.1f} ({'binding' if tight else 'not binding'})")
    return out or ["- no coupling row could bind: every parcel took its best option and start"]


def _presolve_text(result: ScheduleResult) -> list[str]:
    """The Lagrangian presolve in one sentence (nothing when it was off)."""
    pre, plan = result.plan.presolve, result.plan
    if pre is None:
        return []
    minimise = result.spec.objective == "min-cost"
    bound = -pre.bound if minimise else pre.bound
    return [f"The Lagrangian presolve bounds the objective at {_fmt(bound, 2)} and kept {plan.columns.size:,} of "
            f"{plan.n_columns:,} (option, start) choices ({100 * pre.kept_share:.1f} %): the others cannot be in a "
            f"schedule as good as the one it repaired{'' if pre.plan is not None else ' (none was found: only choices no schedule can use were dropped)'}."]


def report_markdown(result: ScheduleResult, frame: pd.DataFrame, periods: pd.DataFrame, summary: dict[str, Any],
                    maintenance_years: int) -> str:
    """report.md of a phased plan."""
    spec, sol, h = result.spec, result.plan.solution, result.horizon_year
    gap = "n/a" if sol.gap is None else f"{100 * sol.gap:.3f} %"
    name = result.table.meta.get("project") or "unnamed project"
    money = ("carry-over: unspent money of a period may be spent later" if spec.carry_over
             else "no carry-over: money not spent in its period is lost to the plan")
    waiting = frame[frame["period"] == "not yet"]
    banner = [summary["status_note"], ""] if summary.get("status_note") else []
    lines = [
        *banner,
        f"# Phased restoration plan: {name}", "",
        f"{spec.n_periods} period(s) from {spec.starts[0]} ({', '.join(spec.labels())}); carbon counted to **{h}**. "
        f"Solver {sol.solver}: status **{sol.status}**, objective {summary['objective_name']} = "
        f"{_fmt(sol.objective, 2)}, gap {gap}.", *_presolve_text(result), "",
        "## Carbon and money", "", *_totals_table(summary, h), "",
        *([f"The one-lump plan could not be solved: {result.one_lump_note}", ""] if result.one_lump_note else []),
        "## Periods", "", f"Money per period ({money}); the last period also pays the maintenance due after it "
        f"up to {h}. Carbon: credited t CO2e of the parcels whose works start in the period.", "",
        *_periods_table(periods, h), "",
        *(["Delay costs: carbon lost (t CO2e by 2030 / by the horizon) when the money of that period arrives one "
           "period later (re-optimised; the last period has none; periods.csv also gives the change in "
           f"discounted cost). Differences within the solver's gap ({100 * result.settings.mip_gap:g} % of the "
           "objective) are noise; --gap 0 solves every variant exactly.", ""] if result.delays else []),
        "## When each parcel is restored", "", "![works by year](gantt.svg)", "",
        f"{int((frame['period'] != 'not yet').sum())} parcel(s) scheduled, {len(waiting)} left for later "
        f"(not yet: {waiting['area_ha'].sum():,.1f} ha keep their natural recovery and cost nothing here). "
        "schedule.csv lists every parcel with its money per period.", "",
        *(["## Milestones", "", *[f"- min_tco2e_{y}: {m['credited_tco2e']:,.0f} of {m['target_tco2e']:,.0f} t CO2e"
                                  for y, m in summary["milestones"].items()], ""] if summary["milestones"] else []),
        "## Why: the constraints", "", *_rows_text(result), "",
        "## How start years shift the options", "",
        "- an option started in year s follows the option table's trajectory from s; before s the parcel recovers "
        "naturally (its erosion included); the works keep the soil carbon gained or lost until then and clear the "
        "spontaneous vegetation, whose carbon is not carried over",
        f"- works start in the first year of their period, or on the parcel's release (earliest_year); capital is paid "
        f"then, maintenance in the following {maintenance_years} years (costs.csv maintenance_years) up to {h}",
        "- the erosion tolerance applies to each option from its works to the horizon; the sediment total counts "
        "the untreated years too",
        *[f"- {n}" for n in spec.notes],
        *[f"- {a}" for a in result.table.meta.get("assumptions", [])], "",
    ]
    return "\n".join(lines)




def write_schedule(result: ScheduleResult, outdir: str | Path, *, maintenance_years: int,
                   force: bool = False, protect: Iterable[Path] = ()) -> dict[str, Any]:
    """Write schedule.csv, periods.csv, summary.json, report.md and gantt.svg atomically (with
    the output folder's manifest; ``protect``: paths the output may not replace)."""
    t0 = time.perf_counter()

    def fill(tmp: Path) -> dict[str, Any]:
        frame = schedule_frame(result)
        periods = periods_frame(result)
        # the parcel file's own columns (names, codes) beside each parcel; Excel-safe text
        write_csv(excel_safe(with_parcel_extra(frame, result.table.meta.get("parcel_extra"))), tmp / "schedule.csv")
        write_csv(excel_safe(periods), tmp / "periods.csv")
        (tmp / "gantt.svg").write_text(gantt_svg(frame, periods, int(result.table.start_year), maintenance_years,
                                                 result.horizon_year), encoding="utf-8")
        summary = summary_dict(result, frame, periods)
        summary["status_note"] = status_banner(summary, result.settings.mip_gap, result.settings.time_limit_s,
                                               result.plan.solution.termination)
        (tmp / "report.md").write_text(report_markdown(result, frame, periods, summary, maintenance_years),
                                       encoding="utf-8")
        result.timings["write"] = time.perf_counter() - t0
        summary["timings_s"]["write"] = result.timings["write"]
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        return summary

    return write_folder_atomic(outdir, force, fill, protect)
