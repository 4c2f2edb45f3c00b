"""Option table + settings -> solved plan: select candidates, check, build, solve, explain.

``plan(table, settings) -> PlanResult`` is what the ``plan`` command calls; the result goes to
``optimizer.report`` for plan.csv, summary.json and report.md.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import pyomo.environ as pyo

from estimators.table import OptionTable
from optimizer.candidates import Candidates, select
from optimizer.diagnose import explain_elastic, precheck
from optimizer.errors import RunError
from optimizer.model import build_from_candidates
from optimizer.settings import PlanSettings
from optimizer.solve import Solution, solve

log = logging.getLogger(__name__)


@dataclass
class PlanResult:
    """A solved plan: the inputs, the model, the solver's answer and stage timings [s]."""

    table: OptionTable
    settings: PlanSettings
    candidates: Candidates
    model: pyo.ConcreteModel
    solution: Solution
    timings: dict[str, float | None] = field(default_factory=dict)
    #: optional additions to the outputs: "summary" (keys for summary.json), "markdown" (report
    #: lines), "csv" (file name -> DataFrame), filled by optimizer.uncertainty_plan
    extras: dict = field(default_factory=dict)

    @property
    def horizon_year(self) -> int:
        return int(self.settings.horizon_year or self.table.horizon_year)


def plan(table: OptionTable, settings: PlanSettings) -> PlanResult:
    """Choose one option per parcel for ``table`` under ``settings``.

    Raises InputError for bad locks / forced options and RunError (exit 1) with a plain-words
    explanation when no plan is possible or the solver fails.
    """
    t0 = time.perf_counter()
    cand = select(table, settings)
    precheck(table, cand, settings)
    model = build_from_candidates(cand, settings)
    t_build = time.perf_counter() - t0
    log.info("built %d binaries (%d after filters) for %d parcels in %.2f s",
             cand.rows.size, cand.n_filtered, cand.n_parcels, t_build)
    sol = solve(model, settings)
    if sol.status == "infeasible":
        raise RunError("no plan is possible: " + explain_elastic(cand, settings))
    estimate = (table.meta.get("timings_s") or {}).get("estimate")
    timings = {"estimate": estimate, "build": t_build, "solve": sol.solve_s, "write": None}
    return PlanResult(table, settings, cand, model, sol, timings)
