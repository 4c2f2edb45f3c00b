"""``minesink plan``: estimate the options of a project, optimise, write plan.csv, summary.json
and report.md."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

import typer
from rich.console import Console

from optimizer.cli.app import command
from optimizer.cli.commands.common import (
    allow_outside_option,
    check_number,
    check_solver_options,
    load,
    protected,
    report_summary,
)
from optimizer.errors import InputError
from optimizer.outputs.files import check_outdir, check_outfile, output_lock, write_file
from optimizer.inputs.settings import CHUNK_SIZE

_console = Console(stderr=True)


@contextmanager
def progress(message: str) -> Iterator[Any]:
    """A spinner on stderr while a stage runs (silent when stderr is not a terminal); yields the
    status, whose ``update(text)`` changes the message."""
    with _console.status(message, spinner="dots") as status:
        yield status


@contextmanager
def dask_client(workers: Optional[int], scheduler: Optional[str]) -> Iterator[Any]:
    """A Dask client for ``--workers`` / ``--scheduler`` (closed on exit), or None without them."""
    if workers is None and scheduler is None:
        yield None
        return
    from optimizer.planning.chunks import close_client, make_client

    client = make_client(workers, scheduler)
    try:
        yield client
    finally:
        close_client(client)


def estimate_and_select(loaded: Any, settings: Any, horizon: Optional[int], chunk_size: int,
                        client: Any = None) -> tuple[Any, Any]:
    """The option table and, on the chunked path, its candidates under ``settings``.

    On Dask (``client``) or with more parcels than ``--chunk-size``: estimated in slices
    (optimizer.planning.chunks; same plan as all at once, bounded memory); else the whole option table at
    once and no candidates (planning selects them).
    """
    from optimizer.planning.chunks import estimate_candidates
    from optimizer.planning.pipeline import estimate

    if chunk_size < 0:
        raise InputError(f"--chunk-size must be >= 0 (got {chunk_size})")
    n = len(loaded.parcels)
    if client is None and (chunk_size == 0 or n <= chunk_size):
        with progress(f"Estimating options for {n} parcels"):
            return estimate(loaded, horizon), None
    size = chunk_size or n
    with progress(f"Estimating options for {n} parcels in slices of {size}") as status:
        def tick(done: int, total: int) -> None:
            status.update(f"Estimating options for {n} parcels: slice {done} of {total} done")

        return estimate_candidates(loaded, settings, horizon_year=horizon, chunk_size=size, client=client,
                                   progress=tick)


def evaluator_of(client: Any) -> Any:
    """The presolve's distributed Lagrangian evaluation on ``client`` (None without one)."""
    if client is None:
        return None
    from optimizer.planning.distributed import dask_evaluator

    return dask_evaluator(client)


def _summary_lines(summary: dict, out: Path) -> list[str]:
    counted = summary.get("counted_pools") or list(summary["carbon_by_pool"])
    pools = ", ".join(f"{k} {v:,.0f}" + ("" if k in counted or k == "buffer" else " (not counted)")
                      for k, v in summary["carbon_by_pool"].items())
    gap = summary.get("gap")
    banner = [summary["status_note"]] if summary.get("status_note") else []
    return banner + [
        f"plan {summary['status']}: {summary['n_parcels']} parcels, {summary['n_options']} options considered",
        f"  credited    {summary.get('credited_tco2e', summary['carbon_tco2e']):,.0f} t CO2e by "
        f"{summary['horizon_year']} ({summary['additional_tco2e']:,.0f} above modelled natural recovery; "
        f"net before the reversal buffer {summary['carbon_tco2e']:,.0f})",
        f"  by pool     {pools}",
        f"  cost        {summary['cost_cny']:,.0f} CNY"
        + (f" of a {summary['budget_cny']:,.0f} CNY budget" if summary.get("budget_cny") else ""),
        f"  solver      {summary['solver']}, gap {gap:.3%}" if gap is not None else f"  solver      {summary['solver']}",
        f"  report      {out / 'report.html'} and {out / 'report.md'} (plan table {out / 'plan.csv'})",
    ] + ([f"  map layer   {out / 'plan.gpkg'} (open in QGIS)"] if (out / "plan.gpkg").exists() else [])


def _gis_writer(parcels_file: Optional[Path]):  # noqa: ANN202 - a writer callback or None
    """plan.gpkg beside plan.csv when the project's parcels are polygons (GeoJSON/GeoPackage)."""
    if parcels_file is None or parcels_file.suffix.lower() not in (".geojson", ".gpkg", ".json"):
        return None
    from optimizer.outputs.gis import write_plan_layer

    return lambda frame, folder: write_plan_layer(parcels_file, frame, folder / "plan.gpkg")


