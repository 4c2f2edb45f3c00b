"""Parameter ensembles: distributions as data, Latin hypercube draws, one draw applied to copies of
the parameter tables.

Every uncertain parameter is a *multiplier* m on the value the tables hold (data/uncertainty.csv):

* ``lognormal`` : mean ``center``, coefficient of variation ``cv``:
  ln m ~ N(ln center - s^2/2, s^2), s^2 = ln(1 + cv^2);
* ``normal``    : m = center (1 + cv z), z ~ N(0, 1) truncated to |z| <= 3 (symmetric: mean kept);
* ``uniform``   : m ~ U(low, high);
* ``triangular``: m ~ Tri(low, center (mode), high).

A draw with zero spread (cv = 0, or low = high = center) is exactly ``center``; with center 1 every
table is left bit for bit as it was, so the estimate reproduces the deterministic one.

``key`` of a distribution row says how draws are shared (correlation where it is obvious):
``each`` = one independent draw per row key of the target table (one draw of a species' growth
applies to every parcel planting it), ``all`` = one draw for every row, or a row key = that row's
own draw (overrides ``each``/``all`` for it).

Pure functions: no I/O, no optimiser imports.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats
from scipy.stats import qmc

__all__ = ["DISTRIBUTIONS", "TARGETS", "Target", "Layout", "layout", "sample", "apply_draw", "multipliers"]

Array = NDArray[np.float64]
DISTRIBUTIONS = ("lognormal", "normal", "uniform", "triangular")
_Z_TRUNC = 3.0


@dataclass(frozen=True)
class Target:
    """Where a parameter lives: a catalogue table's columns (keyed by ``key``) or a settings field.

    mode "scale": value x m; "boost": 1 + (value - 1) x m (an amendment's growth boost).
    ``table`` "settings" / "policy" name a field of EstimateSettings / its AccountingPolicy.
    """

    table: str
    columns: tuple[str, ...]
    key: str | None = None
    mode: str = "scale"
    rows: str | None = None  # substring a row key must contain (cost items in CNY)


TARGETS: dict[str, Target] = {
    "growth_a": Target("species", ("growth_a", "growth_cap"), "species"),
    "growth_k": Target("species", ("growth_k",), "species"),
    "root_shoot": Target("species", ("root_shoot",), "species"),
    "carbon_fraction": Target("species", ("carbon_fraction",), "species"),
    "litter_turnover": Target("species", ("turnover_yr",), "species"),
    "amendment_boost": Target("amendments", ("productivity_multiplier",), "amendment", "boost"),
    "erosivity_r": Target("regions", ("r_factor",), "region"),
    "erodibility_k": Target("regions", ("k_factor",), "region"),
    "buffer_pct": Target("buffer", ("buffer_pct",), "option_type"),
    "unit_cost": Target("costs", ("cny",), "item", rows="cny"),
    "cost_overrun": Target("costs", ("cny",), "item", rows="cny"),
    "rothc_rate": Target("settings", ("rothc_rate_multiplier",)),
    "deep_fraction": Target("policy", ("deep_fraction",)),
    "f_emit": Target("policy", ("f_emit",)),
}


@dataclass(frozen=True)
class Layout:
    """The dimensions of an ensemble and, per parameter, which dimension each table row takes.

    dims : DataFrame, one row per dimension (parameter, key, distribution, center, cv, low, high),
        in a fixed order (parameters as in the distribution table, keys in table order)
    rows : parameter -> int array over the target table's rows (-1 = no draw, multiplier 1);
        for settings/policy targets an array of one element
    """

    dims: pd.DataFrame
    rows: dict[str, NDArray[np.intp]]

    @property
    def names(self) -> list[str]:
        """``parameter:key`` label of every dimension."""
        return [f"{p}:{k}" for p, k in zip(self.dims["parameter"], self.dims["key"])]


def _row_keys(tables: Mapping[str, pd.DataFrame], target: Target) -> NDArray[np.object_]:
    frame = tables[target.table]
    if target.key not in frame.columns:
        return np.zeros(0, dtype=object)
    return frame[target.key].astype(str).to_numpy(dtype=object)


def layout(spec: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> Layout:
    """Dimensions of the ensemble for distribution table ``spec`` over the catalogue ``tables``.

    Parameters
    ----------
    spec : DataFrame with columns parameter, key, distribution, center, cv, low, high
    tables : catalogue table name -> DataFrame (species, amendments, regions, buffer, costs)

    Raises ValueError on an unknown parameter, distribution or key.
    """
    dims: list[dict[str, Any]] = []
    rows: dict[str, NDArray[np.intp]] = {}
    for parameter, group in spec.groupby("parameter", sort=False):
        target = TARGETS.get(str(parameter))
        if target is None:
            raise ValueError(f"unknown parameter '{parameter}' (expected one of {', '.join(TARGETS)})")
        keys = [str(k) for k in group["key"]]
        if target.table in ("settings", "policy"):
            if keys != ["all"]:
                raise ValueError(f"parameter '{parameter}' takes one row with key 'all'")
            rows[str(parameter)] = np.array([len(dims)], dtype=np.intp)
            dims.append(_dim(group.iloc[0], "all"))
            continue
        if "each" in keys and "all" in keys:
            raise ValueError(f"parameter '{parameter}': keys 'each' and 'all' exclude each other")
        row_keys = _row_keys(tables, target)
        eligible = np.array([target.rows is None or target.rows in k for k in row_keys], dtype=bool)
        index = np.full(len(row_keys), -1, dtype=np.intp)
        specific = {k: r for k, r in zip(keys, group.itertuples(index=False)) if k not in ("each", "all")}
        unknown = sorted(set(specific) - set(row_keys[eligible]))
        if unknown:
            raise ValueError(f"parameter '{parameter}': unknown key '{unknown[0]}'")
        general = group[group["key"].isin(["each", "all"])]
        if len(general):
            row = general.iloc[0]
            if row["key"] == "all":
                mask = eligible & ~np.isin(row_keys, list(specific))
                if mask.any():
                    index[mask] = len(dims)
                    dims.append(_dim(row, "all"))
            else:
                for k in dict.fromkeys(row_keys[eligible]):  # each distinct key, table order
                    if k not in specific:
                        index[row_keys == k] = len(dims)
                        dims.append(_dim(row, k))
        for k, r in specific.items():
            index[row_keys == k] = len(dims)
            dims.append(_dim(pd.Series(r._asdict()), k))
        rows[str(parameter)] = index
    return Layout(pd.DataFrame(dims, columns=["parameter", "key", "distribution", "center", "cv", "low", "high"]),
                  rows)


def _dim(row: pd.Series, key: str) -> dict[str, Any]:
    dist = str(row["distribution"])
    if dist not in DISTRIBUTIONS:
        raise ValueError(f"parameter '{row['parameter']}': unknown distribution '{dist}'")

    def num(name: str, default: float) -> float:
        value = pd.to_numeric(row.get(name), errors="coerce")
        return default if pd.isna(value) else float(value)

    center = num("center", 1.0)
    return {"parameter": str(row["parameter"]), "key": key, "distribution": dist, "center": center,
            "cv": num("cv", 0.0), "low": num("low", center), "high": num("high", center)}


def multipliers(dims: pd.DataFrame, u: Array) -> Array:
    """Multipliers (n, d) from uniform numbers ``u`` (n, d) in (0, 1) by each dimension's
    inverse distribution function (see the module docstring)."""
    out = np.empty_like(u, dtype=float)
    for j, d in enumerate(dims.itertuples(index=False)):
        col = u[:, j]
        if d.distribution == "lognormal":
            s = np.sqrt(np.log1p(d.cv ** 2))
            out[:, j] = d.center if s == 0 else np.exp(np.log(d.center) - s * s / 2 + s * stats.norm.ppf(col))
        elif d.distribution == "normal":
            lo, hi = stats.norm.cdf(-_Z_TRUNC), stats.norm.cdf(_Z_TRUNC)
            z = stats.norm.ppf(lo + (hi - lo) * col)
            out[:, j] = d.center if d.cv == 0 else d.center * (1.0 + d.cv * z)
        elif d.distribution == "uniform":
            out[:, j] = d.low if d.high == d.low else d.low + (d.high - d.low) * col
        else:
            width = d.high - d.low
            out[:, j] = d.center if width == 0 else stats.triang.ppf(col, (d.center - d.low) / width,
                                                                      loc=d.low, scale=width)
    if (out < 0).any():
        bad = dims.iloc[int(np.flatnonzero((out < 0).any(axis=0))[0])]
        raise ValueError(f"parameter '{bad['parameter']}' draws negative multipliers")
    return out


def sample(dims: pd.DataFrame, n: int, seed: int) -> Array:
    """``n`` Latin hypercube draws (n, d) of the multipliers, reproducible with ``seed``."""
    if n < 1:
        raise ValueError("the number of draws must be at least 1")
    if len(dims) == 0:
        return np.ones((n, 0))
    u = qmc.LatinHypercube(d=len(dims), rng=np.random.default_rng(seed)).random(n)
    return multipliers(dims, u)


def _factor(index: NDArray[np.intp], draw: Array) -> Array:
    return np.where(index >= 0, draw[np.maximum(index, 0)], 1.0)


def apply_draw(lay: Layout, draw: Array, tables: Mapping[str, pd.DataFrame], settings: Any) -> tuple[dict[str, pd.DataFrame], Any]:
    """Copies of ``tables`` and ``settings`` (EstimateSettings) with one draw (d,) applied.

    Tables no parameter touches are shared, not copied; a multiplier of exactly 1 leaves a value
    bit for bit unchanged.
    """
    out = dict(tables)
    copied: set[str] = set()
    policy_changes: dict[str, float] = {}
    setting_changes: dict[str, float] = {}
    for parameter, index in lay.rows.items():
        target = TARGETS[parameter]
        if target.table == "policy":
            policy_changes[target.columns[0]] = float(getattr(settings.accounting, target.columns[0])) * draw[index[0]]
            continue
        if target.table == "settings":
            setting_changes[target.columns[0]] = float(getattr(settings, target.columns[0])) * draw[index[0]]
            continue
        if target.table not in copied:
            out[target.table] = out[target.table].copy()
            copied.add(target.table)
        f = _factor(index, draw)
        frame = out[target.table]
        for col in target.columns:
            if col not in frame.columns:
                continue
            value = frame[col].to_numpy(dtype=float)
            new = value * f if target.mode == "scale" else np.where(f == 1.0, value, 1.0 + (value - 1.0) * f)
            frame[col] = new
        if parameter == "buffer_pct" and settings.accounting.buffer_pct is not None:
            policy_changes["buffer_pct"] = float(settings.accounting.buffer_pct) * float(f.mean() if f.size else 1.0)
    if policy_changes:
        settings = replace(settings, accounting=replace(settings.accounting, **policy_changes))
    if setting_changes:
        settings = replace(settings, **setting_changes)
    return out, settings
