"""Benchmark the cost-versus-carbon frontier against one plan on the same synthetic project.

    python bench/frontier.py --parcels 10000 --points 20 --json

Stages [s]: synth, load, estimate (shared; in slices of --chunk-size parcels, keeping only the
candidates, as the CLI does for more parcels than that), then one plan (select .. solve, as ``minesink
plan``) and the frontier of ``--points`` budgets (as ``minesink frontier``: two bounding solves
plus one per budget, one HiGHS object, each solve warm-started from the previous). Reports both
end to end (estimate included, as a user runs them) and without the shared estimate, the ratio,
the largest proven gap over the points and the model size per point.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import run_and_emit, peak_rss_mb, synth_and_estimate  # noqa: E402

from optimizer.inputs.settings import CHUNK_SIZE  # noqa: E402
from optimizer.planning.chunks import estimate_candidates  # noqa: E402
from optimizer.planning.frontier import frontier  # noqa: E402
from optimizer.planning.pipeline import estimate, plan_settings  # noqa: E402
from optimizer.planning.plan import plan  # noqa: E402


def run(args: argparse.Namespace) -> dict:
    t: dict[str, float] = {}
    shares = {"tree": args.min_tree_share} if args.min_tree_share > 0 else None
    cand = None

    def chunked(project):
        """As ``minesink plan`` and ``frontier`` estimate more parcels than --chunk-size: in
        slices that keep only the candidates (their selection serves both)."""
        nonlocal cand
        if not args.chunk_size or len(project.parcels) <= args.chunk_size:
            return estimate(project)
        table, cand = estimate_candidates(project, settings_of(project), chunk_size=args.chunk_size)
        return table

    def settings_of(project):
        return plan_settings(project, mip_gap=args.gap, time_limit_s=args.time_limit, min_area_share=shares)

    with tempfile.TemporaryDirectory() as tmp:
        project, table = synth_and_estimate(Path(tmp) / "project", args.parcels, args.region, args.seed, t,
                                            estimate=chunked)
    settings = settings_of(project)
    started = time.perf_counter()
    one = plan(table, settings, candidates=cand)
    t["plan"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    result = frontier(table, settings, args.points, candidates=cand)
    t["frontier"] = round(time.perf_counter() - started, 3)
    shared = t["load"] + t["estimate"]
    gaps = [p.gap for p in result.points]
    return {
        "parcels": args.parcels,
        "points": args.points,
        "plan": {"status": one.solution.status, "gap": one.solution.gap,
                 "timings_s": {k: round(v, 3) for k, v in one.timings.items() if v is not None}},
        "frontier": {"statuses": sorted({p.status for p in result.points}),
                     "max_gap": max((g for g in gaps if g is not None), default=None),
                     "gaps": gaps, "carried_forward": sum(p.carried_forward for p in result.points),
                     "model_variables_per_point": getattr(result, "kept", None),
                     "timings_s": {k: round(v, 3) for k, v in result.timings.items() if v is not None}},
        "timings_s": t,
        "end_to_end_s": {"plan": round(shared + t["plan"], 2), "frontier": round(shared + t["frontier"], 2)},
        "ratio_end_to_end": round((shared + t["frontier"]) / (shared + t["plan"]), 2),
        "ratio_after_estimate": round(t["frontier"] / t["plan"], 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--region", default="north")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gap", type=float, default=1e-3)
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--min-tree-share", type=float, default=0.3)
    parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE,
                        help="estimate in slices above this many parcels, as the CLI does (0: all at once)")
    parser.add_argument("--json", action="store_true")
    run_and_emit(run, parser.parse_args())


if __name__ == "__main__":
    main()
