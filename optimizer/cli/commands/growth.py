"""``minesink fit-growth``: fit growth curves to inventory data and rank them by AIC."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd
import typer

from estimators.fitting import FitResult, fit_all, free_params
from estimators.growth import MODELS
from optimizer.cli.app import command
from optimizer.inputs.csvio import check_range, first_bad, numeric_column, read_csv, sheet_row
from optimizer.errors import InputError

HELP = """Fit growth curves (richards, logistic, gompertz, schumacher, korf, mitscherlich) to
DATA.csv by nonlinear least squares and list them best AIC first, with parameters, standard
errors, RMSE, AIC, R2 and warnings for fits that should not be trusted.

With --json the output is a JSON list of fits, best first, each
{"model", "params", "se", "rss", "rmse", "aic", "r2", "n", "converged", "warnings"}
(null where a number is undefined).  With --group it is a JSON object
{"<group value>": <list of fits, best first>, ...} in order of first appearance.
"""


@command("fit-growth", help=HELP)
def fit_growth(
    data: Path = typer.Argument(..., help="CSV file with one row per plot (UTF-8)."),
    age: str = typer.Option(..., "--age", help="Column holding stand age in years (>= 0)."),
    value: str = typer.Option(..., "--value", help="Column holding the stock (volume, biomass or carbon)."),
    model: str = typer.Option("all", "--model", help=f"One of {', '.join(MODELS)}, or all."),
    group: Optional[str] = typer.Option(None, "--group", help="Fit each value of this column apart (e.g. species)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Fit growth curves to inventory data."""
    models = _models(model)
    file = data.name
    frame = read_csv(data, required=[c for c in (age, value, group) if c])
    ages = numeric_column(frame, age, file)
    values = numeric_column(frame, value, file)
    check_range(ages, age, file, lo=0.0)
    check_range(values, value, file, lo=0.0)
    fits = {name: _fit_group(ages[idx], values[idx], models, file, name, group)
            for name, idx in _groups(frame, group, file).items()}
    if as_json:
        payload: object = ({k: [r.to_dict() for r in v] for k, v in fits.items()} if group
                           else [r.to_dict() for r in fits[""]])
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False, allow_nan=False))
        return
    for name, results in fits.items():
        typer.echo(format_table(results, f"{file}" + (f", {group} = '{name}'" if group else "")))


def _models(model: str) -> list[str]:
    name = model.strip().lower()
    if name == "all":
        return list(MODELS)
    if name not in MODELS:
        raise InputError(f"--model: unknown growth model '{model}' (valid: all, {', '.join(MODELS)})")
    return [name]


def _groups(frame: pd.DataFrame, group: str | None, file: str) -> dict[str, np.ndarray]:
    """Row positions of each group, in order of first appearance ('' = all rows)."""
    if not group:
        return {"": np.arange(len(frame))}
    keys = frame[group].astype(str)
    blank = first_bad(keys.eq("").to_numpy())
    if blank is not None:
        raise InputError.at(file, "a group value is required here", sheet_row(blank), group)
    return {str(k): np.flatnonzero(keys.eq(k).to_numpy()) for k in pd.unique(keys)}


def _fit_group(t: np.ndarray, y: np.ndarray, models: list[str], file: str, name: str,
               group: str | None) -> list[FitResult]:
    where = f"{file}, {group} = '{name}'" if group else file
    n = t.size
    needed = {m: len(free_params(m)) for m in models}
    fewest = min(needed, key=needed.__getitem__)
    if n < needed[fewest]:
        which = f"model {fewest}" if len(models) == 1 else f"even the smallest model ({fewest})"
        raise InputError(f"{where}: {n} point(s) but {which} has {needed[fewest]} parameters: "
                         "no fit possible")
    if np.ptp(y) == 0:
        raise InputError(f"{where}: all {n} values are equal: no growth curve can be fitted")
    return fit_all(t, y, models)


def _num(x: float) -> str:
    return "-" if not math.isfinite(x) else f"{x:.4g}"


def format_table(results: list[FitResult], title: str) -> str:
    """An aligned text block: one line per fit, best AIC first, warnings indented beneath."""
    n = results[0].n if results else 0
    lines = [f"{title}: {n} points, best AIC first",
             f"  {'model':<13}{'AIC':>10}{'RMSE':>10}{'R2':>8}  parameters (standard error)"]
    for r in results:
        params = "  ".join(f"{k}={_num(v)} ({_num(r.se.get(k, math.nan))})" for k, v in r.params.items()
                           if k in r.se)
        flag = "" if r.converged else "  [not converged]"
        lines.append(f"  {r.model:<13}{_num(r.aic):>10}{_num(r.rmse):>10}{_num(r.r2):>8}  {params}{flag}")
        lines.extend(f"      warning: {w}" for w in r.warnings)
    return "\n".join(lines) + "\n"
