"""The one place that talks to HiGHS (through Pyomo's newer ``highs`` interface).

``solve(model, settings) -> Solution``: time limit, relative gap and threads from the settings;
a time-limited solve returns its best plan with status ``time_limit``; an infeasible model comes
back with status ``infeasible`` (``optimizer.planning.plan`` then explains it with
``optimizer.planning.diagnose``). Solver failures raise RunError.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field, replace

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from optimizer.errors import RunError
from optimizer.inputs.settings import PlanSettings

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
    values : x_i of every candidate of the model (aligned with model._rows; 1 for the decided
        candidates of a folded model)
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


def with_bound(sol: Solution, bound: float, minimise: bool, mip_gap: float) -> Solution:
    """``sol`` with the tighter of its own bound and ``bound`` (another valid bound on the same
    problem, e.g. the Lagrangian one), the gap against it, and status ``optimal`` when a
    time-limited solve is proven within ``mip_gap`` by it."""
    if sol.objective is None:
        return sol
    if sol.bound is not None:
        bound = max(sol.bound, bound) if minimise else min(sol.bound, bound)
    gap = relative_gap(sol.objective, bound)
    status = "optimal" if sol.status == "time_limit" and gap is not None and gap <= mip_gap else sol.status
    return replace(sol, bound=bound, gap=gap, status=status)


def _values(model: pyo.ConcreteModel) -> np.ndarray:
    """x of every candidate of the model (decided candidates of a folded model: 1)."""
    out = np.asarray(model._decided, dtype=float).copy()
    out[model._var] = np.fromiter((v.value if v.value is not None else 0.0 for v in model._xs), dtype=float,
                                  count=len(model._xs))
    return out


def chosen_rows(model: pyo.ConcreteModel, values: np.ndarray) -> np.ndarray:
    """Option-table rows with x_i = 1; checks there is exactly one per parcel."""
    pick = values > 0.5
    rows = np.asarray(model._rows)[pick]
    parcels = model._candidates.parcel[pick]
    if rows.size != model._candidates.n_parcels or np.unique(parcels).size != rows.size:
        raise RunError(f"the solver returned {rows.size} options for {model._candidates.n_parcels} parcels "
                       "(not one per parcel); this is a bug, please report it")
    return rows


class Solver:
    """One HiGHS, through Pyomo's persistent ``highs`` interface, for a whole run.

    ``solve(model, settings, start=...)`` hands ``model`` to HiGHS (a new model is transferred,
    the same model only updated), optionally gives HiGHS a starting plan (0/1 per candidate of
    the model, aligned with ``model._rows``; HiGHS checks it and uses it as its first
    incumbent), and solves. A frontier
    or any repeated solve keeps one ``Solver``.
    """

    def __init__(self) -> None:
        self.opt = Highs()
        self.name = solver_name()

    def _warm_start(self, model: pyo.ConcreteModel, start: np.ndarray) -> bool:
        """Give HiGHS the starting values of ``model._xs`` (False when the interface does not
        expose its highspy object, then HiGHS starts from nothing)."""
        highs = getattr(self.opt, "_solver_model", None)
        columns = getattr(self.opt, "_pyomo_var_to_solver_var_map", None)
        if highs is None or columns is None or not hasattr(highs, "setSolution"):
            log.warning("this Pyomo HiGHS interface takes no starting plan; solving without one")
            return False
        index = np.fromiter((columns[id(v)] for v in model._xs), dtype=np.int32, count=len(model._xs))
        highs.setSolution(int(index.size), index, np.asarray(start, dtype=np.float64)[model._var])
        return True

    def solve(self, model: pyo.ConcreteModel, settings: PlanSettings, *, start: np.ndarray | None = None,
              tee: bool = False) -> Solution:
        """Solve ``model`` with HiGHS under the settings' time limit, gap and threads."""
        t0 = time.perf_counter()
        try:
            if start is not None:
                if self.opt._model is not model:  # transfer now, so the start can be set on it
                    self.opt.set_instance(model)
                self._warm_start(model, start)
            res = self.opt.solve(model, time_limit=float(settings.time_limit_s), rel_gap=float(settings.mip_gap),
                                 threads=int(settings.threads), load_solutions=False, tee=tee,
                                 solver_options=dict(settings.solver_options),
                                 raise_exception_on_nonoptimal_result=False)
        except Exception as err:  # noqa: BLE001 - any solver failure becomes a one-line RunError
            raise RunError(f"the solver failed: {type(err).__name__}: {err}") from err
        return _solution(model, res, self.name, time.perf_counter() - t0)


def _solution(model: pyo.ConcreteModel, res: object, name: str, elapsed: float) -> Solution:
    term = res.termination_condition  # type: ignore[attr-defined]
    log.info("HiGHS: %s in %.2f s", term.name, elapsed)
    if term in _INFEASIBLE:
        return Solution("infeasible", None, None, None, solver=name, solve_s=elapsed, termination=term.name)
    has_incumbent = res.incumbent_objective is not None  # type: ignore[attr-defined]
    if term == TerminationCondition.convergenceCriteriaSatisfied:
        status = "optimal"
    elif term in _STOPPED and has_incumbent:
        status = "time_limit"
    elif term in _STOPPED:
        raise RunError(f"the solver stopped ({term.name}) after {elapsed:.0f} s before finding any plan; "
                       "raise the time limit (--time-limit)")
    else:
        raise RunError(f"the solver failed ({term.name}); try --export-model to inspect the model")
    res.solution_loader.load_vars()  # type: ignore[attr-defined]
    values = _values(model)
    objective = float(res.incumbent_objective)  # type: ignore[attr-defined]
    bound = float(res.objective_bound) if res.objective_bound is not None else None  # type: ignore[attr-defined]
    gap = relative_gap(objective, bound)
    return Solution(status, objective, bound, gap, rows=chosen_rows(model, values), values=values,
                    solver=name, solve_s=elapsed, termination=term.name)


def solve(model: pyo.ConcreteModel, settings: PlanSettings, *, start: np.ndarray | None = None,
          solver: Solver | None = None, tee: bool = False) -> Solution:
    """Solve ``model`` with HiGHS (a new ``Solver`` unless one is given; ``start``: see Solver)."""
    return (solver or Solver()).solve(model, settings, start=start, tee=tee)
