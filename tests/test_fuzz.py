"""The fuzz harness (bench/fuzz.py) on a few hundred generated projects: no uncaught exception,
every plan within every constraint recomputed from plan.csv, equal inputs byte-identical.

The bench runs 10 000 examples (``python bench/fuzz.py --examples 10000 --json``); CI runs 200
with a fixed seed so a failure is reproducible (about 50 s on an idle 2-core machine).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "fuzz.py"


def _fuzz_module():
    spec = importlib.util.spec_from_file_location("minesink_bench_fuzz", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_projects_never_crash_and_plans_keep_every_constraint():
    result = _fuzz_module().fuzz(200, seed_value=20261201)
    counts = result["counts"]
    assert result["failures"] == [], result["failures"]
    assert counts["examples"] >= 200
    # the generator reaches every outcome: refused input, infeasible plans, checked plans, reruns
    assert counts.get("invalid_exit_2", 0) > 0 and counts.get("plan_exit_1", 0) > 0
    assert counts.get("plans_checked", 0) >= 10 and counts.get("reruns_identical", 0) >= 1
