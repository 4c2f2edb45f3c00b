"""The accounting policy of a project: data/accounting.csv defaults plus project.toml [accounting].

Every key of data/accounting.csv (with its source) may be set in the project's ``[accounting]``
table; ``policy_from(table)`` checks the values and returns an
``estimators.accounting.AccountingPolicy``.  ``describe(policy)`` gives the report's lines, with
the choices that depart from the conservative defaults marked.
"""

from __future__ import annotations

import functools
import math
from dataclasses import fields
from typing import Any, Callable

import pandas as pd

from estimators.accounting import AccountingPolicy
from optimizer.inputs.csvio import read_csv
from optimizer.inputs.data import data_file
from optimizer.errors import InputError

__all__ = ["defaults_table", "default_policy", "policy_from", "describe", "CHOICES"]

#: Text settings and their allowed values (the first is the conservative default's kind).
CHOICES: dict[str, tuple[str, ...]] = {
    "imported_carbon": ("exclude", "include"),
    "biochar": ("exclude", "credit"),
    "soc_cap": ("ipcc_reference", "none"),
}
#: Numeric settings and their allowed closed ranges.
RANGES: dict[str, tuple[float, float]] = {
    "buffer_pct": (0.0, 100.0), "haul_distance_km": (0.0, 5000.0), "haul_kg_co2_t_km": (0.0, 5.0),
    "diesel_kg_co2_l": (0.0, 10.0), "n2o_ef1": (0.0, 1.0), "n2o_frac_gasm": (0.0, 1.0), "n2o_ef4": (0.0, 1.0),
    "n2o_frac_leach": (0.0, 1.0), "n2o_ef5": (0.0, 1.0), "gwp_n2o": (0.0, 1000.0), "deep_fraction": (0.0, 1.0),
    "deep_start_yr": (0.0, 200.0), "growth_boost_fade_yr": (0.01, 200.0), "f_emit": (0.0, 1.0),
}


def defaults_table() -> pd.DataFrame:
    """data/accounting.csv: key, value, unit, source, notes."""
    return read_csv(data_file("accounting.csv"), required=("key", "value"), label="accounting.csv")


def _convert(key: str, value: Any, fail: Callable[[str], InputError]) -> Any:
    """One setting checked and converted (text choice, number in range, or blank buffer)."""
    if key in CHOICES:
        text = str(value).strip()
        if text not in CHOICES[key]:
            raise fail(f"expected one of {', '.join(repr(c) for c in CHOICES[key])}, got {value!r}")
        return text
    if key == "buffer_pct" and (value is None or (isinstance(value, str) and not value.strip())):
        return None
    if isinstance(value, bool):
        raise fail(f"expected a number, got true/false {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise fail(f"expected a number, got {value!r}") from None
    lo, hi = RANGES[key]
    if not math.isfinite(number) or not lo <= number <= hi:
        raise fail(f"{value!r} is outside the plausible range {lo:g} to {hi:g}")
    return number


def _csv_error(message: str, row: int) -> InputError:
    return InputError.at("accounting.csv", message, row, "value")


def default_policy() -> AccountingPolicy:
    """The policy of data/accounting.csv (conservative)."""
    table = defaults_table()
    known = {f.name for f in fields(AccountingPolicy)}
    values = {}
    for i, (key, value) in enumerate(zip(table["key"], table["value"])):
        if key not in known:
            raise InputError.at("accounting.csv", f"unknown setting '{key}'", i + 2, "key")
        values[key] = _convert(key, value, functools.partial(_csv_error, row=i + 2))
    return AccountingPolicy(**values)


def policy_from(table: dict[str, Any] | None,
                error: Callable[[str | None, str], InputError] | None = None) -> AccountingPolicy:
    """The default policy with a project's ``[accounting]`` settings applied.

    ``error(key, message)`` builds the InputError naming project.toml's line (default: plain).
    """
    def fail_for(key: str | None) -> Callable[[str], InputError]:
        if error is not None:
            return lambda m: error(key, m)
        return lambda m: InputError(f"project.toml, [accounting] {key or ''}: {m}")

    base = default_policy()
    known = [f.name for f in fields(AccountingPolicy)]
    changes = {}
    for key, value in dict(table or {}).items():
        if key not in known:
            raise fail_for(key)(f"unknown key '{key}' (expected one of: {', '.join(known)})")
        changes[key] = _convert(key, value, fail_for(key))
    return AccountingPolicy(**{**base.to_dict(), **changes})


def describe(policy: AccountingPolicy) -> list[tuple[str, str, bool]]:
    """(setting, value, departs from the conservative default) for the report's policy table."""
    base = default_policy()
    rows = []
    for key, value in policy.to_dict().items():
        shown = "by region and option type (buffer.csv)" if key == "buffer_pct" and value is None else f"{value}"
        rows.append((key, shown, value != getattr(base, key)))
    return rows
