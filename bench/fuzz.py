"""Fuzz harness: generated projects near every input boundary, run through ``validate``,
``estimate`` and ``plan`` in-process (``optimizer.cli.app.run``), with Hypothesis.

Each example is a project folder: 1-5 parcels whose cells sit on or near the limits (slope 0 and
89.9, aspect -9999/-1/-12/360/725/'flat', substrate 0 cm, pH 0 and 14, areas from 0.01 ha to the
plausible maximum), optional columns dropped, the planner's own columns (Chinese names, a code
starting with '='), a misspelt or duplicated column now and then, text in UTF-8 (with or without
BOM), GB18030 or UTF-16, or the table as parcels.xlsx; locks, forced options, layer and species
share limits, sediment caps, budgets from a few thousand CNY to 1e12 or an empty [budget]
section, max-carbon or min-cost, and restricted catalogues.  Checked for every example:

* no uncaught exception: every command exits 0, 1, 2 or 3 with one ``error:`` line per problem
  on stderr, never "internal error" or a traceback; bad input exits 2 at ``validate``;
* every plan satisfies every constraint recomputed from plan.csv alone (one option per parcel,
  budget, per-parcel erosion tolerance, locks and forced options, layer and species area shares,
  sediment cap, carbon target) and summary.json agrees with plan.csv;
* equal inputs give byte-identical outputs: for a share of the plans the plan is run again into
  a second folder and plan.csv, report.md, report.html (its date fixed by SOURCE_DATE_EPOCH),
  plan.gpkg and summary.json (without ``timings_s``) must match byte for byte.  A solve stopped by its time limit is not deterministic (where HiGHS
  stops depends on the machine's speed), so the generated plans use the default 60 s limit,
  which they never reach, and a time-limited plan (exit 3) is counted, not compared.

    python bench/fuzz.py --examples 10000 --json      # counts and time as JSON; exit 1 on a failure
    python bench/fuzz.py --examples 10000 --workers 2 --json   # two processes, seeds 0 and 1

The pytest test ``tests/test_fuzz.py`` runs a few hundred examples.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

REGIONS = ("north", "south", "northeast", "northwest", "southwest")
LANDFORMS = ("platform", "slope", "pit_wall", "pit_floor", "subsidence", "tailings", "road")
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "utf-16")
LAYERS = ("tree", "shrub", "grass")
TOL = 1e-6


# ----------------------------------------------------------------------------- generation

def _cell(values: list[Any]) -> st.SearchStrategy[str]:
    """One of ``values`` as text (typical values are listed first, and some more than once)."""
    return st.sampled_from([str(v) for v in values])


def rare(k: int) -> st.SearchStrategy[bool]:
    """True about once in ``k + 1`` draws (a middle value: Hypothesis favours the ends)."""
    return st.integers(0, k).map(lambda x: x == k // 2)


@st.composite
def parcel(draw: st.DrawFn, i: int) -> dict[str, str]:
    """One parcel row as text cells, values on or near the boundaries."""
    landform = draw(st.sampled_from(LANDFORMS))
    status = draw(st.sampled_from(["", "", "", "", "", "lock_in", "lock_out", "free"]))
    return {
        "parcel_id": draw(st.sampled_from([f"P{i}", f"地块-{i}", f"P {i}", f"=P{i}", f"-{i}", f"@{i}"])),
        "area_ha": draw(_cell([3, 12.5, 0.5, 40, 3, 0.01, 1000, 100000])),
        "landform": landform,
        "slope_deg": draw(_cell([3, 8, 2, 15, 0, 5, 25, 0.5, 33, 12, 45, 60, 89.9])),
        "slope_length_m": draw(_cell([40, 80, 20, 120, 60, 1, 300, 10000])),
        "aspect_deg": draw(_cell(["", -1, -9999, -12, 0, 90, 180, 359.9, 360, 725, "flat"])),
        "elevation_m": draw(_cell(["", -500, 0, 200, 1350, 3000, 9000])),
        "soil_ph": draw(_cell([0, 3.5, 5.5, 7, 8.3, 9.5, 14])),
        "soc_g_kg": draw(_cell([0, 0.5, 2, 20, 600])),
        "bulk_density_g_cm3": draw(_cell(["", 0.6, 1.3, 1.7, 2.4])),
        "clay_pct": draw(_cell(["", 0, 15, 40, 100])),
        "soil_depth_cm": draw(_cell(["", 0, 5, 30, 80, 1000])),
        "contaminated": draw(_cell(["", "false", "true", "yes", "0"])),
        "status": status,
        "forced_option": draw(st.sampled_from(["", "", "", "", "", "", "", "natural", "grass", "slope_25+grass"]))
        if status != "lock_in" else "",
        "erosion_tolerance_t_ha_yr": draw(_cell(["", "", "", "", "", "", "", "", 1000, 10, 2])),
        "名称": draw(st.sampled_from(["南排土场平台", "pit wall, east", "=SUM(A1)", "+86 rock", ""])),
    }


BAD_CELLS = [("area_ha", "0"), ("area_ha", "1e308"), ("slope_deg", "90"), ("soil_ph", "nan"),
             ("slope_length_m", "inf"), ("landform", "dump"), ("soil_ph", "7,5"), ("status", "locked"),
             ("aspect_deg", "north"), ("soil_depth_cm", "-1"), ("parcel_id", ""), ("soc_g_kg", "abc")]


@st.composite
def project(draw: st.DrawFn) -> dict[str, Any]:
    """A project description: parcels (text), how the file is written, project.toml content."""
    n = draw(st.integers(1, 5))
    rows = [draw(parcel(i)) for i in range(n)]
    if len({r["parcel_id"] for r in rows}) < n:  # ids drawn alike: make them unique (or not)
        if draw(st.booleans()):
            for i, r in enumerate(rows):
                r["parcel_id"] = f"{r['parcel_id']}#{i}"
    columns = list(rows[0])
    for column in ("aspect_deg", "elevation_m", "bulk_density_g_cm3", "clay_pct", "soil_depth_cm",
                   "contaminated", "forced_option", "erosion_tolerance_t_ha_yr", "名称"):
        if draw(rare(6)):
            columns.remove(column)
    mistakes = []
    if draw(rare(9)):  # a planted bad cell
        column, value = draw(st.sampled_from(BAD_CELLS))
        rows[draw(st.integers(0, n - 1))][column] = value
        mistakes.append("bad cell")
    rename = {}
    roll = draw(st.integers(0, 39))
    if roll == 10 and "status" in columns:
        rename["status"] = "stauts"
        mistakes.append("near-miss column")
    elif roll == 20:
        rename["soil_ph"] = "Soil_pH"  # a case variant: read as soil_ph
    duplicate = roll == 30
    if duplicate:
        mistakes.append("duplicate column")
    region = draw(st.sampled_from(REGIONS))
    budget = draw(st.sampled_from(["20000000", "1500000", "150000", "none", "20000000", "2000", "1e12",
                                   "5000000", "empty"]))
    if budget == "empty":
        mistakes.append("empty budget")
    constraints: dict[str, Any] = {}
    if not draw(rare(4)):  # mostly a lenient tolerance, so most generated plans are feasible
        constraints["erosion_tolerance_t_ha_yr"] = draw(st.sampled_from([1000, 200, 500, 1000, 50, 10, 1]))
    if draw(rare(3)):
        constraints["max_sediment_t_yr"] = draw(st.sampled_from([10000, 100, 1]))
    if draw(rare(2)):
        constraints["min_area_share"] = {"tree": draw(st.sampled_from([0.0, 0.01, 0.0, 0.3])),
                                         "grass": draw(st.sampled_from([0.0, 0.05]))}
    if draw(rare(2)):
        constraints["max_area_share"] = {"shrub": draw(st.sampled_from([0.5, 1.0]))}
    if draw(rare(2)):
        constraints["max_species_area_share"] = draw(st.sampled_from([1.0, 0.6, 0.9, 0.3]))
    mixes = draw(st.sampled_from([None, ["grass"], ["grass", "shrub_grass"],
                                  ["grass", "legume_grass", "pine_shrub_grass", "robinia_shrub_grass"]]))
    return {
        "rows": rows, "columns": columns, "rename": rename, "duplicate": duplicate,
        "encoding": draw(st.sampled_from(ENCODINGS)), "xlsx": draw(rare(9)),
        "region": region, "horizon": draw(st.sampled_from([2030, 2045, 2060, 2100])),
        "budget": budget, "constraints": constraints, "mixes": mixes,
        "regrading": draw(st.sampled_from([None, ["none", "slope_25", "terrace"]])),
        "amendments": draw(st.sampled_from([None, ["none", "lime", "compost"]])),
        "objective": draw(st.sampled_from(["max-carbon", "max-carbon", "max-carbon", "min-cost"])),
        "target": draw(st.sampled_from([10, 0, 500, 10, 1e6])),
        "rerun": draw(rare(3)),
        "estimate": draw(rare(2)),
        "mistakes": mistakes,
    }


def _toml(spec: dict[str, Any]) -> str:
    lines = ["[project]", 'name = "fuzz"', f'region = "{spec["region"]}"', "start_year = 2026",
             f"horizon_year = {spec['horizon']}", ""]
    if spec["budget"] == "empty":
        lines += ["[budget]", ""]
    elif spec["budget"] != "none":
        lines += ["[budget]", f"total_cny = {float(spec['budget']):.1f}", ""]
    if spec["constraints"]:
        lines.append("[constraints]")
        for key, value in spec["constraints"].items():
            if isinstance(value, dict):
                value = "{ " + ", ".join(f"{k} = {v}" for k, v in value.items()) + " }"
            lines.append(f"{key} = {value}")
        lines.append("")
    parts = {k: spec[k] for k in ("regrading", "amendments", "mixes") if spec[k]}
    if parts:
        lines.append("[options]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in parts.items()]
    return "\n".join(lines) + "\n"


def write_project(spec: dict[str, Any], root: Path) -> None:
    """project.toml and parcels.csv (or parcels.xlsx) of ``spec`` in ``root``."""
    root.mkdir(parents=True)
    (root / "project.toml").write_text(_toml(spec), encoding="utf-8")
    header = [spec["rename"].get(c, c) for c in spec["columns"]]
    table = [[r[c] for c in spec["columns"]] for r in spec["rows"]]
    if spec["duplicate"]:
        header.append(header[1])
        table = [row + [row[1]] for row in table]
    if spec["xlsx"]:
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        for r, row in enumerate([header, *table], start=1):
            for c, value in enumerate(row, start=1):
                cell = sheet.cell(r, c, value)
                cell.data_type = "s"  # text as typed, not a formula (a cell starting with '=')
        book.save(root / "parcels.xlsx")
        return
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([header, *table])
    (root / "parcels.csv").write_bytes(buf.getvalue().encode(spec["encoding"]))


# ----------------------------------------------------------------------------- running

def run_cli(args: list[str]) -> tuple[int, str, str]:
    """``minesink ARGS`` in-process: exit code, stdout, stderr."""
    from optimizer.cli.app import run

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(args)
    return code, out.getvalue(), err.getvalue()


class Failure(AssertionError):
    """A broken expectation (the message says which)."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Failure(message)


