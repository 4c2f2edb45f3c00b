"""Benchmark of the optimisation core on a synthetic option table (tests/optables.py).

    python bench/plan_core.py --parcels 10000 --options 75 --json

Stages: synthetic table -> plan (selection, presolve, build, HiGHS solve) -> outputs; plus the
naive loop build of the same model for comparison (--no-naive to skip). Prints JSON: timings [s],
model size, peak memory [MiB] (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from model_naive import build_model_naive  # noqa: E402

from optimizer.planning.model import model_size  # noqa: E402
from optimizer.planning.plan import plan  # noqa: E402
from optimizer.outputs.report import write_outputs  # noqa: E402
from optimizer.inputs.settings import PlanSettings  # noqa: E402
from optables import make_option_table  # noqa: E402


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parcels", type=int, default=10_000)
    ap.add_argument("--options", type=int, default=75)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--budget-frac", type=float, default=0.5, help="budget as a share of the mean option cost x parcels")
    ap.add_argument("--tree-share", type=float, default=0.3)
    ap.add_argument("--gap", type=float, default=1e-3)
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--no-prune", action="store_true")
    ap.add_argument("--no-naive", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    out: dict = {"parcels": args.parcels, "options": args.options, "timings_s": {}}
    t0 = time.perf_counter()
    table = make_option_table(args.parcels, args.options, args.seed, min_options=max(2, args.options * 2 // 3))
    out["timings_s"]["synthetic_table"] = time.perf_counter() - t0
    out["option_rows"] = len(table.rows)
    mean_cost = float((table.rows["area_ha"] * table.rows["cost_cny_ha"]).sum() / args.options)
    settings = PlanSettings(budget_cny=mean_cost * args.budget_frac, min_area_share={"tree": args.tree_share},
                            mip_gap=args.gap, time_limit_s=args.time_limit, prune_dominated=not args.no_prune)

    t0 = time.perf_counter()
    result = plan(table, settings)
    out["timings_s"].update({k: v for k, v in result.timings.items() if v is not None})
    out["timings_s"]["plan"] = time.perf_counter() - t0
    out["rows_after_filters"] = result.selected.n_filtered
    out["binaries_after_pruning"] = int(result.selected.rows.size)
    out["presolve"] = result.presolve_summary()
    out["model"] = model_size(result.model)
    sol = result.solution
    out.update(status=sol.status, objective=sol.objective, bound=sol.bound, gap=sol.gap, solver=sol.solver)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_outputs(result, Path(tmp) / "plan")
        out["timings_s"]["write"] = time.perf_counter() - t0
    out["timings_s"]["core_total"] = out["timings_s"]["plan"] + out["timings_s"]["write"]
    out["peak_mib_fast"] = peak_mib()
    if not args.no_naive:
        del result
        t0 = time.perf_counter()
        build_model_naive(table, settings)
        out["timings_s"]["naive_build"] = time.perf_counter() - t0
    out["peak_mib"] = peak_mib()
    text = json.dumps(out, indent=2)
    print(text if args.json else "\n".join(f"{k}: {v}" for k, v in out.items()))


if __name__ == "__main__":
    main()
