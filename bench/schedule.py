"""Benchmark the phased plan on a synthetic project of N parcels and P yearly periods.

    python bench/schedule.py --parcels 10000 --periods 10 --json

Stages [s]: synth, load, estimate (option table with every pool and the soil loss year by year),
columns (trajectories shifted by start year, filters, option-level pruning), then the stages of
``optimizer.planning.scheduling.solve_variant``: prune (coupling rows that can bind, per-start
pruning), presolve (Lagrangian bound, repaired schedule, reduced-cost fixing; ``--no-presolve``
skips it), build (Pyomo model on the surviving columns, parcels left with one column folded) and
solve (HiGHS from the repaired schedule, model transfer included). The project's budget is split
evenly over the periods (with --carry-over unspent money carries on). Prints the model size, the
presolve's bound and kept share, solver status and proven gap (against the tighter of HiGHS's
and the Lagrangian bound), peak memory [MB] and the load average at the start and the end. Only
the phased plan is solved (no one-lump comparison, no delay costs).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, peak_rss_mb, stage, synth_and_estimate  # noqa: E402

from optimizer.errors import RunError  # noqa: E402
from optimizer.planning.schedule_inputs import earliest_years, estimate_trajectories, maintenance_years  # noqa: E402
from optimizer.inputs.schedule_spec import ScheduleSpec  # noqa: E402
from optimizer.planning.pipeline import plan_settings  # noqa: E402
from optimizer.planning.schedule import model_size  # noqa: E402
from optimizer.planning.scheduling import solve_variant  # noqa: E402
from optimizer.planning.shift import build_columns  # noqa: E402


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run(parcels: int, periods: int, region: str, seed: int, gap: float, time_limit: float, carry_over: bool,
        presolve: bool = True) -> dict:
    t: dict[str, float] = {}
    load_start = _load()
    with tempfile.TemporaryDirectory() as tmp:
        project, table = synth_and_estimate(Path(tmp) / "project", parcels, region, seed, t,
                                            estimate=estimate_trajectories)
    s0 = project.start_year
    budget = float(project.budget_cny or 0.0)
    spec = ScheduleSpec(starts=tuple(range(s0, s0 + periods)), ends=tuple(range(s0, s0 + periods)),
                        budget_cny=tuple(budget / periods for _ in range(periods)), carry_over=carry_over)
    settings = plan_settings(project, mip_gap=gap, time_limit_s=time_limit, presolve=presolve)
    with stage(t, "columns"):
        base = build_columns(table, spec, settings, earliest=earliest_years(project),
                             maintenance_years=maintenance_years(project))
    option_rows = len(table.rows)
    del table
    t0 = time.perf_counter()
    try:
        solved = solve_variant(base, spec, settings)
    except RunError as err:  # e.g. no plan found within the time limit: report it
        t["solve_variant"] = round(time.perf_counter() - t0, 3)
        return {"parcels": parcels, "periods": periods, "status": "no plan", "error": str(err), "timings_s": t,
                "peak_rss_mb": round(peak_rss_mb(), 1), "load_average": {"start": load_start, "end": _load()}}
    t.update({k: round(v, 3) for k, v in solved.timings.items() if v is not None})
    sol, cols, chosen = solved.solution, solved.columns, solved.chosen
    return {
        "parcels": parcels, "periods": periods, "carry_over": carry_over,
        "budget_per_period_cny": round(budget / periods),
        "option_rows": option_rows, "rows_allowed": base.n_rows_allowed, "options_kept": base.n_options_kept,
        "columns_before_pruning": base.n_columns_built, "columns_pruned": solved.n_columns,
        "columns_kept": cols.size, "coupling_rows": [r.name for r in solved.rows], "model": model_size(solved.model),
        "presolve": solved.presolve_summary(),
        "status": sol.status, "objective_tco2e": sol.objective, "bound": sol.bound, "gap": sol.gap,
        "requested_gap": gap,
        "credited_2030_tco2e": float(cols.carbon[chosen, cols.year_index(2030)].sum()) if chosen.size else None,
        "parcels_started_per_period": [int((cols.period[chosen] == k).sum()) for k in range(periods)],
        "solver": sol.solver, "timings_s": t,
        "end_to_end_s": round(sum(t.values()) - t["synth"], 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "load_average": {"start": load_start, "end": _load()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=10_000)
    parser.add_argument("--periods", type=int, default=10)
    parser.add_argument("--region", default="north")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gap", type=float, default=1e-3)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--carry-over", action="store_true")
    parser.add_argument("--no-presolve", action="store_true", help="solve without the Lagrangian presolve")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    emit(run(args.parcels, args.periods, args.region, args.seed, args.gap, args.time_limit, args.carry_over,
             presolve=not args.no_presolve), args.json)


if __name__ == "__main__":
    main()
