"""Monte Carlo ensembles of the option table: how sure is a plan's carbon?

``load_distributions(project)`` reads data/uncertainty.csv (project override: ``uncertainty``
under [parameters], rows replaced by (parameter, key)); ``draw_rows`` evaluates the option table
once per Latin hypercube draw (estimators.ensemble applies the draw to copies of the catalogue
tables and the estimate settings; every draw is vectorised over parcel x option rows, the Python
loop runs over draws only, so memory is one draw's table at a time); ``plan_ensemble`` gives
the spread of one plan's totals, the probability of meeting a target and the parameters that
drive the spread (Spearman rank correlation of each draw's multiplier with the credited total).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from estimators.ensemble import DISTRIBUTIONS, TARGETS, Layout, apply_draw, layout, sample
from estimators.options import EstimateSettings, build_option_table, rows_for
from estimators.table import POOLS, OptionTable
from optimizer.inputs.catalogue import _apply_override, _read_table
from optimizer.inputs.catalogue_specs import Range, TableSpec
from optimizer.inputs.data import data_file
from optimizer.errors import InputError
from optimizer.inputs.project import Project

log = logging.getLogger(__name__)

UNCERTAINTY = TableSpec(
    name="uncertainty", file="uncertainty.csv", key=("parameter", "key"),
    text=("distribution",),
    optional={"center": 1.0, "cv": 0.0, "low": float("nan"), "high": float("nan")},
    choices={"parameter": frozenset(TARGETS), "distribution": frozenset(DISTRIBUTIONS)},
    ranges={"center": Range(0.0, lo_open=True), "cv": Range(0.0), "low": Range(0.0), "high": Range(0.0)},
)
TABLES = ("species", "regions", "climate", "regrading", "amendments", "mixes", "costs", "ipcc_soil", "buffer")
#: Per-row option-table columns an ensemble collects (t CO2e/ha, CNY/ha)
COLUMNS = ("credited_tco2e_ha", "credited_tco2e_ha_2030", "cost_cny_ha", *(f"{p}_tco2e_ha" for p in POOLS))
#: VM0047: uncertainty above 15 % of the mean at 90 % confidence is deducted (reference accounting.md 1.3)
VM0047_THRESHOLD_PCT = 15.0


def load_distributions(project: Project | None = None, path: Path | None = None) -> pd.DataFrame:
    """The distribution table: data/uncertainty.csv with the project's override rows applied
    (``[parameters] uncertainty = "file.csv"``, or ``path``). InputError names file, row, column."""
    frame = _read_table(data_file(UNCERTAINTY.file), UNCERTAINTY, UNCERTAINTY.file, partial=False)
    override = path if path is not None else (project.overrides.get("uncertainty") if project else None)
    if override is not None:
        frame, _ = _apply_override(frame, Path(override), UNCERTAINTY)
    bad = frame["distribution"].isin(["uniform", "triangular"]) & (frame["low"].isna() | frame["high"].isna())
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError.at(str(frame["_file"].iloc[i]), f"parameter '{frame['parameter'].iloc[i]}': a "
                            f"{frame['distribution'].iloc[i]} distribution needs low and high",
                            int(frame["_row"].iloc[i]), "low")
    order = (frame["low"] > frame["center"]) | (frame["center"] > frame["high"])
    tri = (frame["distribution"] == "triangular") & order
    if tri.any():
        i = int(np.flatnonzero(tri.to_numpy())[0])
        raise InputError.at(str(frame["_file"].iloc[i]), "triangular distribution needs low <= center <= high",
                            int(frame["_row"].iloc[i]), "center")
    return frame.drop(columns=["_file", "_row"]).reset_index(drop=True)


def catalogue_tables(project: Project) -> dict[str, pd.DataFrame]:
    """The project's catalogue as a table name -> DataFrame mapping."""
    return {name: getattr(project.catalogue, name) for name in TABLES}


def ensemble_layout(project: Project, spec: pd.DataFrame) -> Layout:
    """Dimensions of the ensemble for the project's catalogue (InputError on a bad key)."""
    try:
        return layout(spec, catalogue_tables(project))
    except ValueError as err:
        raise InputError.at("uncertainty.csv", str(err)) from None


