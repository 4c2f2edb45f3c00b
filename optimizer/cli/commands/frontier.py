"""``minesink frontier``: the cost-versus-carbon trade-off of a project (a budget sweep), written
as frontier.csv, frontier.json and, when matplotlib is installed, frontier.png."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from optimizer.cli.app import command
from optimizer.cli.commands.common import allow_outside_option, check_solver_options, load, protected
from optimizer.cli.commands.plan import dask_client, estimate_and_select, evaluator_of, progress
from optimizer.errors import InputError
from optimizer.outputs.figures import knee
from optimizer.outputs.files import check_outdir, output_lock
from optimizer.outputs.planout import not_proven
from optimizer.inputs.settings import CHUNK_SIZE


def _lines(data: dict, out: Path) -> list[str]:
    b = data["bounds"]
    lines = [f"frontier: {len(data['points'])} budgets from {b['min_cost_cny']:,.0f} CNY (cheapest plan) "
             f"to {b['max_carbon_cost_cny']:,.0f} CNY (most carbon: {b['max_carbon_tco2e']:,.0f} t CO2e "
             f"by {data['horizon_year']})",
             "  budget (CNY)      cost (CNY)   carbon (t CO2e)   CNY per extra t"]
    for p in data["points"]:
        marginal = "-" if p["marginal_cny_per_tco2e"] is None else f"{p['marginal_cny_per_tco2e']:,.0f}"
        lines.append(f"  {p['budget_cny']:>12,.0f}  {p['cost_cny']:>14,.0f}  {p['carbon_tco2e']:>16,.0f}  "
                     f"{marginal:>16}")
    cost = [p["cost_cny"] for p in data["points"]]
    carbon = [p["carbon_tco2e"] for p in data["points"]]
    k = knee(cost, carbon)
    if k is not None:
        lines.append(f"  knee        {cost[k]:,.0f} CNY buys {100 * carbon[k] / max(carbon):.0f} % of the most carbon "
                     f"for {100 * cost[k] / max(cost):.0f} % of its cost")
    lines.append(f"  table       {out / 'frontier.csv'} ({out / 'frontier.json'})")
    if data.get("plans"):
        lines.append(f"  plans       {out / 'plans'} (the plan of each point, {data['plans'][0].split('/')[-1]} ...)")
    lines.append(f"  plot        {out / 'frontier.png'}" if data.get("plot")
                 else "  plot        not written (matplotlib is not installed)")
    return lines


@command("frontier")
def frontier_cmd(
    project: Path = typer.Argument(..., help="Project folder."),
    out: Path = typer.Option(..., "-o", "--out", help="Output folder for frontier.csv, frontier.json (and .png)."),
    points: int = typer.Option(12, "--points", help="Number of budgets in the sweep (>= 2)."),
    horizon: Optional[int] = typer.Option(None, "--horizon", help="Count carbon up to this year."),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Solver time limit per solve [s]."),
    gap: float = typer.Option(1e-3, "--gap", help="Relative optimality gap at which each solve stops."),
    threads: int = typer.Option(2, "--threads", help="Solver threads."),
    as_json: bool = typer.Option(False, "--json", help="Print frontier.json to stdout."),
    force: bool = typer.Option(False, "--force", help="Replace the outputs minesink wrote in OUTDIR."),
    allow_outside: bool = allow_outside_option(),
    chunk_size: int = typer.Option(CHUNK_SIZE, "--chunk-size",
                                   help="Parcels estimated at a time (bounded memory; 0: all at once)."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Estimate on a local Dask cluster of N workers."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Estimate on the Dask scheduler at ADDRESS."),
) -> None:
    """Cost versus carbon: the most carbon each budget buys, from the cheapest plan to the most carbon.

    Exit code 3 when a budget's solve stopped at the time limit before its plan was proven within
    --gap (the first line of output says how many)."""
    from optimizer.planning.frontier import frontier, frontier_settings, write_frontier
    from optimizer.planning.pipeline import plan_settings

    if points < 2:
        raise InputError(f"--points must be at least 2 (got {points})")
    if points > 1000:
        raise InputError(f"--points {points}: expected at most 1000 budgets")
    check_solver_options(time_limit, gap, threads, horizon)
    if chunk_size < 0:
        raise InputError(f"--chunk-size must be >= 0 (got {chunk_size})")
    check_outdir(out, force, protected(project))
    with output_lock(out):
        loaded = load(project, allow_outside)
        check_outdir(out, force, protected(project, loaded))
        settings = plan_settings(loaded, horizon_year=horizon, time_limit_s=time_limit, mip_gap=gap,
                                 threads=threads)
        with dask_client(workers, scheduler) as client:
            table, cand = estimate_and_select(loaded, frontier_settings(settings), horizon, chunk_size, client)
            with progress(f"Solving {points} budgets over {table.meta.get('n_option_rows', len(table.rows))} "
                          "options"):
                result = frontier(table, settings, points, candidates=cand, evaluator=evaluator_of(client))
        data = write_frontier(result, out, force=force, budget_cny=settings.budget_cny, table=table)
    stopped = [p for p in data["points"] if not_proven(p, gap)]
    banner = (f"TIME LIMIT: {len(stopped)} of {len(data['points'])} budgets stopped at the {time_limit:g} s "
              "time limit before their plan was proven within the requested gap (largest gap "
              f"{max((p['gap'] or 0) for p in stopped):.3%}); rerun with a longer --time-limit"
              if stopped else None)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
    else:
        typer.echo("\n".join(([banner] if banner else []) + _lines(data, out)))
    if stopped:
        raise typer.Exit(3)
