"""minesink from Python (notebooks): the command line's work as functions returning pandas objects.

    from optimizer import api
    project = api.load_project("demo")
    options = api.estimate(project)              # DataFrame: one row per parcel x option
    result = api.plan(project, budget_cny=8e6)   # PlanReport
    result.summary["carbon_tco2e"], result.plan.head(), result.why.head()
    result.to_html()                             # report.html as text (a notebook shows ``result``)

``plan`` and ``frontier`` raise ``optimizer.errors.InputError`` / ``RunError`` with the same
messages the command line prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from estimators.table import OptionTable
from optimizer.planning.frontier import FrontierResult
from optimizer.planning.plan import PlanResult
from optimizer.inputs.project import Project

__all__ = ["PlanReport", "estimate", "frontier", "load_project", "plan"]


def load_project(path: str | Path) -> Project:
    """Load and validate a project folder (project.toml and parcels) - ``minesink validate``."""
    from optimizer.inputs.project import load_project as _load

    return _load(Path(path))


def _project(project: Project | str | Path) -> Project:
    return project if isinstance(project, Project) else load_project(project)


def option_table(project: Project | str | Path, horizon_year: int | None = None) -> OptionTable:
    """The option table object the optimiser reads (``estimate`` gives its rows as a DataFrame)."""
    from optimizer.planning.pipeline import estimate as _estimate

    return _estimate(_project(project), horizon_year)


def estimate(project: Project | str | Path, horizon_year: int | None = None) -> pd.DataFrame:
    """Every parcel x feasible option with per-hectare carbon by pool, cost and erosion
    (the table ``minesink estimate`` writes)."""
    return option_table(project, horizon_year).rows


@dataclass
class PlanReport:
    """A solved plan with its tables.

    summary : dict, the summary.json keys
    plan : DataFrame, plan.csv (one row per parcel)
    why : DataFrame, per parcel the runner-up and the constraint that bound the choice
    frontier : DataFrame or None, frontier.csv when the plan was asked for a frontier
    result : the underlying ``optimizer.planning.plan.PlanResult``
    """

    project: Project
    result: PlanResult
    summary: dict[str, Any]
    plan: pd.DataFrame
    why: pd.DataFrame
    frontier: pd.DataFrame | None = None
    _frontier_result: FrontierResult | None = field(default=None, repr=False)

    def to_html(self) -> str:
        """report.html as text (self-contained)."""
        from optimizer.outputs.htmlreport import html_report

        return html_report(self.result, self.plan, self.summary, self.project, self._frontier_result)

    def _repr_html_(self) -> str:  # Jupyter shows the report
        return self.to_html()

    def write(self, outdir: str | Path, force: bool = False) -> dict[str, Any]:
        """Write plan.csv, summary.json, report.md and report.html (+ plan.gpkg for polygon
        parcels) into ``outdir``, as ``minesink plan -o`` does."""
        from optimizer.cli.commands.plan import _gis_writer
        from optimizer.outputs.htmlreport import html_writer
        from optimizer.outputs.report import write_outputs

        return write_outputs(self.result, outdir, force=force,
                             extra=html_writer(self.project, self.result, self._frontier_result,
                                               then=_gis_writer(self.project.parcels_file)))


def plan(project: Project | str | Path, *, budget_cny: float | None = None, horizon_year: int | None = None,
         objective: str = "max-carbon", target_tco2e: float | None = None, time_limit_s: float = 60.0,
         gap: float = 1e-3, threads: int = 2, frontier_points: int = 0) -> PlanReport:
    """The optimal plan (``minesink plan``); ``frontier_points`` >= 2 also sweeps the budget."""
    from optimizer.planning.frontier import frontier as _frontier
    from optimizer.planning.frontier import frontier_frame
    from optimizer.planning.pipeline import plan_settings
    from optimizer.planning.plan import plan as _plan
    from optimizer.outputs.report import plan_frame, summary_dict
    from optimizer.planning.why import why_frame

    loaded = _project(project)
    settings = plan_settings(loaded, budget_cny=budget_cny, horizon_year=horizon_year, objective=objective,
                             target_tco2e=target_tco2e, time_limit_s=time_limit_s, mip_gap=gap, threads=threads)
    table = option_table(loaded, horizon_year)
    result = _plan(table, settings)
    frame = plan_frame(result)
    fr = _frontier(table, settings, frontier_points) if frontier_points else None
    return PlanReport(loaded, result, summary_dict(result, frame), frame, why_frame(result),
                      frontier_frame(fr) if fr is not None else None, fr)


def frontier(project: Project | str | Path, points: int = 12, *, horizon_year: int | None = None,
             time_limit_s: float = 60.0, gap: float = 1e-3, threads: int = 2) -> pd.DataFrame:
    """Cost versus carbon (``minesink frontier``): one row per budget, frontier.csv's columns."""
    from optimizer.planning.frontier import frontier as _frontier
    from optimizer.planning.frontier import frontier_frame
    from optimizer.planning.pipeline import plan_settings

    loaded = _project(project)
    settings = plan_settings(loaded, horizon_year=horizon_year, time_limit_s=time_limit_s, mip_gap=gap,
                             threads=threads)
    return frontier_frame(_frontier(option_table(loaded, horizon_year), settings, points))
