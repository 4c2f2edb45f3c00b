"""Why a plan is infeasible, in plain words.

Two stages (reference/optimization.md section 4: HiGHS has no IIS for MIPs):

1. ``precheck(table, candidates, settings)``: targeted checks before building - each coupling
   row against the best any plan can do on that row alone (cheapest plan vs budget, with the
   share locked and forced parcels need; least-sediment plan vs cap; most carbon vs target;
   largest / smallest achievable layer and species shares vs their bounds).
2. ``explain_elastic(candidates, settings)``: when every row can be met alone but not all
   together, an elastic model relaxes the coupling rows with penalised slacks and the rows
   that had to give are named, with by how much.

Both raise ``RunError`` (exit 1) with the explanation. (Per-parcel causes - no option meets the
erosion tolerance, unknown forced options - are caught earlier in ``optimizer.planning.candidates``.)
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo

from estimators.table import LAYERS, OptionTable
from optimizer.planning.candidates import Candidates, per_parcel
from optimizer.errors import RunError
from optimizer.inputs.settings import PlanSettings

#: elastic slacks below this (relative to the row's right-hand side) count as met
SLACK_TOL = 1e-6


def cny(value: float) -> str:
    """Money for messages: '1.20 M CNY' from a million up, else '85,000 CNY'."""
    return f"{value / 1e6:.2f} M CNY" if abs(value) >= 1e6 else f"{value:,.0f} CNY"


def _locked(table: OptionTable) -> np.ndarray:
    """Parcels whose choice is restricted by a lock_in status or a forced option."""
    parcels = table.parcels
    status = parcels["status"].fillna("").astype(str).to_numpy() if "status" in parcels else np.array([""] * len(parcels))
    forced = (parcels["forced_option"].fillna("").astype(str).to_numpy() if "forced_option" in parcels
              else np.array([""] * len(parcels)))
    return (status == "lock_in") | (forced != "")


def _extremes(c: Candidates, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = c.n_parcels
    return per_parcel(values, c.parcel, n, "min"), per_parcel(values, c.parcel, n, "max")


def budget_message(table: OptionTable, c: Candidates, budget: float) -> str | None:
    """The budget is below the cheapest plan (naming what locked-in parcels alone need)."""
    least, _ = _extremes(c, c.cost)
    if least.sum() <= budget * (1 + 1e-9):
        return None
    locked = _locked(table)
    need = float(least[locked].sum())
    if locked.any() and need > budget:
        return (f"budget {cny(budget)} is below the {cny(need)} the {int(locked.sum())} locked-in or forced "
                f"parcel(s) need; the cheapest complete plan costs {cny(float(least.sum()))}")
    note = f"; {cny(need)} of it is for locked-in or forced parcels" if need > 0 else ""
    return (f"budget {cny(budget)} is below the {cny(float(least.sum()))} that even the cheapest plan costs "
            f"(the cheapest allowed option on every parcel){note}")


def precheck_messages(table: OptionTable, c: Candidates, s: PlanSettings) -> list[str]:
    """Every coupling row that no plan can meet even on its own, as a sentence."""
    out: list[str] = []
    total = c.total_area
    if s.budget_cny is not None:
        msg = budget_message(table, c, float(s.budget_cny))
        if msg:
            out.append(msg)
    if s.max_sediment_t_yr is not None:
        least = _extremes(c, c.sediment)[0].sum()
        if least > s.max_sediment_t_yr * (1 + 1e-9):
            out.append(f"the sediment cap of {s.max_sediment_t_yr:,.0f} t/yr cannot be met: the least-eroding "
                       f"plan still loses {least:,.0f} t/yr")
    if s.target_tco2e is not None:
        most = _extremes(c, c.carbon)[1].sum()
        if most < s.target_tco2e * (1 - 1e-9):
            out.append(f"the carbon target of {s.target_tco2e:,.0f} t CO2e cannot be reached: the most any plan "
                       f"stores by {table.horizon_year} is {most:,.0f} t CO2e")
    for layer in LAYERS:
        low, high = _extremes(c, c.layer_area[layer])
        want = dict(s.min_area_share).get(layer)
        if want is not None and high.sum() < want * total * (1 - 1e-9):
            out.append(f"a {layer} share of at least {want:.2f} cannot be reached: at most {high.sum() / total:.2f} "
                       f"of the area can carry {layer}s")
        cap = dict(s.max_area_share).get(layer)
        if cap is not None and low.sum() > cap * total * (1 + 1e-9):
            out.append(f"a {layer} share of at most {cap:.2f} cannot be kept: at least {low.sum() / total:.2f} of "
                       f"the area carries {layer}s whatever is chosen")
    if s.max_species_area_share is not None:
        for sp in sorted(c.species_area):
            low = _extremes(c, c.species_area[sp])[0].sum()
            if low > s.max_species_area_share * total * (1 + 1e-9):
                out.append(f"no species may cover more than {s.max_species_area_share:.2f} of the area, but "
                           f"{sp} covers at least {low / total:.2f} whatever is chosen")
    return out


def precheck(table: OptionTable, c: Candidates, s: PlanSettings) -> None:
    """Raise RunError naming every coupling row that no plan can meet on its own."""
    msgs = precheck_messages(table, c, s)
    if msgs:
        raise RunError("no plan is possible: " + "; ".join(msgs))


def _describe(name: str, shortfall: float, c: Candidates) -> str | None:
    """A violated row of the elastic model, with its shortfall in the row's own units."""
    total = c.total_area
    if name == "budget":
        return f"the budget would have to rise by {cny(shortfall)}"
    if name == "sediment":
        return f"the sediment cap would have to rise by {shortfall:,.0f} t/yr"
    if name == "target":
        return f"the carbon target would have to fall by {shortfall:,.0f} t CO2e"
    if name.startswith("share_"):
        what = name[len("share_"):]
        if shortfall / total < 5e-4:
            return None
        return f"the required {what} area share would have to change by {shortfall / total:.3f}"
    kind, _, what = name.partition("_share_")
    bound = "minimum" if kind == "min" else "maximum"
    verb = "fall" if kind == "min" else "rise"
    if shortfall / total < 5e-4:
        return None
    return f"the {bound} {what} area share would have to {verb} by {shortfall / total:.3f}"


def explain_elastic(c: Candidates, s: PlanSettings) -> str:
    """Solve the elastic model and name the coupling rows that cannot hold together."""
    from optimizer.planning.model import build_from_candidates  # local: model imports candidates only
    from optimizer.planning.solve import solve

    model = build_from_candidates(c, s, elastic=True)
    sol = solve(model, s)
    if sol.status not in ("optimal", "time_limit"):
        return "the constraints cannot all hold together (the elastic diagnosis did not finish)"
    parts = []
    for name, (slack, scale_rhs) in model._slacks.items():
        value = float(pyo.value(slack) or 0.0)
        if value > SLACK_TOL * max(scale_rhs, 1.0):
            row_scale = model._coupling[name][2]
            text = _describe(name, value * row_scale, c)
            if text:
                parts.append(text)
    if not parts:
        return "the constraints cannot all hold together (no single row could be named)"
    return ("the budget, sediment, share and target limits cannot all hold together; the smallest "
            "relaxation that allows a plan: " + "; ".join(parts))