def _clean_exit(step: str, code: int, err: str) -> None:
    expect(code in (0, 1, 2, 3), f"{step}: exit code {code}: {err[-500:]}")
    expect("internal error" not in err and "Traceback" not in err, f"{step}: {err[-800:]}")
    if code in (1, 2):
        lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("WARNING")]
        expect(bool(lines) and all(ln.startswith("error: ") for ln in lines), f"{step}: stderr {err[-500:]}")


def _unescape(values: pd.Series) -> pd.Series:
    """plan.csv escapes text cells Excel would run as formulas with a leading apostrophe."""
    return values.astype(str).map(lambda v: v[1:] if v.startswith("'") and v[1:2] in "=+-@\t\r" else v)


def check_plan(out: Path, project: Any, spec: dict[str, Any]) -> None:
    """Every constraint of the project, recomputed from plan.csv alone."""
    plan = pd.read_csv(out / "plan.csv", encoding="utf-8-sig", keep_default_na=False, dtype={"forced_option": str})
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    parcels = project.parcels
    ids = _unescape(plan["parcel_id"])
    expect(ids.tolist() == parcels["parcel_id"].astype(str).tolist(), "plan.csv: not one row per parcel in order")
    area = plan["area_ha"].to_numpy(float)
    cost = float(plan["cost_cny"].sum())
    budget = summary["budget_cny"]
    if budget is not None:
        expect(cost <= budget * (1 + TOL) + 1e-3, f"cost {cost} above budget {budget}")
    expect(abs(cost - summary["cost_cny"]) <= 1e-3 * max(1.0, cost) + 0.01 * len(plan), "summary cost != plan.csv")
    carbon = float(plan["carbon_tco2e"].sum())
    expect(abs(carbon - summary["carbon_tco2e"]) <= 1e-4 * max(1.0, abs(carbon)) + 0.01 * len(plan),
           "summary carbon != plan.csv")
    option = _unescape(plan["option_id"]).to_numpy()
    status = parcels["status"].to_numpy()
    expect(not ((status == "lock_out") & (option != "natural")).any(), "a lock_out parcel is restored")
    expect(not ((status == "lock_in") & (option == "natural")).any(), "a lock_in parcel is left natural")
    forced = parcels["forced_option"].to_numpy()
    expect(not ((forced != "") & (option != forced)).any(), "a forced option was not taken")
    regions = project.catalogue.regions.set_index("region")
    tol = np.full(len(plan), float(regions.loc[project.region, "erosion_tolerance_t_ha_yr"]))
    if "erosion_tolerance_t_ha_yr" in project.constraints:
        tol[:] = project.constraints["erosion_tolerance_t_ha_yr"]
    own = parcels["erosion_tolerance_t_ha_yr"].to_numpy(float)
    tol = np.where(np.isnan(own), tol, own)
    erosion = plan["erosion_t_ha_yr"].to_numpy(float)
    bad = (erosion > tol * (1 + 1e-4) + 1e-4) & (status != "lock_out")
    expect(not bad.any(), f"erosion above the tolerance on {ids[bad].tolist()}")
    total = area.sum()
    shares = {lay: float((area * plan[f"{lay}_share"].to_numpy(float)).sum() / total) for lay in LAYERS}
    for lay, low in project.constraints.get("min_area_share", {}).items():
        expect(shares[lay] >= low - 1e-4, f"{lay} share {shares[lay]} below {low}")
    for lay, high in project.constraints.get("max_area_share", {}).items():
        expect(shares[lay] <= high + 1e-4, f"{lay} share {shares[lay]} above {high}")
    cap = project.constraints.get("max_species_area_share")
    if cap is not None:
        mixes = project.catalogue.mixes
        mixes = mixes[mixes["region"] == project.region]
        per_mix = mixes.pivot_table(index="mix", columns="species", values="area_share", aggfunc="sum", fill_value=0)
        used = per_mix.reindex(plan["mix"].astype(str)).fillna(0.0).to_numpy() * area[:, None]
        worst = float(used.sum(axis=0).max() / total) if used.size else 0.0
        expect(worst <= cap + 1e-4, f"a species covers {worst:.4f} of the area, above {cap}")
    sediment = project.constraints.get("max_sediment_t_yr")
    if sediment is not None:
        expect(float(plan["sediment_t_yr"].sum()) <= sediment * (1 + 1e-4) + 1e-4, "sediment cap broken")
    if spec["objective"] == "min-cost":  # the target applies to the objective's carbon (credited)
        column = "credited_tco2e" if "credited_tco2e" in plan.columns else "carbon_tco2e"
        reached = float(plan[column].sum())
        expect(reached >= spec["target"] * (1 - 1e-4) - 1e-3, f"{column} {reached} below the target {spec['target']}")


