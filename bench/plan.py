"""Benchmark the whole planning pipeline on a synthetic project of N parcels.

    python bench/plan.py --parcels 10000 --json
    python bench/plan.py --parcels 100000 --no-previous --no-naive --json
    python bench/plan.py --parcels 1000000 --workers 2 --no-previous --no-naive --json

Stages [s] of the pipeline, as ``minesink plan`` runs it: synth (write the project), load (read +
validate), estimate (the option table; with more parcels than --chunk-size, or on Dask, estimated
in slices that keep only their candidates: optimizer.planning.chunks, selection included), select (locks,
erosion filter, dominance pruning; near zero on the chunked path, done per slice), presolve
(Lagrangian bound, repair, fixing), build (Pyomo model on the survivors), solve (HiGHS), write
(plan.csv, summary.json, report.md); end_to_end = load .. write. The solve includes the
least-cost stage (the cheapest plan with the max-carbon plan's carbon; ``least_cost`` says what it
saved, null when nothing).

In the same run and on the same project, for comparison (both need the whole option table,
estimated again outside the timed pipeline):

* ``previous``: the pipeline without the presolve (select, build every kept candidate, solve);
* ``naive``: one binary per feasible option (no dominance pruning, no presolve) built with Python
  loops over the rows (bench/model_naive.py), solved by the same HiGHS with the same gap under
  ``--naive-time-limit`` (skip with --no-naive, or --no-naive-solve to time the build only).

Also: model sizes, statuses, objectives, bounds, gaps, peak memory [MB] of this process and, on
Dask, of each worker.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import run_and_emit, peak_rss_mb, stage  # noqa: E402
from model_naive import build_model_naive, solve_naive  # noqa: E402

from optimizer.planning.chunks import close_client, estimate_candidates, make_client  # noqa: E402
from optimizer.planning.distributed import dask_evaluator  # noqa: E402
from optimizer.errors import RunError  # noqa: E402
from optimizer.planning.model import model_size  # noqa: E402
from optimizer.planning.pipeline import estimate, plan_settings  # noqa: E402
from optimizer.planning.plan import plan  # noqa: E402
from optimizer.inputs.project import load_project  # noqa: E402
from optimizer.outputs.report import write_outputs  # noqa: E402
from optimizer.inputs.settings import CHUNK_SIZE  # noqa: E402
from optimizer.inputs.synth import write_synth_project  # noqa: E402


def _solution(result) -> dict:
    sol = result.solution
    return {"status": sol.status, "objective": sol.objective, "bound": sol.bound, "gap": sol.gap,
            "model": model_size(result.model)}


def _worker_peaks(client) -> dict:
    """Peak resident memory [MB] of each Dask worker process."""
    def peak() -> float:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    return {str(k): round(v, 1) for k, v in client.run(peak).items()}


def _pipeline(project, settings, args, client, t: dict) -> tuple:
    """Estimate (chunked or whole), plan; the stage timings go into ``t``."""
    n = len(project.parcels)
    if client is not None or (args.chunk_size and n > args.chunk_size):
        with stage(t, "estimate"):
            table, cand = estimate_candidates(project, settings, chunk_size=args.chunk_size or n, client=client)
    else:
        with stage(t, "estimate"):
            table, cand = estimate(project), None
    started = time.perf_counter()
    result = plan(table, settings, candidates=cand, evaluator=dask_evaluator(client) if client else None)
    t.update({k: round(v, 3) for k, v in result.timings.items() if k != "estimate" and v is not None})
    t["plan"] = round(time.perf_counter() - started, 3)
    return table, result


def run(args: argparse.Namespace) -> dict:
    t: dict[str, float] = {}
    out: dict = {"parcels": args.parcels, "chunk_size": args.chunk_size}
    client = make_client(args.workers, args.scheduler) if args.workers or args.scheduler else None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "project"
            with stage(t, "synth"):
                write_synth_project(folder, args.parcels, region=args.region, seed=args.seed)
            with stage(t, "load"):
                project = load_project(folder)
            shares = {"tree": args.min_tree_share} if args.min_tree_share > 0 else None
            settings = plan_settings(project, mip_gap=args.gap, time_limit_s=args.time_limit, min_area_share=shares)
            table, result = _pipeline(project, settings, args, client, t)
            with stage(t, "write"):
                write_outputs(result, Path(tmp) / "plan")
            out["end_to_end_s"] = round(sum(t[k] for k in ("load", "estimate", "plan", "write")), 2)
            out["peak_rss_mb"] = round(peak_rss_mb(), 1)
            if client is not None:
                out["workers"] = len(client.scheduler_info()["workers"])
                out["worker_peak_rss_mb"] = _worker_peaks(client)
            out.update({
                "chunks": table.meta.get("chunks", 1),
                "constraints": sorted(result.model._coupling),
                "option_rows": int(table.meta.get("n_option_rows", len(table.rows))),
                "options_per_parcel_mean": round(table.meta.get("n_option_rows", len(table.rows)) / args.parcels, 1),
                "rows_after_locks_and_erosion": int(result.selected.n_filtered),
                "binaries_after_pruning": int(result.selected.rows.size),
                "presolve": result.presolve_summary(),
                "least_cost": result.extras.get("summary", {}).get("least_cost"),
                **_solution(result),
                "solver": result.solution.solver,
                "timings_s": t,
            })
            del result, table
            gc.collect()
            if not (args.no_previous and args.no_naive):
                _comparisons(project, settings, args, out)
    finally:
        if client is not None:
            close_client(client)
    out["peak_rss_mb_with_comparisons"] = round(peak_rss_mb(), 1)
    return out


def _comparisons(project, settings, args, out: dict) -> None:
    """The pipeline without presolve and the naive formulation, on the whole option table."""
    started = time.perf_counter()
    table = estimate(project)
    out["estimate_whole_s"] = round(time.perf_counter() - started, 3)
    if not args.no_previous:
        started = time.perf_counter()
        try:
            prev = plan(table, settings.with_(presolve=False))
        except RunError as err:  # e.g. no plan found within the time limit
            out["previous"] = {"error": str(err), "plan_s": round(time.perf_counter() - started, 3)}
        else:
            out["previous"] = {**_solution(prev), "timings_s": {k: round(v, 3) for k, v in prev.timings.items()
                                                                if k != "estimate" and v is not None},
                               "plan_s": round(time.perf_counter() - started, 3)}
            del prev
        gc.collect()
    if not args.no_naive:
        naive: dict = {}
        with stage(naive, "build_s"):
            model = build_model_naive(table, settings)
        naive["binaries"] = model._n_binaries
        if not args.no_naive_solve:
            naive.update(solve_naive(model, settings, args.naive_time_limit))
        out["naive"] = naive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=10_000)
    parser.add_argument("--region", default="north")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gap", type=float, default=1e-3)
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--min-tree-share", type=float, default=0.3,
                        help="minimum tree area share (a coupling row besides the budget; 0 = none)")
    parser.add_argument("--no-previous", action="store_true", help="skip the pipeline without presolve")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive formulation")
    parser.add_argument("--no-naive-solve", action="store_true", help="build the naive model but do not solve it")
    parser.add_argument("--naive-time-limit", type=float, default=120.0)
    parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE,
                        help="parcels estimated at a time, as minesink plan (0: the whole table at once)")
    parser.add_argument("--workers", type=int, default=None, help="estimate on a local Dask cluster of N workers")
    parser.add_argument("--scheduler", default=None, help="estimate on the Dask scheduler at ADDRESS")
    parser.add_argument("--json", action="store_true")
    run_and_emit(run, parser.parse_args())


if __name__ == "__main__":
    main()
