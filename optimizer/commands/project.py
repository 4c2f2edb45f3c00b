"""Project commands: ``validate``, ``init`` and ``synth``."""

from __future__ import annotations

import shutil
from pathlib import Path

import typer

from optimizer.cli import command
from optimizer.csvio import check_outdir, write_folder_atomic
from optimizer.data import data_dir
from optimizer.errors import InputError


def examples() -> dict[str, Path]:
    """Bundled example projects: name -> folder (data/examples/<name>/project.toml)."""
    root = data_dir() / "examples"
    return {p.name: p for p in sorted(root.iterdir()) if (p / "project.toml").is_file()}


def summary_lines(project) -> list[str]:  # noqa: ANN001 - optimizer.project.Project
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
    lines += [f"  note: {text}" for text in [*project.assumptions, *project.catalogue.notes]]
    return lines


@command("validate")
def validate(project: Path = typer.Argument(..., help="Project folder (project.toml + parcels.csv).")) -> None:
    """Check every input of a project; exit 0, or 2 with a message naming file, row and column."""
    from optimizer.project import load_project

    loaded = load_project(project)
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
    from optimizer.synth import write_synth_project

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
