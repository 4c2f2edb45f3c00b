"""Why each parcel got its option: the runner-up and the constraint that bound the choice.

Re-evaluation of single swaps, with every other parcel kept at its choice in the plan. For a
parcel p with chosen row c and any other row j of p in the option table:

    d_carbon_j = C_j - C_c      (objective carbon [t CO2e]: credited when the table has it, else net)
    d_cost_j   = K_j - K_c      [CNY]

and j is *blocked* by every rule the plan with j in place of c would break:

* filters the model applies before it is built: ``lock`` (lock_in, lock_out, forced option) and
  ``erosion_tolerance`` (the parcel's tolerance, as ``optimizer.planning.candidates.tolerance_of``);
* coupling rows, evaluated on the plan's totals plus the swap's change: ``budget``, ``sediment``,
  ``min_share_<layer>``, ``max_share_<layer>``, ``max_share_<species>``, ``target``.

The **runner-up** is the unblocked row j != c with the best objective (max-carbon: most carbon,
then least cost; min-cost: least cost, then most carbon): the second best for that parcel given
the others. At an optimal plan no unblocked row is better than c; if one is, the plan stopped
within the solver's gap and the row says so (``gap``). The **binding constraint** is what blocks
the best row that beats c on the objective (``bound_by``; several names when several rules block
it; empty when c is already the parcel's best option).

Everything is array arithmetic over the option table rows (no loop over rows or parcels).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from estimators.table import LAYERS, OptionTable
from optimizer.planning.candidates import EPS, lock_mask, parcel_codes, tolerance_of
from optimizer.planning.plan import PlanResult
from optimizer.inputs.settings import PlanSettings

__all__ = ["REASONS", "carbon_column", "explain_plan", "why_frame"]

log = logging.getLogger(__name__)

#: relative tolerance of the swap checks (the solver's feasibility tolerance is about 1e-7)
REL = 1e-7
#: reason names in the order they are listed
REASONS = ("lock", "erosion_tolerance", "budget", "sediment", "target",
           *(f"min_share_{lay}" for lay in LAYERS), *(f"max_share_{lay}" for lay in LAYERS))
WHY_COLUMNS = ("parcel_id", "option_id", "runner_up", "runner_up_d_carbon_tco2e", "runner_up_d_cost_cny",
               "better_option", "better_d_carbon_tco2e", "better_d_cost_cny", "bound_by", "gap", "why")


def carbon_column(rows: pd.DataFrame) -> str:
    """The per-ha carbon column the objective counts: credited carbon when the table has it."""
    return "credited_tco2e_ha" if "credited_tco2e_ha" in rows.columns else "net_tco2e_ha"


def _over(total: float, delta: np.ndarray, limit: float) -> np.ndarray:
    """By how much total + delta exceeds limit (<= 0: within it, up to the feasibility tolerance)."""
    return total + delta - limit - REL * max(abs(limit), 1.0)


def _under(total: float, delta: np.ndarray, limit: float) -> np.ndarray:
    """By how much total + delta falls short of limit (<= 0: it does not)."""
    return limit - (total + delta) - REL * max(abs(limit), 1.0)


def _species_blocks(table: OptionTable, s: PlanSettings, area: np.ndarray, chosen_of_row: np.ndarray,
                    chosen: np.ndarray, total_area: float) -> dict[str, np.ndarray]:
    """max_share_<species> blocks: only species a single swap could push over the cap."""
    if s.max_species_area_share is None:
        return {}
    ms = table.mix_species
    codes = ms.index.get_indexer(table.rows["mix"].to_numpy(dtype=object))
    shares = ms.to_numpy(dtype=float)
    used = (area[chosen, None] * shares[codes[chosen]]).sum(axis=0)
    cap = float(s.max_species_area_share) * total_area
    reach = np.flatnonzero(used + area.max(initial=0.0) > cap)
    out = {}
    for j in reach:
        delta = area * (shares[codes, j] - shares[codes[chosen_of_row], j])
        out[f"max_share_{ms.columns[j]}"] = _over(float(used[j]), delta, cap)
    return out


def blocks(table: OptionTable, s: PlanSettings, chosen: np.ndarray) -> dict[str, np.ndarray]:
    """For every option-table row: which rule a swap to it (others fixed) would break.

    ``chosen`` holds the chosen row of every parcel (parcel order of ``table.parcels``).
    Returns {reason: bool mask over rows}; reasons that block nothing are left out.
    """
    return {k: v > 0 for k, v in excess(table, s, chosen).items() if (v > 0).any()}


def excess(table: OptionTable, s: PlanSettings, chosen: np.ndarray) -> dict[str, np.ndarray]:
    """For every row and rule: by how much a swap to the row (others fixed) breaks the rule.

    Positive = broken: for coupling rows in the row's units (budget CNY, sediment t/yr, target
    t CO2e, shares ha of the layer or species); filters (lock, erosion_tolerance) are 1 or 0.
    """
    rows = table.rows
    codes = parcel_codes(table)
    c = chosen[codes]  # chosen row of each row's parcel
    area = rows["area_ha"].to_numpy(dtype=float)

    def delta(column: str) -> tuple[float, np.ndarray]:
        v = area * rows[column].to_numpy(dtype=float)
        return float(v[chosen].sum()), v - v[c]

    out: dict[str, np.ndarray] = {"lock": (~lock_mask(table, codes)).astype(float)}
    erosion = rows["erosion_t_ha_yr"].to_numpy(dtype=float)
    tol = tolerance_of(table, s)[codes]
    too_much = erosion > tol * (1 + EPS) + EPS
    if s.natural_exempt_from_tolerance:
        too_much &= rows["option_id"].to_numpy(dtype=object) != "natural"
    out["erosion_tolerance"] = too_much.astype(float)
    total_area = float(area[chosen].sum())
    if s.budget_cny is not None:
        out["budget"] = _over(*delta("cost_cny_ha"), float(s.budget_cny))
    if s.max_sediment_t_yr is not None:
        out["sediment"] = _over(*delta("erosion_t_ha_yr"), float(s.max_sediment_t_yr))
    if s.target_tco2e is not None:
        out["target"] = _under(*delta(carbon_column(rows)), float(s.target_tco2e))
    for layer in LAYERS:
        if layer in s.min_area_share:
            out[f"min_share_{layer}"] = _under(*delta(f"{layer}_share"), s.min_area_share[layer] * total_area)
        if layer in s.max_area_share:
            out[f"max_share_{layer}"] = _over(*delta(f"{layer}_share"), s.max_area_share[layer] * total_area)
    out.update(_species_blocks(table, s, area, c, chosen, total_area))
    return out


def _best_per_parcel(codes: np.ndarray, mask: np.ndarray, primary: np.ndarray, secondary: np.ndarray,
                     n: int) -> np.ndarray:
    """Row of each parcel with the largest ``primary`` (then ``secondary``) among ``mask``; -1 if none."""
    idx = np.flatnonzero(mask)
    order = np.lexsort((idx, -secondary[idx], -primary[idx], codes[idx]))
    idx = idx[order]
    first = np.r_[True, codes[idx][1:] != codes[idx][:-1]] if idx.size else np.zeros(0, bool)
    out = np.full(n, -1, dtype=np.int64)
    out[codes[idx[first]]] = idx[first]
    return out


def explain_plan(table: OptionTable, settings: PlanSettings, chosen: np.ndarray) -> pd.DataFrame:
    """One row per parcel (parcel order): runner-up, the best blocked option and what blocks it.

    Parameters
    ----------
    table : the option table the plan was made from
    settings : the plan's settings (objective, budget, limits)
    chosen : option-table row of each parcel's choice, parcel order (``Solution.rows``)

    Returns
    -------
    DataFrame with ``WHY_COLUMNS``: d_* are [t CO2e] and [CNY] of the swap against the chosen
    option; ``bound_by`` is ``;``-joined reason names (empty: the parcel's best option);
    ``gap`` is True when an unblocked better option exists (the plan is within the solver's gap
    of optimal, not proven optimal); ``why`` says it in words.
    """
    rows = table.rows
    codes = parcel_codes(table)
    chosen = np.asarray(chosen, dtype=np.int64)
    area = rows["area_ha"].to_numpy(dtype=float)
    carbon = area * rows[carbon_column(rows)].to_numpy(dtype=float)
    cost = area * rows["cost_cny_ha"].to_numpy(dtype=float)
    c = chosen[codes]
    d_carbon, d_cost = carbon - carbon[c], cost - cost[c]
    if settings.objective == "min-cost":
        d_obj, second = -d_cost, d_carbon
    else:
        d_obj, second = d_carbon, -d_cost
    scale = max(float(np.abs(carbon[chosen]).sum() if settings.objective != "min-cost"
                      else np.abs(cost[chosen]).sum()), 1.0)
    better = d_obj > 1e-9 * scale
    over = excess(table, settings, chosen)
    why = {k: v > 0 for k, v in over.items() if (v > 0).any()}
    blocked = np.zeros(len(rows), dtype=bool)
    for mask in why.values():
        blocked |= mask
    other = np.ones(len(rows), dtype=bool)
    other[chosen] = False
    n = len(table.parcels)
    runner = _best_per_parcel(codes, other & ~blocked, d_obj, second, n)
    best_blocked = _best_per_parcel(codes, other & blocked & better, d_obj, second, n)
    frame = _frame(table, chosen, runner, best_blocked, d_carbon, d_cost, better, why)
    budget_over = np.where(best_blocked >= 0, over["budget"][np.maximum(best_blocked, 0)], np.nan) \
        if "budget" in over else np.full(n, np.nan)
    frame["why"] = [_words(r, b) for r, b in zip(frame.itertuples(index=False), budget_over.tolist())]
    return frame.loc[:, list(WHY_COLUMNS)]


def _reason_names(why: dict[str, np.ndarray], picks: np.ndarray) -> list[str]:
    """';'-joined reasons blocking each picked row ('' for -1)."""
    names = sorted(why, key=lambda k: (REASONS.index(k) if k in REASONS else len(REASONS), k))
    out = []
    for r in picks.tolist():
        out.append("" if r < 0 else ";".join(k for k in names if why[k][r]))
    return out


def _frame(table: OptionTable, chosen: np.ndarray, runner: np.ndarray, best_blocked: np.ndarray,
           d_carbon: np.ndarray, d_cost: np.ndarray, better: np.ndarray,
           why: dict[str, np.ndarray]) -> pd.DataFrame:
    option = table.rows["option_id"].to_numpy(dtype=object)

    def pick(values: np.ndarray, at: np.ndarray, blank: Any) -> np.ndarray:
        out = np.full(at.shape, blank, dtype=object if isinstance(blank, str) else float)
        ok = at >= 0
        out[ok] = values[at[ok]]
        return out

    frame = pd.DataFrame({
        "parcel_id": table.parcels.index.to_numpy(dtype=object),
        "option_id": option[chosen],
        "runner_up": pick(option, runner, ""),
        "runner_up_d_carbon_tco2e": pick(d_carbon, runner, np.nan),
        "runner_up_d_cost_cny": pick(d_cost, runner, np.nan),
        "better_option": pick(option, best_blocked, ""),
        "better_d_carbon_tco2e": pick(d_carbon, best_blocked, np.nan),
        "better_d_cost_cny": pick(d_cost, best_blocked, np.nan),
        "bound_by": _reason_names(why, best_blocked),
        "gap": np.where(runner >= 0, better[np.maximum(runner, 0)], False),
    })
    return frame


def _delta(d_carbon: float, d_cost: float) -> str:
    return f"{d_carbon:+,.0f} t CO2e for {d_cost:+,.0f} CNY"


_LABELS = {"lock": "the parcel's lock or forced option", "erosion_tolerance": "the erosion tolerance",
           "budget": "the budget", "sediment": "the sediment cap", "target": "the carbon target"}


def reason_label(name: str) -> str:
    """Words for a reason name (``min_share_tree`` -> 'the minimum tree area share')."""
    if name in _LABELS:
        return _LABELS[name]
    kind, _, what = name.partition("_share_")
    return f"the {'minimum' if kind == 'min' else 'maximum'} {what.replace('_', ' ')} area share"


def _words(r: Any, budget_over: float) -> str:
    """The 'why' sentence of one parcel (``budget_over``: CNY the best blocked option would
    overspend, NaN when there is no budget)."""
    if r.gap:
        return (f"{r.runner_up} fits with the other parcels' choices and does better "
                f"({_delta(r.runner_up_d_carbon_tco2e, r.runner_up_d_cost_cny)}): the solver stopped within its gap")
    if r.bound_by:
        labels = " and ".join(reason_label(k) for k in r.bound_by.split(";"))
        over = f", {budget_over:,.0f} CNY over the budget" if "budget" in r.bound_by.split(";") else ""
        return (f"bound by {labels}: {r.better_option} would give "
                f"{_delta(r.better_d_carbon_tco2e, r.better_d_cost_cny)}{over}")
    if not r.runner_up:
        return "the only option allowed here"
    return "the best option for this parcel: no constraint bound the choice"


def why_frame(result: PlanResult) -> pd.DataFrame:
    """``explain_plan`` of a solved plan."""
    return explain_plan(result.table, result.settings, result.solution.rows)
