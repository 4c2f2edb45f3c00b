"""The one place that talks to HiGHS (through Pyomo's newer ``highs`` interface).

``solve(model, settings) -> Solution``: time limit, relative gap and threads from the settings;
a time-limited solve returns its best plan with status ``time_limit``; an infeasible model comes
back with status ``infeasible`` (``optimizer.planning`` then explains it with
``optimizer.diagnose``). Solver failures raise RunError.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from optimizer.errors import RunError
from optimizer.settings import PlanSettings

log = logging.getLogger(__name__)

_INFEASIBLE = {TerminationCondition.provenInfeasible, TerminationCondition.locallyInfeasible,
               TerminationCondition.infeasibleOrUnbounded}
_STOPPED = {TerminationCondition.maxTimeLimit, TerminationCondition.iterationLimit,
            TerminationCondition.interrupted, TerminationCondition.objectiveLimit}


@dataclass
class Solution:
    """What the solver returned.

    status : "optimal" | "time_limit" | "infeasible" | "error"
    objective, bound : incumbent objective and best bound (objective units), None when absent
    gap : relative gap |objective - bound| / |objective| (0 when optimal to tolerance), or None
    rows : option-table row positions of the chosen options (one per parcel, parcel order)
    values : value of every model variable x_i (aligned with model._rows)
    solver : "highs <version>"
    solve_s : wall seconds in the solver call (including the model transfer)
    """

    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    values: np.ndarray = field(default_factory=lambda: np.zeros(0))
    solver: str = ""
    solve_s: float = 0.0
    termination: str = ""


def solver_name() -> str:
    """'highs X.Y.Z' of the HiGHS Pyomo will call (RunError if highspy is missing)."""
    opt = Highs()
    if not opt.available():
        raise RunError("the HiGHS solver is not available: install the 'highspy' package")
    return "highs " + ".".join(str(v) for v in opt.version())


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|objective - bound| / max(|objective|, 1e-9), None when either is missing."""
    if objective is None or bound is None or not math.isfinite(objective) or not math.isfinite(bound):
        return None
    return abs(bound - objective) / max(abs(objective), 1e-9)


def _values(model: pyo.ConcreteModel) -> np.ndarray:
    return np.fromiter((v.value if v.value is not None else 0.0 for v in model._xs), dtype=float,
                       count=len(model._xs))


def chosen_rows(model: pyo.ConcreteModel, values: np.ndarray) -> np.ndarray:
    """Option-table rows with x_i = 1; checks there is exactly one per parcel."""
    pick = values > 0.5
    rows = np.asarray(model._rows)[pick]
    parcels = model._candidates.parcel[pick]
    if rows.size != model._candidates.n_parcels or np.unique(parcels).size != rows.size:
        raise RunError(f"the solver returned {rows.size} options for {model._candidates.n_parcels} parcels "
                       "(not one per parcel); this is a bug, please report it")
    return rows


def solve(model: pyo.ConcreteModel, settings: PlanSettings, *, tee: bool = False) -> Solution:
    """Solve ``model`` with HiGHS under the settings' time limit, gap and threads."""
    opt = Highs()
    name = solver_name()
    t0 = time.perf_counter()
    try:
        res = opt.solve(model, time_limit=float(settings.time_limit_s), rel_gap=float(settings.mip_gap),
                        threads=int(settings.threads), load_solutions=False, tee=tee,
                        solver_options=dict(settings.solver_options),
                        raise_exception_on_nonoptimal_result=False)
    except Exception as err:  # noqa: BLE001 - any solver failure becomes a one-line RunError
        raise RunError(f"the solver failed: {type(err).__name__}: {err}") from err
    elapsed = time.perf_counter() - t0
    term = res.termination_condition
    log.info("HiGHS: %s in %.2f s", term.name, elapsed)
    if term in _INFEASIBLE:
        return Solution("infeasible", None, None, None, solver=name, solve_s=elapsed, termination=term.name)
    has_incumbent = res.incumbent_objective is not None
    if term == TerminationCondition.convergenceCriteriaSatisfied:
        status = "optimal"
    elif term in _STOPPED and has_incumbent:
        status = "time_limit"
    elif term in _STOPPED:
        raise RunError(f"the solver stopped ({term.name}) after {elapsed:.0f} s before finding any plan; "
                       "raise the time limit (--time-limit)")
    else:
        raise RunError(f"the solver failed ({term.name}); try --export-model to inspect the model")
    res.solution_loader.load_vars()
    values = _values(model)
    objective = float(res.incumbent_objective)
    bound = float(res.objective_bound) if res.objective_bound is not None else None
    gap = relative_gap(objective, bound)
    return Solution(status, objective, bound, gap, rows=chosen_rows(model, values), values=values,
                    solver=name, solve_s=elapsed, termination=term.name)
