"""``minesink uncertainty``: Monte Carlo spread of a plan's carbon and cost (uncertainty.json,
draws.csv, uncertainty.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from optimizer.cli.app import command
from optimizer.cli.commands.plan import progress
from optimizer.cli.commands.common import allow_outside_option, check_horizon, check_number, load, protected
from optimizer.errors import InputError
from optimizer.outputs.files import check_outdir, output_lock


@command("uncertainty")
def uncertainty_cmd(
    project: Path = typer.Argument(..., help="Project folder."),
    out: Path = typer.Option(..., "-o", "--out", help="Output folder for uncertainty.json, draws.csv, uncertainty.md."),
    draws: int = typer.Option(200, "--draws", help="Number of Latin hypercube draws."),
    seed: int = typer.Option(1, "--seed", help="Seed of the draws (same seed, same files)."),
    plan_file: Optional[Path] = typer.Option(None, "--plan", help="A plan.csv to assess (default: today's optimal plan)."),
    target: Optional[float] = typer.Option(None, "--target-tco2e", help="Carbon target [t CO2e]: probability of meeting it."),
    horizon: Optional[int] = typer.Option(None, "--horizon", help="Count carbon up to this year."),
    as_json: bool = typer.Option(False, "--json", help="Print uncertainty.json to stdout."),
    force: bool = typer.Option(False, "--force", help="Replace the outputs minesink wrote in OUTDIR."),
    allow_outside: bool = allow_outside_option(),
) -> None:
    """How sure is the plan? P5/P50/P95 of credited carbon and cost over parameter draws."""
    if draws < 2:
        raise InputError(f"--draws must be at least 2 (got {draws})")
    if draws > 100_000:
        raise InputError(f"--draws {draws}: expected at most 100000 draws")
    check_horizon(horizon)
    check_number("--target-tco2e", target, lo=0, hi=1e10, expected="t CO2e, from 0 to 1e10")
    check_outdir(out, force, protected(project))
    with output_lock(out):
        loaded = load(project, allow_outside)
        check_outdir(out, force, protected(project, loaded))
        data = _run(loaded, out, force, draws, seed, plan_file, target, horizon)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    c = data["credited_tco2e"]
    typer.echo(f"uncertainty over {draws} draws (seed {seed}): credited {c['p50']:,.0f} t CO2e by "
               f"{data['horizon_year']} (P5 {c['p05']:,.0f}, P95 {c['p95']:,.0f}; deterministic "
               f"{data['deterministic']['credited_tco2e']:,.0f}); +-{data['uncertainty_pct_90ci']:.1f} % at 90 %")
    if data["drivers"]:
        typer.echo("  drivers     " + ", ".join(f"{d['parameter']} {d['spearman_rho']:+.2f}" for d in data["drivers"][:3]))
    typer.echo(f"  report      {out / 'uncertainty.md'} (draws {out / 'draws.csv'})")


def _run(loaded, out: Path, force: bool, draws: int, seed: int, plan_file: Optional[Path],  # noqa: ANN001
         target: Optional[float], horizon: Optional[int]) -> dict:
    """Estimate, plan (or read --plan), evaluate the draws and write the output folder."""
    from optimizer.planning.pipeline import estimate, plan_settings
    from optimizer.planning.plan import plan
    from optimizer.planning.uncertainty import load_distributions, plan_ensemble, plan_rows_from_file, write_uncertainty

    spec = load_distributions(loaded)
    with progress(f"Estimating options for {len(loaded.parcels)} parcels"):
        table = estimate(loaded, horizon)
    if plan_file is not None:
        rows = plan_rows_from_file(table, plan_file)
    else:
        with progress(f"Optimising {len(table.rows)} options"):
            rows = plan(table, plan_settings(loaded, horizon_year=horizon)).solution.rows
    with progress(f"Evaluating the plan under {draws} parameter draws"):
        ens = plan_ensemble(loaded, table, rows, draws, seed, spec, target)
    return write_uncertainty(ens, out, force, int(table.horizon_year))
