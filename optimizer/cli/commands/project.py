"""Project commands: ``validate``, ``init`` and ``synth``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import typer

from optimizer.cli.app import command
from optimizer.cli.commands.common import allow_outside_option, load
from optimizer.inputs.csvio import check_outdir, write_folder_atomic
from optimizer.inputs.data import data_dir
from optimizer.errors import DEFAULT_MAX_ERRORS, InputError, InputErrors


def examples() -> dict[str, Path]:
    """Bundled example projects: name -> folder (data/examples/<name>/project.toml)."""
    root = data_dir() / "examples"
    return {p.name: p for p in sorted(root.iterdir()) if (p / "project.toml").is_file()}


def summary_lines(project) -> list[str]:  # noqa: ANN001 - optimizer.inputs.project.Project
    """Short description of a validated project for the terminal."""
    parcels = project.parcels
    area = project.total_area_ha
    counts = parcels["landform"].value_counts()
    landforms = ", ".join(f"{k} {v}" for k, v in counts.items())
    if project.budget_cny is None:
        budget = "not set (give --budget to plan)"
    else:
        budget = f"{project.budget_cny:,.0f} CNY ({project.budget_cny / area:,.0f} CNY/ha)"
    if project.options is None:
        options = "all applicable"
    else:
        options = "; ".join(f"{k}: {', '.join(v) if v else 'all'}" for k, v in project.options.items())
    locks = parcels["status"].value_counts()
    lines = [
        f"{project.name}: valid",
        f"  region       {project.region}",
        f"  years        {project.start_year}-{project.horizon_year}",
        f"  parcels      {len(parcels)}, {area:,.1f} ha ({landforms})",
        f"  locked       {int(locks.get('lock_in', 0))} lock_in, {int(locks.get('lock_out', 0))} lock_out, "
        f"{int(parcels['forced_option'].ne('').sum())} forced",
        f"  budget       {budget}",
        f"  options      {options}",
    ]
    if project.constraints:
        lines.append(f"  constraints  {_constraints_text(project.constraints)}")
    lines.append("  files        " + ", ".join(f"{name} ({how})" for name, how in project.files.items()))
    extra = [] if project.parcel_extra is None else list(project.parcel_extra.columns)
    if extra:
        lines.append(f"  own columns  {', '.join(extra)} (carried into plan.csv, the report and plan.gpkg)")
    lines += [f"  note: {text}" for text in [*project.assumptions, *project.catalogue.notes]]
    return lines


def summary_json(project) -> dict:  # noqa: ANN001 - optimizer.inputs.project.Project
    """``validate --json`` for a valid project."""
    parcels = project.parcels
    return {
        "valid": True, "name": project.name, "region": project.region,
        "start_year": project.start_year, "horizon_year": project.horizon_year,
        "n_parcels": int(len(parcels)), "area_ha": project.total_area_ha,
        "landforms": {str(k): int(v) for k, v in parcels["landform"].value_counts().items()},
        "locks": {"lock_in": int(parcels["status"].eq("lock_in").sum()),
                  "lock_out": int(parcels["status"].eq("lock_out").sum()),
                  "forced": int(parcels["forced_option"].ne("").sum())},
        "budget_cny": project.budget_cny, "options": project.options, "constraints": project.constraints,
        "files": project.files,
        "extra_columns": [] if project.parcel_extra is None else [str(c) for c in project.parcel_extra.columns],
        "notes": [*project.assumptions, *project.catalogue.notes],
    }


@command("validate")
def validate(
    project: Path = typer.Argument(..., help="Project folder (project.toml + parcels.csv)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON: the project summary, "
                                 "or {\"valid\": false, \"errors\": [{file, row, column, message}], ...}."),
    max_errors: int = typer.Option(DEFAULT_MAX_ERRORS, "--max-errors", min=1,
                                   help="List at most this many problems, then count the rest."),
    allow_outside: bool = allow_outside_option(),
) -> None:
    """Check every input of a project; exit 0, or 2 listing every problem (file, row, column)."""
    try:
        loaded = load(project, allow_outside, max_errors)
    except InputError as err:
        if not as_json:
            raise
        found = err.errors if isinstance(err, InputErrors) else [err]
        total = err.total if isinstance(err, InputErrors) else 1
        typer.echo(json.dumps({"valid": False, "n_errors": total, "truncated": total > len(found),
                               "errors": [e.to_dict() for e in found]}, indent=2, ensure_ascii=False))
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(summary_json(loaded), indent=2, ensure_ascii=False))
    else:
        typer.echo("\n".join(summary_lines(loaded)))


@command("init")
def init(
    folder: Path = typer.Argument(..., help="Folder to create the project in."),
    example: str = typer.Option("pingshuo", "--example", help="Bundled example to copy."),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty folder."),
) -> None:
    """Scaffold a project folder from a bundled example."""
    found = examples()
    if example not in found:
        raise InputError(f"--example '{example}': unknown example (available: {', '.join(found)})")
    check_outdir(folder, force)

    def fill(tmp: Path) -> None:
        for source in sorted(found[example].iterdir()):
            if source.is_file():
                shutil.copyfile(source, tmp / source.name)

    write_folder_atomic(folder, force, fill)
    typer.echo(f"created {folder} from example '{example}'; check it with: minesink validate {folder}")


@command("synth")
def synth(
    outdir: Path = typer.Argument(..., help="Folder to write project.toml and parcels.csv into."),
    parcels: int = typer.Option(..., "--parcels", help="Number of parcels."),
    region: str = typer.Option("north", "--region", help="Region key (data/regions.csv)."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same project)."),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty folder."),
) -> None:
    """Write a synthetic project of any size (for benchmarks)."""
    from optimizer.inputs.synth import write_synth_project

    done = write_synth_project(outdir, parcels, region, seed, force=force)
    typer.echo(f"wrote {outdir}: {done['n_parcels']} parcels, {done['total_area_ha']:,.1f} ha, "
               f"budget {done['budget_cny']:,.0f} CNY")


def _constraints_text(constraints: dict) -> str:
    """``min_area_share tree 0.15 shrub 0.05; max_species_area_share 0.5``."""
    parts = []
    for key, value in constraints.items():
        shown = " ".join(f"{k} {v:g}" for k, v in value.items()) if isinstance(value, dict) else f"{value:g}"
        parts.append(f"{key} {shown}")
    return "; ".join(parts)
