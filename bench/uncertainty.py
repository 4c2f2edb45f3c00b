"""Benchmark the Monte Carlo ensemble of a plan: the bundled example and a synthetic project.

    python bench/uncertainty.py --draws 200 --parcels 10000 --json

For each project: load, estimate, plan (expected value), then the plan's rows evaluated under
N Latin hypercube parameter draws (optimizer.planning.uncertainty.plan_ensemble); timings [s], seconds per
draw, peak memory [MB] (of the whole process, so the second project's figure includes the
first's), P5/P50/P95 of credited carbon and the parameters that drive the spread.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, peak_rss_mb, stage, synth_and_estimate  # noqa: E402

from optimizer.inputs.data import data_dir  # noqa: E402
from optimizer.planning.pipeline import estimate, plan_settings  # noqa: E402
from optimizer.planning.plan import plan  # noqa: E402
from optimizer.inputs.project import load_project  # noqa: E402
from optimizer.planning.uncertainty import plan_ensemble, summary  # noqa: E402


def _ensemble(project, table, draws: int, seed: int, t: dict[str, float]) -> dict:
    with stage(t, "plan"):
        rows = plan(table, plan_settings(project, mip_gap=1e-3, time_limit_s=120)).solution.rows
    with stage(t, "ensemble"):
        ens = plan_ensemble(project, table, rows, draws, seed)
    s = summary(ens)
    c = s["credited_tco2e"]
    return {"parcels": len(project.parcels), "option_rows": len(table.rows), "draws": draws, "timings_s": t,
            "s_per_draw": round(t["ensemble"] / draws, 4), "peak_rss_mb": round(peak_rss_mb(), 1),
            "credited_deterministic": round(s["deterministic"]["credited_tco2e"], 1),
            "credited_mean": round(c["mean"], 1), "credited_p05": round(c["p05"], 1),
            "credited_p50": round(c["p50"], 1), "credited_p95": round(c["p95"], 1),
            "uncertainty_pct_90ci": round(s["uncertainty_pct_90ci"], 2),
            "vm0047_deduction_pct": round(s["vm0047"]["deduction_pct"], 2),
            "drivers": s["drivers"][:3]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--parcels", type=int, default=10000, help="synthetic project size (0 = example only)")
    ap.add_argument("--region", default="north")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    out: dict = {}
    t: dict[str, float] = {}
    with stage(t, "load"):
        project = load_project(data_dir() / "examples" / "pingshuo")
    with stage(t, "estimate"):
        table = estimate(project)
    out["example"] = _ensemble(project, table, a.draws, a.seed, t)
    if a.parcels:
        t2: dict[str, float] = {}
        with tempfile.TemporaryDirectory() as tmp:
            project, table = synth_and_estimate(Path(tmp) / "project", a.parcels, a.region, a.seed, t2)
            out["synthetic"] = _ensemble(project, table, a.draws, a.seed, t2)
    emit(out, a.json)


if __name__ == "__main__":
    main()