def _same_outputs(a: Path, b: Path) -> None:
    for name in ("plan.csv", "report.md", "report.html", "plan.gpkg"):
        if (a / name).exists() or (b / name).exists():
            expect((a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs between equal runs")
    sa, sb = (json.loads((p / "summary.json").read_text(encoding="utf-8")) for p in (a, b))
    sa.pop("timings_s"), sb.pop("timings_s")
    expect(sa == sb, "summary.json differs between equal runs (timings aside)")


_LOADED: dict[str, Any] = {}


def _capture_loaded_projects() -> None:
    """Keep the Project the last command loaded (the checks use validate's, instead of loading the
    project once more)."""
    import optimizer.inputs.project as project

    if getattr(project.load_project, "_fuzz_capture", False):
        return
    real = project.load_project

    def capturing(*args: Any, **kwargs: Any) -> Any:
        loaded = real(*args, **kwargs)
        _LOADED["project"] = loaded
        return loaded

    capturing._fuzz_capture = True  # type: ignore[attr-defined]
    project.load_project = capturing


def run_example(spec: dict[str, Any], work: Path, counts: Counter) -> None:
    """validate, estimate and plan one generated project, checking every outcome."""
    _capture_loaded_projects()
    root = work / "proj"
    write_project(spec, root)
    counts["examples"] += 1
    _LOADED.clear()
    code, _out, err = run_cli(["validate", str(root)])
    _clean_exit("validate", code, err)
    if spec["mistakes"]:
        counts["planted_mistakes"] += 1
    if "near-miss column" in spec["mistakes"] or "duplicate column" in spec["mistakes"] \
            or "empty budget" in spec["mistakes"]:
        expect(code == 2, f"validate accepted a planted mistake {spec['mistakes']}")
    if code != 0:
        expect(code == 2, f"validate exit {code}")
        counts["invalid_exit_2"] += 1
        return
    counts["valid"] += 1
    project = _LOADED["project"]
    if spec["estimate"]:  # the plan estimates too; the estimate command itself on a third
        code, _out, err = run_cli(["estimate", str(root), "-o", str(work / "options.csv")])
        _clean_exit("estimate", code, err)
        expect(code == 0, f"estimate of a valid project exit {code}: {err[-300:]}")
        counts["estimates"] += 1
    args = ["plan", str(root), "-o", str(work / "plan1"), "--objective", spec["objective"]]
    if spec["objective"] == "min-cost":
        args += ["--target-tco2e", str(spec["target"])]
    code, _out, err = run_cli(args)
    _clean_exit("plan", code, err)
    counts[f"plan_exit_{code}"] += 1
    if code == 2:
        expect("budget" in err or "target" in err, f"plan refused a valid project: {err[-300:]}")
        return
    if code == 1:
        expect("no plan is possible" in err or "cannot" in err, f"plan failed unexplained: {err[-300:]}")
        return
    check_plan(work / "plan1", project, spec)
    counts["plans_checked"] += 1
    if code == 0 and spec["rerun"]:
        args[3] = str(work / "plan2")
        code2, _o, err2 = run_cli(args)
        expect(code2 == 0, f"rerun exit {code2}: {err2[-300:]}")
        _same_outputs(work / "plan1", work / "plan2")
        counts["reruns_identical"] += 1


def fuzz(examples: int, seed_value: int = 0) -> dict[str, Any]:
    """Run ``examples`` generated projects; return counts, failures and time."""
    import os

    os.environ.setdefault("SOURCE_DATE_EPOCH", "1764547200")  # report.html's date: reruns compare byte for byte
    counts: Counter = Counter()
    failures: list[str] = []
    started = time.perf_counter()

    @seed(seed_value)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink],
              print_blob=False)
    @given(project())
    def one(spec: dict[str, Any]) -> None:
        work = Path(tempfile.mkdtemp(prefix="minesink-fuzz-"))
        try:
            run_example(spec, work, counts)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    try:
        one()
    except Exception as err:  # noqa: BLE001 - the (shrunk) failing example is reported, not raised
        notes = "\n".join(getattr(err, "__notes__", []))
        failures.append(f"{type(err).__name__}: {err}\n{notes}"[:4000])
    return {"examples_requested": examples, "seed": seed_value, "counts": dict(sorted(counts.items())),
            "failures": failures, "time_s": round(time.perf_counter() - started, 1)}


def fuzz_parallel(examples: int, seed_value: int, workers: int) -> dict[str, Any]:
    """``workers`` processes of this script, each with its own seed and share of the examples;
    counts added up, failures listed, time the wall time of the whole run."""
    import subprocess

    started = time.perf_counter()
    shares = [examples // workers + (1 if i < examples % workers else 0) for i in range(workers)]
    procs = [subprocess.Popen([sys.executable, __file__, "--examples", str(n), "--seed", str(seed_value + i),
                               "--json"], stdout=subprocess.PIPE, text=True)
             for i, n in enumerate(shares)]
    parts = [json.loads(p.communicate()[0]) for p in procs]
    counts: Counter = Counter()
    for part in parts:
        counts.update(part["counts"])
    return {"examples_requested": examples, "seed": seed_value, "workers": workers,
            "counts": dict(sorted(counts.items())), "failures": [f for p in parts for f in p["failures"]],
            "time_s": round(time.perf_counter() - started, 1),
            "worker_time_s": [p["time_s"] for p in parts]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1, help="processes, each with seed + i")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = (fuzz_parallel(args.examples, args.seed, args.workers) if args.workers > 1
              else fuzz(args.examples, args.seed))
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for key, value in result.items():
            print(f"{key:>20}: {value}")
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