@command("plan")
def plan_cmd(
    project: Path = typer.Argument(..., help="Project folder."),
    out: Path = typer.Option(..., "-o", "--out", help="Output folder for plan.csv, summary.json, report.md."),
    budget: Optional[float] = typer.Option(None, "--budget", help="Budget [CNY] (default: project.toml)."),
    horizon: Optional[int] = typer.Option(None, "--horizon", help="Count carbon up to this year."),
    objective: str = typer.Option("max-carbon", "--objective", help="max-carbon or min-cost."),
    target: Optional[float] = typer.Option(None, "--target-tco2e", help="Carbon target [t CO2e] for min-cost."),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Solver time limit [s]."),
    gap: float = typer.Option(1e-3, "--gap", help="Relative optimality gap at which to stop."),
    threads: int = typer.Option(2, "--threads", help="Solver threads."),
    export_model: Optional[Path] = typer.Option(None, "--export-model", help="Also write the model (.mps or .lp)."),
    as_json: bool = typer.Option(False, "--json", help="Print summary.json to stdout."),
    force: bool = typer.Option(False, "--force", help="Replace the outputs minesink wrote in OUTDIR "
                               "(and an existing --export-model file)."),
    allow_outside: bool = allow_outside_option(),
    risk: Optional[str] = typer.Option(None, "--risk", help="cvar (max CVaR of carbon) or chance (cheapest plan "
                                       "meeting --target-tco2e in --confidence of the draws)."),
    alpha: float = typer.Option(0.1, "--alpha", help="CVaR tail share (the worst alpha of draws)."),
    confidence: float = typer.Option(0.9, "--confidence", help="Share of draws the chance plan meets the target in."),
    draws: Optional[int] = typer.Option(None, "--draws", help="Parameter draws: the plan's carbon spread "
                                        "(P5/P50/P95); default 100 with --risk."),
    seed: int = typer.Option(1, "--seed", help="Seed of the draws."),
    n_alternatives: Optional[int] = typer.Option(None, "--alternatives", help="K distinct near-optimal plans "
                                                 "(alternatives.csv)."),
    within: float = typer.Option(0.02, "--within", help="Relative gap of the alternatives to the optimum."),
    least_cost: bool = typer.Option(True, "--least-cost/--no-least-cost",
                                    help="After the max-carbon plan, the cheapest plan with at least its carbon "
                                    "(money spent on options that add no carbon is left unspent)."),
    frontier_points: int = typer.Option(0, "--frontier", help="Also sweep N budgets and put the cost-carbon "
                                        "frontier into report.html (0 = none)."),
    chunk_size: int = typer.Option(CHUNK_SIZE, "--chunk-size",
                                   help="Parcels estimated at a time (bounded memory; 0: all at once)."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Estimate on a local Dask cluster of N workers."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Estimate on the Dask scheduler at ADDRESS."),
) -> None:
    """Choose one restoration option per parcel for the most carbon the budget buys.

    Exit code 3: a plan was found and written, but the solver stopped at its time limit before
    proving it within --gap (the first line of output and of report.md says so)."""
    from optimizer.planning.model import build_from_candidates, export_model as write_model
    from optimizer.planning.pipeline import plan_settings
    from optimizer.planning.plan import plan
    from optimizer.outputs.htmlreport import html_writer
    from optimizer.outputs.report import write_outputs

    check_number("--budget", budget, lo=0, hi=1e12, lo_open=True, expected="CNY, more than 0 and at most 1e12")
    check_number("--target-tco2e", target, lo=0, hi=1e10, expected="t CO2e, from 0 to 1e10")
    check_solver_options(time_limit, gap, threads, horizon)
    check_number("--alpha", alpha, lo=0, hi=1, lo_open=True, expected="a tail share above 0 and at most 1")
    check_number("--confidence", confidence, lo=0, hi=1, lo_open=True, expected="a share above 0 and at most 1")
    check_number("--within", within, lo=0, hi=1, expected="a relative gap from 0 to 1")
    if risk is not None and risk not in ("cvar", "chance"):
        raise InputError(f"--risk must be cvar or chance (got '{risk}')")
    if draws is not None and draws < 2:
        raise InputError(f"--draws must be at least 2 (got {draws})")
    if frontier_points and frontier_points < 2:
        raise InputError(f"--frontier must be 0 (none) or at least 2 points (got {frontier_points})")
    if export_model is not None and export_model.suffix.lower() not in (".mps", ".lp"):
        raise InputError(f"--export-model {export_model}: the file must end in .mps or .lp")
    if chunk_size < 0:
        raise InputError(f"--chunk-size must be >= 0 (got {chunk_size})")
    whole = risk is not None or draws is not None or n_alternatives is not None
    if whole and (workers is not None or scheduler is not None):
        raise InputError("--risk, --draws and --alternatives need the whole option table on this machine: "
                         "leave out --workers/--scheduler")
    check_outdir(out, force, protected(project))
    with output_lock(out):
        loaded = load(project, allow_outside)
        keep = protected(project, loaded)
        check_outdir(out, force, keep)
        if export_model is not None:
            check_outfile(export_model, force, keep)
        chance = risk == "chance"
        settings = plan_settings(loaded, budget_cny=budget, horizon_year=horizon, objective=objective,
                                 target_tco2e=None if chance else target, time_limit_s=time_limit, mip_gap=gap,
                                 threads=threads, least_cost=least_cost)
        fr = None
        with dask_client(workers, scheduler) as client:
            table, cand = estimate_and_select(loaded, settings, horizon, 0 if whole else chunk_size, client)
            with progress(f"Optimising {table.meta.get('n_option_rows', len(table.rows))} options"):
                result = plan(table, settings, candidates=cand, evaluator=evaluator_of(client))
            if frontier_points:
                from optimizer.planning.frontier import frontier

                with progress(f"Solving {frontier_points} budgets for the report's frontier"):
                    fr = frontier(table, settings, frontier_points, candidates=cand, evaluator=evaluator_of(client))
        if whole:
            from optimizer.planning.uncertainty_plan import extend

            with progress("Evaluating parameter draws, risk-aware plan and alternatives"):
                result = extend(loaded, result, draws=draws, seed=seed, risk=risk, alpha=alpha,
                                confidence=confidence, target=target, n_alternatives=n_alternatives, within=within)
        if export_model is not None:  # the whole problem (before the presolve), to solve elsewhere
            whole_model = (result.model if result.presolve is None or result.selected is None
                           else build_from_candidates(result.selected, result.settings))
            write_file(export_model, lambda tmp: write_model(whole_model, tmp), force=force, protect=keep)
        summary = write_outputs(result, out, force=force,
                                extra=html_writer(loaded, result, fr, then=_gis_writer(loaded.parcels_file)))
    report_summary(summary, _summary_lines(summary, out), as_json, gap)