def draw_rows(project: Project, settings: EstimateSettings, lay: Layout, draws: np.ndarray,
              candidates: Any = None, progress: Callable[[int], None] | None = None) -> Iterator[pd.DataFrame]:
    """Option-table rows (``COLUMNS`` plus area_ha) under each draw, one DataFrame per draw.

    ``candidates`` (estimators.options.rows_for) restricts the rows (e.g. to one plan's);
    default every feasible row, in the deterministic table's order.
    """
    tables = catalogue_tables(project)
    for d in range(draws.shape[0]):
        drawn, s = apply_draw(lay, draws[d], tables, settings)
        table = build_option_table(project.parcels, SimpleNamespace(**drawn), project.region, s,
                                   candidates=candidates)
        if progress is not None:
            progress(d)
        yield table.rows


@dataclass
class Ensemble:
    """Per-draw totals of one plan and the draws behind them.

    draws : (N, d) multipliers; names : ``parameter:key`` per column
    totals : column -> (N,) plan total (t CO2e or CNY) per draw, for COLUMNS without ``_ha``
    deterministic : the same totals from the deterministic option table
    """

    draws: np.ndarray
    names: list[str]
    totals: dict[str, np.ndarray]
    deterministic: dict[str, float]
    seed: int
    target_tco2e: float | None = None
    dims: pd.DataFrame = field(default_factory=pd.DataFrame)
    relevant: np.ndarray | None = None  # dimensions that can move the plan (drivers are ranked among them)


def _total_name(column: str) -> str:
    return column.replace("_tco2e_ha_2030", "_2030_tco2e").replace("_ha", "")


def plan_rows_settings(project: Project, table: OptionTable) -> EstimateSettings:
    """The estimate settings the option table was built with (project years, its horizon)."""
    from optimizer.planning.pipeline import estimate_settings

    return estimate_settings(project, int(table.horizon_year))


def plan_ensemble(project: Project, table: OptionTable, rows: np.ndarray, n_draws: int = 200, seed: int = 1,
                  spec: pd.DataFrame | None = None, target_tco2e: float | None = None,
                  progress: Callable[[int], None] | None = None) -> Ensemble:
    """Spread of the totals of the plan made of option-table ``rows`` (positions, one per parcel)."""
    spec = load_distributions(project) if spec is None else spec
    lay = ensemble_layout(project, spec)
    draws = sample(lay.dims, n_draws, seed)
    settings = plan_rows_settings(project, table)
    chosen = table.rows.iloc[rows]
    cand = rows_for(project.parcels, project.catalogue, project.region, settings,
                    chosen["parcel_id"].astype(str).to_numpy(), chosen["option_id"].astype(str).to_numpy())
    area = chosen["area_ha"].to_numpy(dtype=float)
    totals = {_total_name(c): np.empty(n_draws) for c in COLUMNS}
    for d, frame in enumerate(draw_rows(project, settings, lay, draws, cand, progress)):
        for c in COLUMNS:
            totals[_total_name(c)][d] = float(area @ frame[c].to_numpy(dtype=float))
    det = {_total_name(c): float(area @ chosen[c].to_numpy(dtype=float)) for c in COLUMNS if c in chosen}
    return Ensemble(draws, lay.names, totals, det, seed, target_tco2e, lay.dims, _relevant(lay, table, chosen, project))


def _relevant(lay: Layout, table: OptionTable, chosen: pd.DataFrame, project: Project) -> np.ndarray:
    """Dimensions that can move the plan: species planted in its mixes, its amendments, the
    project's region, its option types; cost items and settings always."""
    mixes = chosen["mix"].unique()
    ms = table.mix_species
    species = set(ms.columns[(ms.loc[ms.index.intersection(mixes)] > 0).any()])
    keys = {"species": species, "amendments": set(chosen["amendment"]), "regions": {project.region},
            "buffer": set(chosen["option_type"]) if "option_type" in chosen else None}
    out = np.ones(len(lay.dims), dtype=bool)
    for j, (param, key) in enumerate(zip(lay.dims["parameter"], lay.dims["key"])):
        wanted = keys.get(TARGETS[param].table)
        if wanted is not None and key != "all":
            out[j] = key in wanted
    return out


def spread(values: np.ndarray) -> dict[str, float]:
    """mean, sd, P5, P10, P50, P95 of ``values``."""
    p05, p10, p50, p95 = np.percentile(values, [5, 10, 50, 95])
    return {"mean": float(values.mean()), "sd": float(values.std(ddof=1)) if values.size > 1 else 0.0,
            "p05": float(p05), "p10": float(p10), "p50": float(p50), "p95": float(p95)}


