"""Benchmark estimators.soil.soil_carbon_trajectory at project scale; prints JSON.

Usage: python bench/bench_soil.py [--rows 800000] [--years 35]
(10 000 parcels x 80 options = 800 000 rows.)
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np

from estimators.soil import soil_carbon_trajectory


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=800_000)
    parser.add_argument("--years", type=int, default=35)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n, years = args.rows, args.years
    tmp = np.array([-5.9, -2.0, 4.5, 12.1, 18.2, 22.0, 23.6, 21.9, 16.6, 10.2, 2.9, -3.8])
    rain = np.array([4.6, 6.9, 16.2, 30.1, 46.3, 69.4, 127.3, 115.7, 63.6, 32.4, 13.9, 4.6])
    evap = np.array([47.8, 74.3, 148.6, 233.5, 297.2, 276.0, 223.0, 191.1, 159.2, 127.4, 74.3, 47.8])
    delay = rng.integers(0, 6, n)
    covered = np.arange(years)[None, :] >= delay[:, None]
    inputs = (rng.random(n) * 10 + 5, rng.integers(10, 30, n).astype(float),
              rng.random((n, years)) * 3 * covered, rng.choice([0.25, 0.67, 1.44], n),
              rng.random(n) * 5, np.zeros(n), np.zeros(n), covered, tmp, rain, evap)
    start = time.perf_counter()
    out = soil_carbon_trajectory(*inputs)
    seconds = time.perf_counter() - start
    print(json.dumps({"rows": n, "years": years, "groups_hint": "clay 10-29 % x 6 cover sequences",
                      "seconds": round(seconds, 3),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "mean_topsoil_final_t_ha": round(float(out.topsoil[:, -1].mean()), 3)}))


if __name__ == "__main__":
    main()
