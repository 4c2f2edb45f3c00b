"""Options and checks the project commands share: ``--allow-outside``, finite and plausible
numbers on the command line, the paths an output may not replace, and the project loader."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import typer

from optimizer.errors import InputError
from optimizer.outputs.planout import not_proven

ALLOW_OUTSIDE_HELP = "Let [parameters] in project.toml name files outside the project folder."
YEARS = (1990, 2200)  # as project.toml's start_year / horizon_year


def allow_outside_option() -> Any:
    return typer.Option(False, "--allow-outside", help=ALLOW_OUTSIDE_HELP)


def check_number(option: str, value: float | int | None, *, lo: float | None = None, hi: float | None = None,
                 lo_open: bool = False, expected: str) -> None:
    """InputError unless ``value`` (when given) is finite and within [lo, hi] ((lo, hi] if lo_open)."""
    if value is None:
        return
    number = float(value)
    bad = not math.isfinite(number)
    bad = bad or (lo is not None and (number <= lo if lo_open else number < lo))
    bad = bad or (hi is not None and number > hi)
    if bad:
        raise InputError(f"{option} {value:g}: expected {expected}")


def check_solver_options(time_limit: float, gap: float, threads: int, horizon: int | None) -> None:
    """--time-limit, --gap, --threads and --horizon of plan and frontier."""
    check_number("--time-limit", time_limit, lo=0, hi=1e6, lo_open=True, expected="seconds, more than 0 and at most 1e6")
    check_number("--gap", gap, lo=0, hi=0.999, expected="a relative gap from 0 to below 1 (0.001 = 0.1 %)")
    check_number("--threads", threads, lo=1, hi=256, expected="a number of threads from 1 to 256")
    check_horizon(horizon)


def check_horizon(horizon: int | None) -> None:
    check_number("--horizon", horizon, lo=YEARS[0], hi=YEARS[1],
                 expected=f"a year from {YEARS[0]} to {YEARS[1]} (after the project's start year)")


def protected(project: Path, loaded: Any = None) -> list[Path]:
    """Paths an output may not replace: the project folder (and so its parents) and its inputs."""
    paths = [Path(project)]
    if loaded is not None:
        paths += [loaded.root, loaded.root / "project.toml"]
        paths += [p for p in (loaded.parcels_file, *loaded.overrides.values()) if p is not None]
    return paths


def load(project: Path, allow_outside: bool, max_errors: int | None = None) -> Any:
    """``optimizer.inputs.project.load_project`` with the command's options."""
    from optimizer.errors import DEFAULT_MAX_ERRORS
    from optimizer.inputs.project import load_project

    return load_project(project, allow_outside=allow_outside, max_errors=max_errors or DEFAULT_MAX_ERRORS)


def report_summary(summary: dict[str, Any], lines: list[str], as_json: bool, gap: float) -> None:
    """Print a plan-like command's summary (JSON or its lines) and exit 3 when the plan is feasible
    but not proven within ``gap`` (the solver stopped at its time limit)."""
    if as_json:
        typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        typer.echo("\n".join(lines))
    if not_proven(summary, gap):
        raise typer.Exit(3)