def drivers(draws: np.ndarray, names: Sequence[str], values: np.ndarray, top: int = 10,
            relevant: np.ndarray | None = None) -> list[dict[str, Any]]:
    """Parameters ranked by |Spearman rank correlation| of their multiplier with ``values``
    (parameters that did not vary, or are not ``relevant``, are left out)."""
    ok = draws.std(axis=0) > 0
    if relevant is not None:
        ok &= relevant
    varied = np.flatnonzero(ok)
    if varied.size == 0 or values.std() == 0 or draws.shape[0] < 3:
        return []
    ranks = stats.rankdata(draws[:, varied], axis=0)
    r_val = stats.rankdata(values)
    rc = ranks - ranks.mean(axis=0)
    rv = r_val - r_val.mean()
    rho = (rc * rv[:, None]).sum(axis=0) / np.sqrt((rc ** 2).sum(axis=0) * (rv ** 2).sum())
    order = np.argsort(-np.abs(rho), kind="stable")[:top]
    return [{"parameter": names[varied[i]], "spearman_rho": float(rho[i])} for i in order]


def uncertainty_pct(values: np.ndarray) -> float | None:
    """Half-width of the 90 % interval as a percentage of the mean (VM0047's measure)."""
    mean = float(values.mean())
    if mean == 0:
        return None
    p05, p95 = np.percentile(values, [5, 95])
    return float(100.0 * (p95 - p05) / 2.0 / abs(mean))


def _kind(ens: Ensemble, cost: bool) -> np.ndarray:
    """Relevant dimensions that can move carbon (cost=False) or cost (cost=True)."""
    is_cost = np.array([TARGETS[p].table == "costs" for p in ens.dims["parameter"]], dtype=bool)
    base = ens.relevant if ens.relevant is not None else np.ones(len(is_cost), dtype=bool)
    return base & (is_cost if cost else ~is_cost)


def summary(ens: Ensemble) -> dict[str, Any]:
    """uncertainty.json: spreads by total and pool, target probability, drivers, VM0047 deduction."""
    credited = ens.totals["credited_tco2e"]
    pct = uncertainty_pct(credited)
    deduct = None if pct is None else max(0.0, pct - VM0047_THRESHOLD_PCT)
    out: dict[str, Any] = {
        "n_draws": int(ens.draws.shape[0]), "seed": int(ens.seed), "sampling": "latin hypercube",
        "n_parameters": int(ens.draws.shape[1]),
        "carbon_p05": float(np.percentile(credited, 5)), "carbon_p50": float(np.percentile(credited, 50)),
        "carbon_p95": float(np.percentile(credited, 95)), "uncertainty_pct_90ci": pct,
        "vm0047": {"threshold_pct": VM0047_THRESHOLD_PCT, "deduction_pct": deduct,
                   "deduction_tco2e": None if deduct is None else float(credited.mean() * deduct / 100.0)},
        "mc_standard_error_tco2e": float(credited.std(ddof=1) / np.sqrt(credited.size)) if credited.size > 1 else None,
        "deterministic": {k: (v if np.isfinite(v) else None) for k, v in ens.deterministic.items()},
        "credited_tco2e": spread(credited),
        "credited_2030_tco2e": spread(ens.totals["credited_2030_tco2e"])
        if np.isfinite(ens.totals["credited_2030_tco2e"]).all() else None,
        "cost_cny": spread(ens.totals["cost_cny"]),
        "carbon_by_pool": {p: spread(ens.totals[f"{p}_tco2e"]) for p in POOLS},
        "drivers": drivers(ens.draws, ens.names, credited, relevant=_kind(ens, cost=False)),
        "cost_drivers": drivers(ens.draws, ens.names, ens.totals["cost_cny"], top=5, relevant=_kind(ens, cost=True)),
    }
    if ens.target_tco2e is not None:
        out["target_tco2e"] = float(ens.target_tco2e)
        out["p_meet_target"] = float((credited >= ens.target_tco2e).mean())
    return out


def draws_frame(ens: Ensemble) -> pd.DataFrame:
    """draws.csv: one row per draw, the plan's totals then every multiplier."""
    frame = pd.DataFrame({"draw": np.arange(1, ens.draws.shape[0] + 1)})
    for name, values in ens.totals.items():
        frame[name] = values
    multipliers = pd.DataFrame(ens.draws, columns=ens.names)
    return pd.concat([frame, multipliers], axis=1)


