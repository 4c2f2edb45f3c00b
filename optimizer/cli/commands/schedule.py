"""``minesink schedule``: phase the restoration over the [schedule] periods of project.toml and
write schedule.csv, periods.csv, summary.json, report.md and gantt.svg."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from optimizer.cli.app import command
from optimizer.cli.commands.common import allow_outside_option, report_summary, check_solver_options, load, protected
from optimizer.errors import InputError
from optimizer.outputs.files import check_outdir, output_lock

_console = Console(stderr=True)


def _lines(summary: dict, out: Path) -> list[str]:
    h = summary["horizon_year"]
    lump = summary.get("one_lump")
    gap = summary.get("gap")
    lines = ([summary["status_note"]] if summary.get("status_note") else []) + [f"schedule {summary['status']}: {summary['n_parcels']} parcels over {len(summary['periods'])} period(s), "
             f"{summary['n_not_yet']} left for later"]
    lines += [
             f"  credited    {summary['credited_2030_tco2e'] or 0:,.0f} t CO2e by 2030, {summary['credited_tco2e']:,.0f} by {h}"
             if summary.get("credited_2030_tco2e") is not None else
             f"  credited    {summary['credited_tco2e']:,.0f} t CO2e by {h}"]
    if lump:
        lines.append(f"  one lump    {lump['credited_2030_tco2e'] or 0:,.0f} by 2030, {lump['credited_tco2e']:,.0f} by {h} "
                     "(all the money at the start)")
    lines += [f"  cost        {summary['cost_cny']:,.0f} CNY"
              + (f" of {summary['total_budget_cny']:,.0f} CNY" if summary.get("total_budget_cny") else ""),
              f"  solver      {summary['solver']}" + (f", gap {gap:.3%}" if gap is not None else ""),
              f"  report      {out / 'report.md'} (schedule.csv, periods.csv, gantt.svg)"]
    return lines


@command("schedule")
def schedule_cmd(
    project: Path = typer.Argument(..., help="Project folder (project.toml needs a [schedule] table)."),
    out: Path = typer.Option(..., "-o", "--out", help="Output folder for schedule.csv, periods.csv, report.md."),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Solver time limit per solve [s]."),
    gap: float = typer.Option(1e-3, "--gap", help="Relative optimality gap at which to stop."),
    threads: int = typer.Option(2, "--threads", help="Solver threads."),
    compare: bool = typer.Option(True, "--compare/--no-compare", help="Also solve the one-lump plan."),
    delays: bool = typer.Option(True, "--delays/--no-delays",
                                help="Also re-solve with each period's money one period later (delay costs)."),
    as_json: bool = typer.Option(False, "--json", help="Print summary.json to stdout."),
    force: bool = typer.Option(False, "--force", help="Overwrite a non-empty output folder."),
    allow_outside: bool = allow_outside_option(),
) -> None:
    """Phase the restoration over years: which parcels first, carbon by 2030 and the horizon."""
    from optimizer.planning.pipeline import plan_settings
    from optimizer.planning.schedule_inputs import earliest_years, estimate_trajectories, maintenance_years
    from optimizer.outputs.schedule_report import write_schedule
    from optimizer.planning.scheduling import schedule

    check_solver_options(time_limit, gap, threads, None)
    check_outdir(out, force, protected(project))
    with output_lock(out):
        loaded = load(project, allow_outside)
        keep = protected(project, loaded)
        check_outdir(out, force, keep)
        if loaded.schedule is None:
            raise InputError(f"{project}/project.toml has no [schedule] table: add one (periods, budget_cny, ...; "
                             "see README) or use 'minesink plan' for the one-lump plan")
        settings = plan_settings(loaded, time_limit_s=time_limit, mip_gap=gap, threads=threads)
        years = maintenance_years(loaded)
        earliest = earliest_years(loaded)
        with _console.status(f"Estimating options for {len(loaded.parcels)} parcels", spinner="dots") as status:
            table = estimate_trajectories(loaded, progress=status.update)
            result = schedule(table, loaded.schedule, settings, earliest=earliest, maintenance_years=years,
                              parcels_file=loaded.parcels_file.name if loaded.parcels_file else "parcels.csv",
                              compare=compare, delays=delays, progress=status.update)
        summary = write_schedule(result, out, maintenance_years=years, force=force, protect=keep)
    report_summary(summary, _lines(summary, out), as_json, gap)
