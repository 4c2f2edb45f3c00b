"""Solver status a planner cannot miss (issue 8, item 6): exit 3 and a first-line banner for a
frontier whose solves stopped at a limit; warnings never stand before the error line."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from projfix import copy_example

import optimizer.planning.pipeline
from optimizer.cli.app import run


def _one_node(monkeypatch):
    """A node limit of 1 at gap 0 stops HiGHS deterministically with an incumbent (as a time limit
    would, but independent of the machine's speed)."""
    original = optimizer.planning.pipeline.plan_settings

    def one_node(project, **overrides):
        return original(project, **overrides).with_(solver_options={"presolve": "off", "mip_max_nodes": 1})

    monkeypatch.setattr(optimizer.planning.pipeline, "plan_settings", one_node)


def test_frontier_with_unproven_points_exits_3_and_says_so_first(tmp_path, capsys, monkeypatch):
    _one_node(monkeypatch)
    root = copy_example(tmp_path)
    out = tmp_path / "front"
    assert run(["frontier", str(root), "-o", str(out), "--points", "2", "--gap", "0"]) == 3
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("TIME LIMIT: ") and "budgets stopped" in first and "largest gap" in first
    data = json.loads((out / "frontier.json").read_text(encoding="utf-8"))
    assert any(p["status"] == "time_limit" for p in data["points"])


def test_a_proven_plan_exits_0_without_banner(tmp_path, capsys):
    out = tmp_path / "plan"
    assert run(["plan", str(copy_example(tmp_path)), "-o", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["status"] == "optimal" and summary["status_note"] is None
    assert summary["requested_gap"] == 1e-3
    assert not (out / "report.md").read_text(encoding="utf-8").startswith(">")
    assert 'id="status-note"' not in (out / "report.html").read_text(encoding="utf-8")


def test_library_warnings_stay_off_stderr(tmp_path):
    """In a real process (pytest would capture warnings itself): a RuntimeWarning raised inside a
    command does not stand before the one error line."""
    root = copy_example(tmp_path)
    (root / "parcels.csv").write_text("parcel_id\n", encoding="utf-8")
    script = textwrap.dedent(f"""
        import sys, warnings
        import optimizer.inputs.project as project
        real = project.load_project
        def noisy(*args, **kwargs):
            warnings.warn("overflow encountered in multiply", RuntimeWarning)
            return real(*args, **kwargs)
        project.load_project = noisy
        sys.argv = ["minesink", "validate", {str(root)!r}]
        from optimizer.cli.entry import main
        main()
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == "error: parcels.csv: has a header but no data rows\n"


def test_plan_settings_refuse_non_finite_numbers():
    import math

    import pytest

    from optimizer.errors import InputError
    from optimizer.inputs.settings import PlanSettings

    for kwargs in ({"budget_cny": math.inf}, {"max_sediment_t_yr": math.nan},
                   {"objective": "min-cost", "target_tco2e": math.inf}, {"time_limit_s": math.inf}):
        with pytest.raises(InputError, match="finite|time limit"):
            PlanSettings(**kwargs)
