"""What a plan is asked to do: objective, limits, solver controls (``PlanSettings``).

Locks (``lock_in`` / ``lock_out``) and forced options are parcel facts and come from
``OptionTable.parcels``; everything else that shapes the model is here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from estimators.table import LAYERS
from optimizer.errors import InputError

OBJECTIVES = ("max-carbon", "min-cost")
#: parcels estimated at a time by default (optimizer.planning.chunks; about 1.5 GB of estimate temporaries)
CHUNK_SIZE = 5000


@dataclass(frozen=True)
class PlanSettings:
    """Settings ``build_model`` and ``solve`` read.

    Attributes
    ----------
    budget_cny : float or None
        [CNY] capital plus maintenance within the horizon; None = unlimited.
    objective : "max-carbon" (net t CO2e at the horizon) or "min-cost" (needs ``target_tco2e``).
    target_tco2e : float or None
        [t CO2e] minimum total net carbon at the horizon (min-cost objective; also honoured
        as a floor under max-carbon when given).
    erosion_tolerance_t_ha_yr : float or None
        [t/ha/yr] one tolerance for every parcel; None = each parcel's own
        (``OptionTable.parcels.erosion_tolerance_t_ha_yr``, from its region).
    natural_exempt_from_tolerance : bool
        True lets natural recovery stay available whatever its erosion (default False: the
        tolerance applies to every option, natural recovery included).
    max_sediment_t_yr : float or None
        [t/yr] cap on the plan's total soil loss, sum(area x erosion_t_ha_yr).
    min_area_share, max_area_share : dict layer -> share [0-1]
        Bounds on sum(area x layer share) / total area for layers tree, shrub, grass.
    max_species_area_share : float or None
        [0-1] cap on any one species' area share of the total area.
    time_limit_s : float  [s] solver time limit.
    mip_gap : float  [-] relative optimality gap at which the solver stops.
    threads : int  solver threads.
    prune_dominated : bool
        Drop options dominated within their parcel before building (never changes the optimum).
    presolve : bool
        Run the Lagrangian presolve (optimizer.planning.lagrange) before building: a bound, a starting
        plan for HiGHS and reduced-cost fixing (never changes the optimum).
    least_cost : bool
        After a proven max-carbon plan, find the cheapest plan with at least its carbon under the
        same constraints (optimizer.planning.plan.least_cost): no carbon is given up, and money
        the first plan spent on options that add no carbon is left unspent. Default True.
    horizon_year : int or None
        Reported horizon; None = the option table's.
    solver_options : dict
        Extra HiGHS options. Default: presolve off - the candidate selection already removes
        what presolve would, and HiGHS's MIP presolve (clique and probing work on the
        one-option rows) took 10-40 s at 10 000 parcels for nothing (bench/plan_core.py).
    """

    budget_cny: float | None = None
    objective: str = "max-carbon"
    target_tco2e: float | None = None
    erosion_tolerance_t_ha_yr: float | None = None
    natural_exempt_from_tolerance: bool = False
    max_sediment_t_yr: float | None = None
    min_area_share: Mapping[str, float] = field(default_factory=dict)
    max_area_share: Mapping[str, float] = field(default_factory=dict)
    max_species_area_share: float | None = None
    time_limit_s: float = 60.0
    mip_gap: float = 1e-3
    threads: int = 2
    prune_dominated: bool = True
    presolve: bool = True
    least_cost: bool = True
    horizon_year: int | None = None
    solver_options: Mapping[str, Any] = field(default_factory=lambda: {"presolve": "off"})

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise InputError on settings no model can use."""
        if self.objective not in OBJECTIVES:
            raise InputError(f"objective '{self.objective}' is not one of {', '.join(OBJECTIVES)}")
        if self.objective == "min-cost" and self.target_tco2e is None:
            raise InputError("the min-cost objective needs a carbon target (--target-tco2e)")
        for name in ("budget_cny", "erosion_tolerance_t_ha_yr", "max_sediment_t_yr"):
            value = getattr(self, name)
            if value is not None and not (value >= 0 and math.isfinite(value)):
                raise InputError(f"{name} must be >= 0 and finite (got {value})")
        if self.target_tco2e is not None and not math.isfinite(self.target_tco2e):
            raise InputError(f"target_tco2e must be a finite number (got {self.target_tco2e})")
        for kind in ("min_area_share", "max_area_share"):
            for layer, share in dict(getattr(self, kind)).items():
                if layer not in LAYERS:
                    raise InputError(f"{kind}: unknown layer '{layer}' (expected one of {', '.join(LAYERS)})")
                if not 0.0 <= share <= 1.0:
                    raise InputError(f"{kind}.{layer} must be between 0 and 1 (got {share})")
        for layer, low in dict(self.min_area_share).items():
            high = dict(self.max_area_share).get(layer)
            if high is not None and low > high:
                raise InputError(f"min_area_share.{layer} = {low} is above max_area_share.{layer} = {high}")
        cap = self.max_species_area_share
        if cap is not None and not 0.0 <= cap <= 1.0:
            raise InputError(f"max_species_area_share must be between 0 and 1 (got {cap})")
        if not (self.time_limit_s > 0 and math.isfinite(self.time_limit_s)):
            raise InputError(f"time limit must be > 0 s (got {self.time_limit_s})")
        if not 0.0 <= self.mip_gap < 1.0:
            raise InputError(f"gap must be in [0, 1) (got {self.mip_gap})")
        if int(self.threads) < 1:
            raise InputError(f"threads must be >= 1 (got {self.threads})")

    def with_(self, **changes: Any) -> "PlanSettings":
        """A copy with ``changes`` applied (validated)."""
        return replace(self, **changes)

    @classmethod
    def from_project(cls, constraints: Mapping[str, Any] | None = None, *,
                     budget_cny: float | None = None, **overrides: Any) -> "PlanSettings":
        """Settings from a project.toml ``[constraints]`` table plus command-line overrides.

        Known keys: erosion_tolerance_t_ha_yr, max_sediment_t_yr, min_area_share,
        max_area_share, max_species_area_share. Unknown keys are an InputError.
        """
        known = {"erosion_tolerance_t_ha_yr", "max_sediment_t_yr", "min_area_share",
                 "max_area_share", "max_species_area_share"}
        constraints = dict(constraints or {})
        unknown = sorted(set(constraints) - known)
        if unknown:
            raise InputError.at("project.toml", f"unknown key(s) {', '.join(unknown)} in [constraints] "
                                f"(expected: {', '.join(sorted(known))})")
        values: dict[str, Any] = {k: v for k, v in constraints.items()}
        for kind in ("min_area_share", "max_area_share"):
            if kind in values and not isinstance(values[kind], Mapping):
                raise InputError.at("project.toml", f"[constraints] {kind} must be a table like "
                                    "{ tree = 0.3, shrub = 0.1 }")
            values[kind] = {str(k): float(v) for k, v in dict(values.get(kind, {})).items()}
        values["budget_cny"] = budget_cny
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
