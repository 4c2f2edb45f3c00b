"""Shared helpers of the bench/ scripts: stage timer and peak memory."""

from __future__ import annotations

import json
import resource
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far [MB] (Linux ru_maxrss is in kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@contextmanager
def stage(timings: dict[str, float], name: str) -> Iterator[None]:
    """Time a block into ``timings[name]`` [s]."""
    start = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - start, 3)


def emit(result: dict[str, Any], as_json: bool) -> None:
    """Print the result as JSON (``--json``) or as aligned text."""
    if as_json:
        json.dump(result, sys.stdout, indent=2, default=lambda o: o.item() if isinstance(o, np.generic) else str(o))
        sys.stdout.write("\n")
        return
    for key, value in result.items():
        print(f"{key:>24}: {value}")


def synth_and_estimate(folder: Path, parcels: int, region: str, seed: int, timings: dict[str, float],
                       estimate: Callable[[Any], Any] | None = None) -> tuple:
    """Write a synthetic project into ``folder``, load it and build its option table (timed);
    ``estimate(project)`` builds the table (default ``optimizer.planning.pipeline.estimate``)."""
    from optimizer.inputs.project import load_project
    from optimizer.inputs.synth import write_synth_project

    if estimate is None:
        from optimizer.planning.pipeline import estimate

    with stage(timings, "synth"):
        write_synth_project(folder, parcels, region=region, seed=seed)
    with stage(timings, "load"):
        project = load_project(folder)
    with stage(timings, "estimate"):
        table = estimate(project)
    return project, table


def run_and_emit(run: Callable[[Any], dict[str, Any]], args: Any) -> None:
    """``run(args)``, its wall time as ``wall_s``, printed by ``emit``."""
    started = time.perf_counter()
    result = run(args)
    result["wall_s"] = round(time.perf_counter() - started, 2)
    emit(result, args.json)