def plan_rows_from_file(table: OptionTable, path: Path) -> np.ndarray:
    """Option-table rows of a plan file (plan.csv: parcel_id, option_id; one row per parcel)."""
    from optimizer.inputs.csvio import read_csv

    from optimizer.outputs.planout import excel_unescape

    frame = read_csv(path, required=("parcel_id", "option_id"))
    frame["parcel_id"] = excel_unescape(frame["parcel_id"])  # plan.csv escapes ids Excel would run
    keys = table.rows["parcel_id"].astype(str) + "\x1f" + table.rows["option_id"].astype(str)
    want = frame["parcel_id"].astype(str).str.strip() + "\x1f" + frame["option_id"].astype(str).str.strip()
    pos = pd.Index(keys).get_indexer(want)
    if (pos < 0).any():
        i = int(np.flatnonzero(pos < 0)[0])
        raise InputError.at(path.name, f"parcel '{frame['parcel_id'].iloc[i]}': option '{frame['option_id'].iloc[i]}' "
                            "is not an option of this parcel in the project", i + 2, "option_id")
    missing = sorted(set(table.parcels.index.astype(str)) - set(frame["parcel_id"].astype(str).str.strip()))
    if missing:
        raise InputError.at(path.name, f"no row for parcel '{missing[0]}' (a plan has one row per parcel)")
    return pos


def report_lines(s: dict[str, Any], horizon: int) -> list[str]:
    """Markdown lines on the spread of a plan's credited carbon (report.md and uncertainty.md)."""
    c = s["credited_tco2e"]
    pct = s["uncertainty_pct_90ci"]
    vm = s["vm0047"]
    lines = [f"Monte Carlo over {s['n_draws']} Latin hypercube draws of {s['n_parameters']} uncertain parameters "
             f"(data/uncertainty.csv, seed {s['seed']}):", "",
             "| quantity | deterministic | mean | P5 | P50 | P95 |", "|---|---:|---:|---:|---:|---:|"]
    rows = [(f"credited t CO2e by {horizon}", "credited_tco2e"), ("credited t CO2e by 2030", "credited_2030_tco2e"),
            ("cost CNY", "cost_cny")]
    for label, key in rows:
        v = s.get(key)
        if v is None:
            continue
        det = s["deterministic"].get(key)
        det = float("nan") if det is None else det
        lines.append(f"| {label} | {det:,.0f} | {v['mean']:,.0f} | {v['p05']:,.0f} | {v['p50']:,.0f} | {v['p95']:,.0f} |")
    for pool, v in s["carbon_by_pool"].items():
        if v["sd"] > 0:
            lines.append(f"| pool {pool} t CO2e | {s['deterministic'].get(pool + '_tco2e') or float('nan'):,.0f} | "
                         f"{v['mean']:,.0f} | {v['p05']:,.0f} | {v['p50']:,.0f} | {v['p95']:,.0f} |")
    lines.append("")
    if pct is not None:
        lines.append(f"Uncertainty (half the 90 % interval over the mean): {pct:.1f} %. "
                     + (f"VM0047 deducts the part above {vm['threshold_pct']:g} %: {vm['deduction_pct']:.1f} % of the "
                        f"credits, about {vm['deduction_tco2e']:,.0f} t CO2e." if vm["deduction_pct"] > 0 else
                        f"Within VM0047's {vm['threshold_pct']:g} %: no uncertainty deduction."))
    if "p_meet_target" in s:
        lines.append(f"Probability of meeting the target of {s['target_tco2e']:,.0f} t CO2e: {s['p_meet_target']:.1%}.")
    if s["drivers"]:
        lines += ["", "What drives the spread (Spearman rank correlation with the credited total):", ""]
        lines += [f"- `{d['parameter']}` {d['spearman_rho']:+.2f}" for d in s["drivers"][:5]]
    return lines + [""]


def write_uncertainty(ens: Ensemble, outdir: Path, force: bool, horizon: int) -> dict[str, Any]:
    """uncertainty.json, draws.csv and uncertainty.md into ``outdir`` (atomically); the summary.

    Deterministic: no timings or dates, fixed float format, so a fixed seed repeats byte for byte.
    """
    import json

    from optimizer.inputs.csvio import write_folder_atomic

    data = summary(ens)
    data["horizon_year"] = int(horizon)

    def fill(tmp: Path) -> dict[str, Any]:
        draws_frame(ens).to_csv(tmp / "draws.csv", index=False, float_format="%.6g", lineterminator="\n",
                                encoding="utf-8-sig")
        (tmp / "uncertainty.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        text = ["# How sure is the plan?", "", *report_lines(data, horizon)]
        (tmp / "uncertainty.md").write_text("\n".join(text), encoding="utf-8")
        return data

    return write_folder_atomic(outdir, force, fill)
