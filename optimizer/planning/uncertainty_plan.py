"""What ``plan --draws/--risk/--alternatives`` adds to a plan: the spread of its carbon, a
risk-aware plan beside the expected-value one, near-optimal alternatives (alternatives.csv).

Fills ``PlanResult.extras`` (summary keys, report lines, extra CSV files) for optimizer.outputs.report.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from estimators.ensemble import sample
from optimizer.planning.plan import PlanResult
from optimizer.inputs.project import Project
from optimizer.planning.risk import alternatives, cvar, risk_plan
from optimizer.planning.uncertainty import (draw_rows, ensemble_layout, load_distributions, plan_ensemble,
                                   plan_rows_settings, report_lines, summary)

log = logging.getLogger(__name__)


def row_matrix(project: Project, result: PlanResult, n_draws: int, seed: int) -> np.ndarray:
    """Credited carbon [t CO2e] of every option-table row under each draw, (N, rows)."""
    table = result.table
    lay = ensemble_layout(project, load_distributions(project))
    draws = sample(lay.dims, n_draws, seed)
    area = table.rows["area_ha"].to_numpy(dtype=float)
    out = np.empty((n_draws, len(table.rows)))
    for d, frame in enumerate(draw_rows(project, plan_rows_settings(project, table), lay, draws)):
        out[d] = area * frame["credited_tco2e_ha"].to_numpy(dtype=float)
    return out


def _uncertainty_keys(s: dict[str, Any]) -> dict[str, Any]:
    return {"carbon_p05": s["carbon_p05"], "carbon_p50": s["carbon_p50"], "carbon_p95": s["carbon_p95"],
            "uncertainty_pct_90ci": s["uncertainty_pct_90ci"], "uncertainty": s}


def _compare(ev: PlanResult, rk: PlanResult, mat: np.ndarray, alpha: float) -> tuple[dict[str, Any], list[str]]:
    """Expected-value plan and risk-aware plan side by side: mean, P10, CVaR, cost, changes."""
    area = ev.table.rows["area_ha"].to_numpy(dtype=float)
    cost = area * ev.table.rows["cost_cny_ha"].to_numpy(dtype=float)
    cols: dict[str, Any] = {}
    for name, res in (("expected_value", ev), ("risk_aware", rk)):
        x = mat[:, res.solution.rows].sum(axis=1)
        cols[name] = {"mean_tco2e": float(x.mean()), "p10_tco2e": float(np.percentile(x, 10)),
                      "cvar_tco2e": cvar(x, alpha), "cost_cny": float(cost[res.solution.rows].sum())}
    a = ev.table.rows.iloc[ev.solution.rows][["parcel_id", "option_id"]].reset_index(drop=True)
    b = rk.table.rows.iloc[rk.solution.rows][["parcel_id", "option_id"]].reset_index(drop=True)
    changed = a[a["option_id"] != b["option_id"]].assign(risk_aware=b["option_id"])
    cols["changed_parcels"] = int(len(changed))
    lines = ["## Expected-value plan and risk-aware plan", "",
             f"| plan | mean t CO2e | P10 t CO2e | CVaR{alpha:g} t CO2e | cost CNY |", "|---|---:|---:|---:|---:|"]
    for name in ("expected_value", "risk_aware"):
        v = cols[name]
        lines.append(f"| {name.replace('_', ' ')} | {v['mean_tco2e']:,.0f} | {v['p10_tco2e']:,.0f} | "
                     f"{v['cvar_tco2e']:,.0f} | {v['cost_cny']:,.0f} |")
    lines += ["", f"{len(changed)} parcel(s) take another option in the risk-aware plan:", ""]
    lines += [f"- {r.parcel_id}: {r.option_id} -> {r.risk_aware}" for r in changed.head(30).itertuples()]
    return cols, lines + [""]


def alternatives_frame(result: PlanResult, plans: list[Any]) -> pd.DataFrame:
    """alternatives.csv: every (parcel, option) chosen by any plan, the plans choosing it and its
    selection frequency; ``firm`` when every plan chose it."""
    rows = result.table.rows
    long = pd.concat([pd.DataFrame({"plan": k + 1, "row": p.rows}) for k, p in enumerate(plans)], ignore_index=True)
    long["parcel_id"] = rows["parcel_id"].to_numpy()[long["row"]]
    long["option_id"] = rows["option_id"].to_numpy()[long["row"]]
    order = {pid: i for i, pid in enumerate(result.table.parcels.index)}
    g = long.groupby(["parcel_id", "option_id"], sort=False).agg(
        plans=("plan", lambda s: ";".join(str(v) for v in sorted(s))), n_plans=("plan", "size")).reset_index()
    g["frequency"] = g["n_plans"] / len(plans)
    g["firm"] = g["n_plans"] == len(plans)
    g["_o"] = g["parcel_id"].map(order)
    return g.sort_values(["_o", "n_plans", "option_id"], ascending=[True, False, True], kind="stable").drop(
        columns="_o").reset_index(drop=True)


def _alternatives(result: PlanResult, k: int, within: float) -> tuple[dict[str, Any], list[str], pd.DataFrame]:
    plans = alternatives(result.table, result.settings, k, within, first=result)
    rows = result.table.rows
    area = rows["area_ha"].to_numpy(dtype=float)
    carbon = area * rows["credited_tco2e_ha"].to_numpy(dtype=float)
    cost = area * rows["cost_cny_ha"].to_numpy(dtype=float)
    frame = alternatives_frame(result, plans)
    firm = frame.groupby("parcel_id", sort=False)["firm"].any()
    info: dict[str, Any] = {"within": within, "requested": k, "found": len(plans), "firm_parcels": int(firm.sum()),
            "plans": [{"plan": i + 1, "credited_tco2e": float(carbon[p.rows].sum()),
                       "cost_cny": float(cost[p.rows].sum())} for i, p in enumerate(plans)]}
    lines = ["## Near-optimal alternatives", "",
             f"{len(plans)} distinct plan(s) within {within:.1%} of the optimum (plan 1; alternatives.csv). "
             f"{int(firm.sum())} of {len(firm)} parcels take the same option in every plan (firm); "
             "the others are interchangeable:", "", "| plan | credited t CO2e | cost CNY |", "|---|---:|---:|"]
    lines += [f"| {p['plan']} | {p['credited_tco2e']:,.0f} | {p['cost_cny']:,.0f} |" for p in info["plans"]]
    loose = frame[~frame["parcel_id"].map(firm)]
    if len(loose):
        lines += ["", "| parcel | option | plans | frequency |", "|---|---|---|---:|"]
        lines += [f"| {r.parcel_id} | {r.option_id} | {r.plans} | {r.frequency:.2f} |" for r in loose.head(40).itertuples()]
    return info, lines + [""], frame


def extend(project: Project, result: PlanResult, *, draws: int | None = None, seed: int = 1,
           risk: str | None = None, alpha: float = 0.1, confidence: float = 0.9, target: float | None = None,
           n_alternatives: int | None = None, within: float = 0.02) -> PlanResult:
    """The plan to write (the risk-aware one when ``risk`` is given) with its extras filled."""
    extras: dict[str, Any] = {"summary": {}, "markdown": [], "csv": {}}
    final = result
    horizon = result.horizon_year
    if risk is not None:
        n = draws or 100
        mat = row_matrix(project, result, n, seed)
        rp = risk_plan(result.table, result.settings, mat, risk, alpha=alpha, confidence=confidence, target=target)
        final = rp.result
        cols, lines = _compare(result, final, mat, alpha)
        extras["summary"]["risk"] = {"model": risk, "alpha": rp.alpha, "confidence": rp.confidence,
                                     "target_tco2e": rp.target, "n_draws": n, "seed": seed, **cols}
        extras["markdown"] += lines
        draws = n
    if draws is not None:
        ens = plan_ensemble(project, final.table, final.solution.rows, draws, seed, target_tco2e=target)
        s = summary(ens)
        extras["summary"].update(_uncertainty_keys(s))
        extras["markdown"] += ["## How sure is the plan?", "", *report_lines(s, horizon)]
    if n_alternatives is not None:
        info, lines, frame = _alternatives(final if risk is None else result, n_alternatives, within)
        extras["summary"]["alternatives"] = info
        extras["markdown"] += lines
        extras["csv"]["alternatives.csv"] = frame
    own = final.extras  # what planning put there already (the least-cost stage's block)
    final.extras = {"summary": {**own.get("summary", {}), **extras["summary"]},
                    "markdown": [*own.get("markdown", []), *extras["markdown"]],
                    "csv": {**own.get("csv", {}), **extras["csv"]}}
    return final
