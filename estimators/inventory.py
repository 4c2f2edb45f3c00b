"""Calibrate species growth curves from plot inventory data.

The seed review recommends fitting several growth forms to the same inventory and choosing by
error (Zhang Jinglu et al. 2023 found Schumacher best for Tianshan spruce; vegetation.md
section 2).  ``calibrate`` does that per species with ``estimators.growth.fit_all`` and returns
the chosen form's parameters in species.csv's ``growth_*`` columns, so the result can replace
those columns of the species table.

Choice rule, per species: the lowest-AIC fit among converged fits without warnings; if every
converged fit has warnings, the lowest-AIC converged fit and its warnings are kept; if no form
converged (e.g. fewer than two points), the row has an empty ``growth_model``, NaN parameters
and a warning saying why.  Pure: no I/O.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from estimators.fitting import FitResult, fit_all, free_params

log = logging.getLogger(__name__)

BASES = ("volume_m3_ha", "biomass_t_ha", "carbon_t_ha")
GROWTH_COLUMNS = ("growth_a", "growth_b", "growth_k", "growth_c", "growth_t0")
OUTPUT_COLUMNS = ("species", "growth_model", "growth_basis", *GROWTH_COLUMNS,
                  "aic", "rmse", "r2", "n", "models_tried", "warnings")


def calibrate(rows: pd.DataFrame, models: Iterable[str] | None = None) -> pd.DataFrame:
    """Fit every growth form to each species' inventory and keep the best by AIC.

    Parameters
    ----------
    rows : DataFrame
        Columns ``species`` (key), ``age`` [years], ``value`` [basis units] and optionally
        ``basis`` (volume_m3_ha, biomass_t_ha or carbon_t_ha; blank or missing = volume_m3_ha;
        one basis per species).
    models : iterable of str, optional
        Growth forms to try (default: all of ``estimators.growth.MODELS``).

    Returns
    -------
    DataFrame
        One row per species (in order of first appearance) with columns ``species``,
        ``growth_model`` (empty when nothing could be fitted), ``growth_basis``, ``growth_a``,
        ``growth_b``, ``growth_k``, ``growth_c``, ``growth_t0`` (NaN where the form has no such
        parameter), ``aic``, ``rmse``, ``r2``, ``n``, ``models_tried`` (``form:AIC`` joined
        by ``;``, best first, ``form:failed`` for forms that did not converge) and ``warnings``
        (joined by ``; ``).

    Raises
    ------
    ValueError
        Missing columns, an unknown basis, several bases for one species, or non-finite /
        negative ages and values.
    """
    frame = _validated(rows)
    model_list = None if models is None else list(models)
    out = [_species_row(str(name), group, model_list)
           for name, group in frame.groupby("species", sort=False)]
    return pd.DataFrame(out, columns=list(OUTPUT_COLUMNS))


def _validated(rows: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("species", "age", "value") if c not in rows.columns]
    if missing:
        raise ValueError(f"inventory rows lack column(s) {', '.join(missing)}")
    frame = rows.copy()
    frame["age"] = pd.to_numeric(frame["age"], errors="coerce").astype(float)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    if not (np.isfinite(frame["age"]).all() and np.isfinite(frame["value"]).all()):
        raise ValueError("inventory ages and values must be numbers")
    if (frame["age"] < 0).any():
        raise ValueError("inventory ages must be >= 0")
    basis = frame["basis"] if "basis" in frame.columns else pd.Series("", index=frame.index)
    frame["basis"] = basis.fillna("").astype(str).str.strip().replace("", BASES[0])
    unknown = sorted(set(frame["basis"]) - set(BASES))
    if unknown:
        raise ValueError(f"unknown basis {', '.join(unknown)} (valid: {', '.join(BASES)})")
    mixed = frame.groupby("species", sort=False)["basis"].nunique()
    if (mixed > 1).any():
        raise ValueError(f"species {', '.join(map(str, mixed.index[mixed > 1]))} mix several bases")
    return frame


def choose(results: list[FitResult]) -> FitResult | None:
    """Best AIC among clean converged fits, else among converged fits, else None."""
    converged = [r for r in results if r.converged and math.isfinite(r.aic)]
    clean = [r for r in converged if not r.warnings]
    pool = clean or converged
    return min(pool, key=lambda r: r.aic) if pool else None


def _species_row(species: str, group: pd.DataFrame, models: list[str] | None) -> dict[str, object]:
    age = group["age"].to_numpy()
    value = group["value"].to_numpy()
    results = fit_all(age, value, models)
    best = choose(results)
    row: dict[str, object] = {"species": species, "growth_basis": group["basis"].iloc[0],
                              "n": int(age.size), "models_tried": _tried(results)}
    if best is None:
        log.info("no growth form could be fitted for %s", species)
        row.update(growth_model="", aic=math.nan, rmse=math.nan, r2=math.nan,
                   warnings=_why_none(results, int(age.size)),
                   **{c: math.nan for c in GROWTH_COLUMNS})
        return row
    row.update(growth_model=best.model, aic=best.aic, rmse=best.rmse, r2=best.r2,
               warnings="; ".join(best.warnings),
               **{c: float(best.params.get(c.removeprefix("growth_"), math.nan)) for c in GROWTH_COLUMNS})
    return row


def _why_none(results: list[FitResult], n: int) -> str:
    fewest = min(len(free_params(r.model)) for r in results)
    if n < fewest:
        return f"no growth form could be fitted: only {n} point(s), every form tried needs at least {fewest}"
    reasons = sorted({f"{r.model}: {r.warnings[0]}" for r in results if r.warnings})
    return "; ".join(["no growth form converged"] + reasons)


def _tried(results: list[FitResult]) -> str:
    return ";".join(f"{r.model}:{r.aic:.4g}" if r.converged and math.isfinite(r.aic) else f"{r.model}:failed"
                    for r in results)
