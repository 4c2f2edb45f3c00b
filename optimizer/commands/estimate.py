"""``minesink estimate`` and ``minesink species``: the option table and the suitability table."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Optional

import pandas as pd
import typer

from optimizer.cli import command
from optimizer.csvio import write_atomic
from optimizer.errors import InputError

CSV_ENCODING = "utf-8-sig"  # a BOM lets Excel read UTF-8 (Chinese parcel names) correctly


def write_table(frame: pd.DataFrame, out: Path, force: bool) -> Path:
    """Write a table as CSV or Parquet (by suffix), atomically; refuse to overwrite without force."""
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InputError(f"{out}: output must end in .csv or .parquet")
    if out.exists() and not force:
        raise InputError(f"{out} exists; use --force to overwrite it")
    if suffix == ".parquet":
        if importlib.util.find_spec("pyarrow") is None:
            raise InputError("Parquet output needs pyarrow: pip install 'minesink[parquet]' (or write .csv)")
        return write_atomic(out, lambda tmp: frame.to_parquet(tmp, index=False))
    return write_atomic(out, lambda tmp: frame.to_csv(tmp, index=False, encoding=CSV_ENCODING,
                                                      float_format="%.6g"))


@command("estimate")
def estimate_cmd(
    project: Path = typer.Argument(..., help="Project folder."),
    out: Path = typer.Option(..., "-o", "--out", help="Option table to write (.csv or .parquet)."),
    horizon: Optional[int] = typer.Option(None, "--horizon", help="Count carbon up to this year."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
) -> None:
    """Write the option table: one row per parcel x feasible option with per-hectare yields."""
    from optimizer.pipeline import estimate
    from optimizer.project import load_project

    from optimizer.commands.plan import progress

    if out.exists() and not force:
        raise InputError(f"{out} exists; use --force to overwrite it")
    loaded = load_project(project)
    with progress(f"Estimating options for {len(loaded.parcels)} parcels"):
        table = estimate(loaded, horizon)
    write_table(table.rows, out, force)
    per_parcel = table.rows.groupby("parcel_id", sort=False).size()
    typer.echo(
        f"{len(table.rows)} options for {len(per_parcel)} parcels ({per_parcel.min()}-{per_parcel.max()} "
        f"per parcel, horizon {table.horizon_year}) written to {out}"
    )


@command("species")
def species_cmd(
    project: Path = typer.Argument(..., help="Project folder."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Write the full parcel x species table (.csv)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
) -> None:
    """Species suitability per parcel (untreated site), with the reason for every exclusion."""
    from optimizer.pipeline import suitability_table
    from optimizer.project import load_project

    table = suitability_table(load_project(project))
    if out is not None:
        write_table(table, out, force)
        typer.echo(f"{len(table)} parcel x species rows written to {out}")
        return
    for parcel_id, rows in table.groupby("parcel_id", sort=False):
        ok = rows[rows["suitable"]]
        by_layer = "; ".join(f"{layer}: {', '.join(group['species'])}" for layer, group in ok.groupby("layer"))
        typer.echo(f"{parcel_id}: {len(ok)} suitable - {by_layer or 'none'}")
        reasons = rows.loc[~rows["suitable"], "reasons"].str.split("; ").explode().value_counts()
        if len(reasons):
            typer.echo("    excluded: " + ", ".join(f"{r} ({n})" for r, n in reasons.items()))
