"""Benchmark the whole planning pipeline on a synthetic project of N parcels.

    python bench/plan.py --parcels 10000 --json

Stages [s]: synth (write the project), load (read + validate), estimate (option table, all
catalogue options), select (locks, erosion filter, dominance pruning), build (Pyomo model from
arrays), solve (HiGHS), write (plan.csv, summary.json, report.md); then the same model built
naively (one Pyomo term per option row in Python loops, bench/model_naive.py) for comparison.
Also prints model size, solver status and gap, and peak memory [MB].
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, peak_rss_mb, stage, synth_and_estimate  # noqa: E402
from model_naive import build_model_naive  # noqa: E402

from optimizer.candidates import select  # noqa: E402
from optimizer.diagnose import precheck  # noqa: E402
from optimizer.model import build_from_candidates, model_size  # noqa: E402
from optimizer.pipeline import plan_settings  # noqa: E402
from optimizer.planning import PlanResult  # noqa: E402
from optimizer.report import write_outputs  # noqa: E402
from optimizer.solve import solve  # noqa: E402


def run(parcels: int, region: str, seed: int, gap: float, time_limit: float, naive: bool,
        min_tree_share: float) -> dict:
    t: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        project, table = synth_and_estimate(Path(tmp) / "project", parcels, region, seed, t)
        shares = {"tree": min_tree_share} if min_tree_share > 0 else None
        settings = plan_settings(project, mip_gap=gap, time_limit_s=time_limit, min_area_share=shares)
        with stage(t, "select"):
            cand = select(table, settings)
            precheck(table, cand, settings)
        with stage(t, "build"):
            model = build_from_candidates(cand, settings)
        size = model_size(model)
        with stage(t, "solve"):
            sol = solve(model, settings)
        result = PlanResult(table, settings, cand, model, sol,
                            {"estimate": t["estimate"], "build": t["select"] + t["build"], "solve": sol.solve_s})
        with stage(t, "write"):
            write_outputs(result, Path(tmp) / "plan")
        end_to_end = sum(t[k] for k in ("load", "estimate", "select", "build", "solve", "write"))
        peak_fast = peak_rss_mb()
        if naive:
            del model, result
            with stage(t, "naive_build"):
                build_model_naive(table, settings)
    per_parcel = table.rows.groupby("parcel_id", sort=False).size()
    return {
        "parcels": parcels,
        "constraints": [name for name, on in cand.active.items() if on],
        "option_rows": len(table.rows),
        "options_per_parcel_mean": round(float(per_parcel.mean()), 1),
        "rows_after_locks_and_erosion": int(cand.n_filtered),
        "binaries_after_pruning": int(cand.rows.size),
        "model": size,
        "status": sol.status,
        "objective_tco2e": sol.objective,
        "bound": sol.bound,
        "gap": sol.gap,
        "solver": sol.solver,
        "timings_s": t,
        "end_to_end_s": round(end_to_end, 2),
        "build_speedup_vs_naive": round(t["naive_build"] / t["build"], 1) if naive else None,
        "peak_rss_mb": round(peak_fast, 1),
        "peak_rss_mb_with_naive": round(peak_rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=10_000)
    parser.add_argument("--region", default="north")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gap", type=float, default=1e-3)
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--min-tree-share", type=float, default=0.3,
                        help="minimum tree area share (a coupling row besides the budget; 0 = none)")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive build")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    result = run(args.parcels, args.region, args.seed, args.gap, args.time_limit, not args.no_naive,
                 args.min_tree_share)
    result["wall_s"] = round(time.perf_counter() - started, 2)
    emit(result, args.json)


if __name__ == "__main__":
    main()
