"""Small random option tables with trajectories, and a loop-by-loop reference of the shift rule.

``traj_table`` adds every pool year by year, the cumulative soil loss and the buffer share to a
``tests.optables`` table, consistent with its horizon columns. ``reference_columns`` computes,
with plain Python loops straight from the rule in optimizer/planning/shift.py's docstring, every
(parcel, option, start) choice's carbon, money and sediment: the tests compare the vectorised
columns and the model's optimum against it (exhaustive enumeration).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np

from estimators.table import POOLS, OptionTable
from optables import make_option_table


def traj_table(n_parcels: int, n_options: int, seed: int, *, start_year: int = 2026, horizon_year: int = 2040,
               tolerance: float = 1e9) -> OptionTable:
    """A synthetic option table with pool and soil-loss trajectories for every year."""
    t = make_option_table(n_parcels, n_options, seed, start_year=start_year, horizon_year=horizon_year,
                          tolerance=tolerance)
    rng = np.random.default_rng(seed + 1000)
    rows = t.rows.copy()
    n, span = len(rows), horizon_year - start_year
    age = np.arange(span + 1)[None, :]
    k = rng.uniform(0.05, 0.4, (n, 1))
    lag = rng.integers(0, 4, (n, 1))
    grow = np.clip(1 - np.exp(-k * np.maximum(age - lag, 0)), 0, None)
    grow = grow / grow[:, -1:]
    pools = {}
    for p in ("tree", "shrub", "grass", "soil"):
        pools[p] = rows[f"{p}_tco2e_ha"].to_numpy()[:, None] * grow
    pools["imported"] = np.zeros((n, span + 1))
    pools["biochar"] = np.zeros((n, span + 1))
    pools["erosion"] = rows["erosion_tco2e_ha"].to_numpy()[:, None] * age / span
    pools["works"] = np.repeat(rows["works_tco2e_ha"].to_numpy()[:, None], span + 1, axis=1)
    net = sum(pools[p] for p in ("tree", "shrub", "grass", "soil", "erosion", "works"))
    pct = np.where(rows["option_id"] == "natural", 10.0, rng.choice([10.0, 15.0, 20.0], n))
    pools["buffer"] = -pct[:, None] / 100 * np.maximum(net, 0)
    credited = net + pools["buffer"]
    c = rng.uniform(0.02, 0.3, (n, 1))
    rate = rows["erosion_t_ha_yr"].to_numpy()[:, None]
    loss = rate * span * (1 - np.exp(-c * age)) / (1 - np.exp(-c * span))
    rows["buffer_pct"] = pct
    rows["buffer_tco2e_ha"] = pools["buffer"][:, -1]
    rows["net_tco2e_ha"] = net[:, -1]
    rows["credited_tco2e_ha"] = credited[:, -1]
    rows["erosion_t_ha_yr"] = loss[:, -1] / span
    rows["option_type"] = np.where(rows["option_id"] == "natural", "natural",
                                   np.where(rows["tree_share"] > 0, "woody", "grass"))
    return replace(t, rows=rows, years=np.arange(start_year, horizon_year + 1),
                   net_trajectory=credited.astype(np.float32),
                   pool_trajectory={p: pools[p].astype(np.float32) for p in POOLS},
                   soil_loss_trajectory=loss.astype(np.float32),
                   meta={**t.meta, "counted_pools": [p for p in POOLS if p not in ("imported", "biochar")]})


@dataclass
class Choice:
    """One (option, start) of a parcel, or "not yet" (row = natural row, start None)."""

    row: int
    start: int | None
    period: int | None
    natural: bool
    carbon: dict[int, float]
    spend: list[float]
    worked: float
    sediment: float
    layer: dict[str, float]
    discounted: float = 0.0


def _credit(v: float, pct: float) -> float:
    return v - pct / 100 * max(v, 0.0)


def reference_columns(t: OptionTable, starts: list[int], ends: list[int], years: list[int], *, earliest=None,
                      maintenance_years: int = 5, tolerance=None, allow_defer: bool = False,
                      status=None, discount_rate: float = 0.0) -> list[list[Choice]]:
    """Every choice of every parcel by the rule, one loop at a time (float64 from the float32
    trajectories, as the model reads them)."""
    s0, h = t.start_year, t.horizon_year
    pools = t.pool_trajectory
    counted = [p for p in t.meta["counted_pools"] if p != "buffer"]
    net = sum(pools[p].astype(np.float64) for p in counted)
    kept = pools["soil"].astype(np.float64) + pools["erosion"].astype(np.float64)
    loss = t.soil_loss_trajectory.astype(np.float64)
    rows = t.rows
    m_eff = min(maintenance_years, h - s0)
    money_hi = [b - 1 for b in starts[1:]] + [h]
    out = []
    for p, pid in enumerate(t.parcels.index):
        idx = np.flatnonzero(rows["parcel_id"].to_numpy() == pid)
        nat = int(idx[rows["option_id"].to_numpy()[idx] == "natural"][0])
        area = float(t.parcels["area_ha"].iloc[p])
        e = earliest[p] if earliest is not None and not np.isnan(earliest[p]) else s0
        o = int(max(s0, e))
        tol = np.inf if tolerance is None else tolerance[p]
        st = "" if status is None else status[p]

        def untreated(y: int) -> float:
            return 0.0 if y < o else _credit(net[nat, y - o], rows["buffer_pct"].iloc[nat])

        def ok_tol(value: float) -> bool:
            return value <= tol * (1 + 1e-9) + 1e-9

        choices = []
        for r in idx:
            is_nat = r == nat
            if (st == "lock_out" and not is_nat) or (st == "lock_in" and is_nat):
                continue
            for k, (a, b) in enumerate(zip(starts, ends)):
                s = max(a, o)
                if s > b:
                    continue
                if is_nat:
                    if not ok_tol(loss[nat, h - o] / (h - o)):
                        continue
                elif not ok_tol(loss[r, h - s] / (h - s)):
                    continue
                carbon = {}
                for y in years:
                    if is_nat or y < s:
                        carbon[y] = area * untreated(y)
                    else:
                        carbon[y] = area * _credit(kept[nat, s - o] + net[r, y - s], rows["buffer_pct"].iloc[r])
                rate = rows["maintenance_cny_ha"].iloc[r] / m_eff
                spend = [0.0] * len(starts)
                spend[k] += area * rows["capital_cny_ha"].iloc[r]
                disc = area * rows["capital_cny_ha"].iloc[r] / (1 + discount_rate) ** (s - s0)
                for y in range(s + 1, min(s + m_eff, h) + 1):
                    kk = max(i for i, a2 in enumerate(starts) if a2 <= y)
                    assert y <= money_hi[kk]
                    spend[kk] += area * rate
                    disc += area * rate / (1 + discount_rate) ** (y - s0)
                if is_nat:
                    sed = area * loss[nat, h - o] / (h - s0)
                else:
                    sed = area * (loss[nat, s - o] + loss[r, h - s]) / (h - s0)
                layer = {lay: area * rows[f"{lay}_share"].iloc[r] for lay in ("tree", "shrub", "grass")}
                choices.append(Choice(int(r), s, k, bool(is_nat), carbon, spend, 0.0 if is_nat else area, sed, layer,
                                      disc))
        late = all(max(a, o) > b for a, b in zip(starts, ends))
        if (allow_defer or late) and st != "lock_in" and ok_tol(loss[nat, h - o] / (h - o)):
            carbon = {y: area * untreated(y) for y in years}
            choices.append(Choice(nat, None, None, True, carbon, [0.0] * len(starts), 0.0,
                                  area * loss[nat, h - o] / (h - s0),
                                  {lay: area * rows[f"{lay}_share"].iloc[nat] for lay in ("tree", "shrub", "grass")}))
        out.append(choices)
    return out


def enumerate_best(choices: list[list[Choice]], objective, feasible) -> tuple[float | None, tuple | None]:
    """Best objective over every combination of one choice per parcel (None when none is feasible).

    ``objective(plan)`` and ``feasible(plan)`` take a tuple of Choice, one per parcel.
    """
    best, arg = None, None
    for plan in itertools.product(*choices):
        if feasible(plan):
            v = objective(plan)
            if best is None or v > best + 1e-9:
                best, arg = v, plan
    return best, arg
