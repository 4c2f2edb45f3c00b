"""The coupling rows of the plan model as arrays: one definition for the model and the presolve.

Notation as in ``optimizer.planning.model``: i indexes candidates (kept parcel x option rows), x_i binary,
c_i = a x net t CO2e/ha, k_i = a x cost CNY/ha, e_i = a x erosion t/ha/yr, l_i^L = a x layer-L
share, s_i^S = a x species-S share, A = total area [ha]. A row is ``sum_i coefs_i x_i (sense) rhs``
with sense "<=", ">=" or "==". Only rows that can bind (``Candidates.active``) are returned:
a row every plan satisfies changes nothing.

``coupling_rows(c, s)`` lists them in the order the model adds them; ``objective(c, s)`` gives
the objective in maximisation form (max-carbon: c; min-cost: -k), which is what
``optimizer.planning.lagrange`` works with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from estimators.table import LAYERS
from optimizer.planning.candidates import Candidates
from optimizer.inputs.settings import PlanSettings

SENSES = ("<=", ">=", "==")


@dataclass(frozen=True)
class CouplingRow:
    """``sum_i coefs[i] x_i (sense) rhs``; ``coefs`` aligned with the candidates."""

    name: str
    coefs: np.ndarray
    sense: str
    rhs: float

    def __post_init__(self) -> None:
        if self.sense not in SENSES:
            raise ValueError(f"row {self.name}: sense '{self.sense}' is not one of {SENSES}")


def budget_row(c: Candidates, s: PlanSettings) -> CouplingRow | None:
    """Total budget: sum_i k_i x_i <= B (capital plus maintenance within the horizon)."""
    if not c.active.get("budget") or s.budget_cny is None:
        return None
    return CouplingRow("budget", c.cost, "<=", float(s.budget_cny))


def sediment_row(c: Candidates, s: PlanSettings) -> CouplingRow | None:
    """Total sediment cap: sum_i e_i x_i <= S_max [t/yr]."""
    if not c.active.get("sediment") or s.max_sediment_t_yr is None:
        return None
    return CouplingRow("sediment", c.sediment, "<=", float(s.max_sediment_t_yr))


def layer_rows(c: Candidates, s: PlanSettings) -> list[CouplingRow]:
    """Layer area shares: sum_i l_i^L x_i >= lo_L A and sum_i l_i^L x_i <= hi_L A.

    When lo_L = hi_L the two become one equality row ``share_<layer>``: sum_i l_i^L x_i = lo_L A.
    """
    out = []
    total = c.total_area
    lows, highs = dict(s.min_area_share), dict(s.max_area_share)
    for layer in LAYERS:
        lo, hi = lows.get(layer), highs.get(layer)
        if lo is not None and hi is not None and lo == hi:
            out.append(CouplingRow(f"share_{layer}", c.layer_area[layer], "==", lo * total))
            continue
        if c.active.get(f"min_share_{layer}") and lo is not None:
            out.append(CouplingRow(f"min_share_{layer}", c.layer_area[layer], ">=", lo * total))
        if c.active.get(f"max_share_{layer}") and hi is not None:
            out.append(CouplingRow(f"max_share_{layer}", c.layer_area[layer], "<=", hi * total))
    return out


def species_rows(c: Candidates, s: PlanSettings) -> list[CouplingRow]:
    """Species cap: sum_i s_i^S x_i <= cap A for every species S that could exceed it."""
    if s.max_species_area_share is None:
        return []
    cap = float(s.max_species_area_share) * c.total_area
    return [CouplingRow(f"max_share_{sp}", c.species_area[sp], "<=", cap) for sp in sorted(c.species_area)]


def target_row(c: Candidates, s: PlanSettings) -> CouplingRow | None:
    """Carbon target: sum_i c_i x_i >= T [t CO2e at the horizon]."""
    if not c.active.get("target") or s.target_tco2e is None:
        return None
    return CouplingRow("target", c.carbon, ">=", float(s.target_tco2e))


def coupling_rows(c: Candidates, s: PlanSettings) -> list[CouplingRow]:
    """Every coupling row that can bind, in model order: budget, sediment, layers, species, target."""
    rows: list[CouplingRow | None] = [budget_row(c, s), sediment_row(c, s), *layer_rows(c, s),
                                      *species_rows(c, s), target_row(c, s)]
    return [r for r in rows if r is not None]


def objective(c: Candidates, s: PlanSettings) -> np.ndarray:
    """Objective coefficients in maximisation form: c_i (max-carbon) or -k_i (min-cost)."""
    return -c.cost if s.objective == "min-cost" else c.carbon
