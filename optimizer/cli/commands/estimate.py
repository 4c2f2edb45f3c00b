"""``minesink estimate`` and ``minesink species``: the option table and the suitability table."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Optional

import pandas as pd
import typer

from optimizer.cli.app import command
from optimizer.cli.commands.common import allow_outside_option, check_horizon, load, protected
from optimizer.inputs.csvio import write_atomic
from optimizer.errors import InputError
from optimizer.outputs.files import check_outfile, output_lock
from optimizer.outputs.planout import CSV_ENCODING, excel_safe



def check_table_path(out: Path, force: bool, protect: list[Path]) -> None:
    """Refuse a bad suffix, a project input file, or an existing file without force."""
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InputError(f"{out}: output must end in .csv or .parquet")
    if suffix == ".parquet" and importlib.util.find_spec("pyarrow") is None:
        raise InputError("Parquet output needs pyarrow: pip install 'minesink[parquet]' (or write .csv)")
    check_outfile(out, force, protect)


def write_table(frame: pd.DataFrame, out: Path, force: bool, protect: list[Path] | None = None) -> Path:
    """Write a table as CSV (text cells Excel-safe) or Parquet (by suffix), atomically; refuse to
    overwrite without force or to replace one of ``protect``."""
    protect = list(protect or [])
    check_table_path(out, force, protect)
    if out.suffix.lower() == ".parquet":
        return write_atomic(out, lambda tmp: frame.to_parquet(tmp, index=False), force, protect)
    safe = excel_safe(frame)
    return write_atomic(out, lambda tmp: safe.to_csv(tmp, index=False, encoding=CSV_ENCODING,
                                                     float_format="%.6g"), force, protect)


@command("estimate")
def estimate_cmd(
    project: Path = typer.Argument(..., help="Project folder."),
    out: Path = typer.Option(..., "-o", "--out", help="Option table to write (.csv or .parquet)."),
    horizon: Optional[int] = typer.Option(None, "--horizon", help="Count carbon up to this year."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary of the table written."),
    allow_outside: bool = allow_outside_option(),
) -> None:
    """Write the option table: one row per parcel x feasible option with per-hectare yields."""
    from optimizer.planning.pipeline import estimate

    from optimizer.cli.commands.plan import progress

    check_horizon(horizon)
    check_table_path(out, force, protected(project))
    with output_lock(out):
        loaded = load(project, allow_outside)
        keep = protected(project, loaded)
        check_table_path(out, force, keep)
        with progress(f"Estimating options for {len(loaded.parcels)} parcels"):
            table = estimate(loaded, horizon)
        write_table(table.rows, out, force, keep)
    per_parcel = table.rows.groupby("parcel_id", sort=False).size()
    if as_json:
        typer.echo(json.dumps({
            "file": str(out), "n_rows": int(len(table.rows)), "n_parcels": int(len(per_parcel)),
            "options_per_parcel": {"min": int(per_parcel.min()), "max": int(per_parcel.max()),
                                   "mean": float(per_parcel.mean())},
            "horizon_year": int(table.horizon_year), "columns": [str(c) for c in table.rows.columns],
            "timings_s": {"estimate": table.meta.get("estimate_s")}}, indent=2, ensure_ascii=False))
        return
    typer.echo(
        f"{len(table.rows)} options for {len(per_parcel)} parcels ({per_parcel.min()}-{per_parcel.max()} "
        f"per parcel, horizon {table.horizon_year}) written to {out}"
    )


@command("species")
def species_cmd(
    project: Path = typer.Argument(..., help="Project folder."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Write the full parcel x species table (.csv)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
    as_json: bool = typer.Option(False, "--json", help="Print the suitability per parcel as JSON."),
    allow_outside: bool = allow_outside_option(),
) -> None:
    """Species suitability per parcel (untreated site), with the reason for every exclusion."""
    from optimizer.planning.pipeline import suitability_table

    if out is not None:
        check_table_path(out, force, protected(project))
    loaded = load(project, allow_outside)
    table = suitability_table(loaded)
    if out is not None:
        write_table(table, out, force, protected(project, loaded))
        if not as_json:
            typer.echo(f"{len(table)} parcel x species rows written to {out}")
            return
    if as_json:
        typer.echo(json.dumps(species_json(table), indent=2, ensure_ascii=False))
        return
    for parcel_id, rows in table.groupby("parcel_id", sort=False):
        ok = rows[rows["suitable"]]
        by_layer = "; ".join(f"{layer}: {', '.join(group['species'])}" for layer, group in ok.groupby("layer"))
        typer.echo(f"{parcel_id}: {len(ok)} suitable - {by_layer or 'none'}")
        reasons = rows.loc[~rows["suitable"], "reasons"].str.split("; ").explode().value_counts()
        if len(reasons):
            typer.echo("    excluded: " + ", ".join(f"{r} ({n})" for r, n in reasons.items()))


def species_json(table: pd.DataFrame) -> dict:
    """``species --json``: per parcel, the suitable species by layer and the excluded ones with
    their reasons."""
    parcels = []
    for parcel_id, rows in table.groupby("parcel_id", sort=False):
        ok = rows[rows["suitable"]]
        parcels.append({
            "parcel_id": str(parcel_id),
            "suitable": {str(layer): list(group["species"]) for layer, group in ok.groupby("layer", sort=True)},
            "excluded": {str(r.species): [x for x in str(r.reasons).split("; ") if x]
                         for r in rows[~rows["suitable"]].itertuples()},
        })
    return {"n_parcels": len(parcels), "n_species": int(table["species"].nunique()), "parcels": parcels}
