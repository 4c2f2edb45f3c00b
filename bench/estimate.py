"""Benchmark the estimate stage: synthetic project of N parcels -> option table.

    python bench/estimate.py --parcels 10000 --json

Stages: synth (write the project), load (read + validate), estimate (option table), write
(CSV of the option table).  Prints timings [s], sizes and peak memory [MB].
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit, peak_rss_mb, stage, synth_and_estimate  # noqa: E402



def run(parcels: int, region: str, seed: int, write: bool) -> dict:
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        project, table = synth_and_estimate(Path(tmp) / "project", parcels, region, seed, timings)
        if write:
            with stage(timings, "write_csv"):
                table.rows.to_csv(Path(tmp) / "options.csv", index=False, float_format="%.6g")
    per_parcel = table.rows.groupby("parcel_id", sort=False).size()
    return {
        "parcels": parcels,
        "region": region,
        "option_rows": len(table.rows),
        "options_per_parcel_mean": round(float(per_parcel.mean()), 1),
        "options_per_parcel_max": int(per_parcel.max()),
        "years": len(table.years),
        "timings_s": timings,
        "load_plus_estimate_s": round(timings["load"] + timings["estimate"], 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=10_000)
    parser.add_argument("--region", default="north")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", action="store_true", help="also time writing the option table as CSV")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    emit(run(args.parcels, args.region, args.seed, args.write), args.json)


if __name__ == "__main__":
    main()
