"""Option trajectories shifted by start year: the (option, start) columns of a phased plan.

The option table holds, for every parcel x option, each pool year by year from works in the
start year S0 (``OptionTable.pool_trajectory``, ``soil_loss_trajectory``). A phased plan may
start an option in a later year s; nothing is re-estimated, the trajectories are shifted.

Rule for a parcel p released at o_p = max(S0, earliest_year_p), an option started in year s and
its credited carbon at year Y (t CO2e/ha, all counted pools, "at Y" = after Y - S0 years)::

    Y < o_p        0                                  (still mined: outside the project)
    o_p <= Y < s   U(Y - o_p)                         (untreated: natural recovery, which
                                                       includes the untreated parcel's erosion)
    Y >= s         g(K(s - o_p) + N(Y - s), b)        (works done)

with U the credited natural-recovery trajectory of p (buffer applied), N the option's net
trajectory (counted pools before the buffer), b its buffer share and g(v, b) = v - b max(v, 0).
K(d) = soil + erosion pools of the natural trajectory after d untreated years: the soil carbon
gained or lost and the eroded carbon stay as they were at the works, while the spontaneous
vegetation is cleared by them (regrading, amendments and planting start from bare ground, as the
option's own trajectory assumes), so its carbon is not carried over. Natural recovery "started"
in s (closing the land) keeps U throughout; a deferred parcel ("not yet") keeps U and costs
nothing within the schedule.

Money: capital in the year s; maintenance (``maintenance_cny_ha`` / min(m, H - S0) per year, m =
costs.csv maintenance_years) in the years s+1 .. min(s+m, H). Soil loss: L(a) cumulative
[t/ha]; the erosion tolerance applies to the option from its works, L(H - s) / (H - s); the
sediment total counts the untreated years too, (L_U(s - o_p) + L(H - s)) / (H - S0) [t/ha/yr].
With s = S0 and no earliest year every figure equals the option table's own.

``build_columns`` filters (locks, forced options, earliest year, erosion tolerance per start) and
drops options dominated at every start (``prune_options``) before expanding them to columns;
everything is numpy over rows and periods.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from estimators.table import LAYERS, POOLS, OptionTable
from optimizer.planning.candidates import EPS, lock_mask, parcel_codes, species_areas, tolerance_of
from optimizer.planning.dominance import dominated
from optimizer.errors import InputError, RunError
from optimizer.inputs.schedule_spec import ScheduleSpec
from optimizer.inputs.settings import PlanSettings

log = logging.getLogger(__name__)

NATURAL = "natural"
#: pools the works keep from the untreated years (the vegetation is cleared)
KEPT_POOLS = ("soil", "erosion")
#: period code of a deferred column ("not yet")
DEFER = -1


@dataclass
class Trajectories:
    """What shifting needs per option row, at ages 0..A (A = horizon - start) since the works."""

    net: np.ndarray  # (R, A+1) counted pools before the buffer [t CO2e/ha]
    kept: np.ndarray  # (R, A+1) soil + erosion pools [t CO2e/ha]
    loss: np.ndarray  # (R, A+1) cumulative soil loss [t/ha]
    pct: np.ndarray  # (R,) reversal buffer [%]
    codes: np.ndarray  # (R,) parcel code
    natural: np.ndarray  # (R,) bool: natural recovery rows
    natural_row: np.ndarray  # (P,) row of each parcel's natural recovery
    start_year: int
    horizon_year: int

    @property
    def n_years(self) -> int:
        return self.horizon_year - self.start_year


def credit(net: np.ndarray, pct: np.ndarray) -> np.ndarray:
    """Credited from net: g(v, b) = v - b/100 max(v, 0) (estimators.accounting.buffer_tco2e)."""
    return net - pct / 100.0 * np.maximum(net, 0.0)


def trajectories(table: OptionTable) -> Trajectories:
    """Net, kept and soil-loss trajectories of every row (needs an estimate with trajectories)."""
    if table.pool_trajectory is None or table.soil_loss_trajectory is None:
        raise ValueError("the option table has no trajectories: estimate with EstimateSettings(trajectory=True)")
    years = np.asarray(table.years)
    if not np.array_equal(years, np.arange(table.start_year, table.horizon_year + 1)):
        raise ValueError("the option table's trajectories must hold every year from start to horizon")
    counted = table.meta.get("counted_pools") or [p for p in POOLS if p not in ("imported", "biochar")]
    pools = table.pool_trajectory
    net = np.zeros(pools["tree"].shape, dtype=np.float32)
    for pool in counted:
        if pool != "buffer":
            net += pools[pool]
    kept = np.zeros_like(net)
    for pool in KEPT_POOLS:
        if pool in counted:
            kept += pools[pool]
    codes = parcel_codes(table)
    natural = table.rows["option_id"].to_numpy(dtype=object) == NATURAL
    natural_row = np.full(len(table.parcels), -1)
    natural_row[codes[natural]] = np.flatnonzero(natural)
    if (natural_row < 0).any():
        raise ValueError("every parcel needs a natural recovery row")
    if "buffer_pct" not in table.rows.columns:
        raise ValueError("the option table lacks the buffer_pct column")
    return Trajectories(net=net, kept=kept, loss=np.asarray(table.soil_loss_trajectory, dtype=np.float32),
                        pct=table.rows["buffer_pct"].to_numpy(dtype=float), codes=codes, natural=natural,
                        natural_row=natural_row, start_year=int(table.start_year),
                        horizon_year=int(table.horizon_year))


@dataclass
class Columns:
    """The (parcel, option, start) choices of a phased plan, as arrays aligned by column.

    Columns of one parcel are contiguous (parcel order, then period, then option-table order;
    a deferred column last). Totals are per column (area x per ha): ``carbon[:, j]`` credited
    t CO2e of the parcel at ``years[j]``, ``spend[:, k]`` CNY in period k, ``capital``,
    ``maintenance`` and ``discounted`` CNY, ``worked_area`` ha of active works (0 for natural
    recovery and deferral), ``sediment`` t/yr (mean over start..horizon, untreated years
    included), ``untreated_loss`` t of soil lost before the works (or the land's closure; the
    whole span for a deferred parcel), layer and species areas [ha].
    """

    parcel: np.ndarray
    row: np.ndarray  # option-table row (the natural row for a deferred column)
    period: np.ndarray  # period code, DEFER for "not yet"
    start: np.ndarray  # start year (0 when deferred)
    natural: np.ndarray  # natural recovery (closing the land) or deferred
    years: tuple[int, ...]
    carbon: np.ndarray
    spend: np.ndarray
    capital: np.ndarray
    maintenance: np.ndarray
    discounted: np.ndarray
    worked_area: np.ndarray
    sediment: np.ndarray
    untreated_loss: np.ndarray
    layer_area: dict[str, np.ndarray]
    species_area: dict[str, np.ndarray]
    parcel_ids: np.ndarray
    parcel_area: np.ndarray
    n_rows_allowed: int = 0  # option rows allowed by locks (before pruning and expansion)
    n_options_kept: int = 0  # option rows kept by the option-level pruning
    n_columns_built: int = 0  # columns before the per-start pruning
    notes: list[str] = field(default_factory=list)

    @property
    def n_parcels(self) -> int:
        return int(self.parcel_ids.size)

    @property
    def size(self) -> int:
        return int(self.parcel.size)

    @property
    def total_area(self) -> float:
        return float(self.parcel_area.sum())

    @property
    def deferred(self) -> np.ndarray:
        return self.period == DEFER

    def year_index(self, year: int) -> int:
        return self.years.index(int(year))

    def subset(self, keep: np.ndarray) -> "Columns":
        """The columns where ``keep`` is true (order kept)."""
        out = Columns(**{k: v for k, v in self.__dict__.items()})
        for name in ("parcel", "row", "period", "start", "natural", "carbon", "spend", "capital", "maintenance",
                     "discounted", "worked_area", "sediment", "untreated_loss"):
            setattr(out, name, getattr(self, name)[keep])
        out.layer_area = {k: v[keep] for k, v in self.layer_area.items()}
        out.species_area = {k: v[keep] for k, v in self.species_area.items()}
        return out


def origins(earliest: np.ndarray, start_year: int) -> np.ndarray:
    """Year each parcel can first be worked: max(start, earliest_year); blank = start."""
    e = np.asarray(earliest, dtype=float)
    return np.where(np.isnan(e), start_year, np.maximum(e, start_year)).astype(np.int64)


def period_starts(spec: ScheduleSpec, origin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start year of works per (parcel, period): max(period start, release), and whether the
    period allows it (release no later than the period's last works year)."""
    starts = np.asarray(spec.starts)[None, :]
    s = np.maximum(starts, origin[:, None])
    return s, s <= np.asarray(spec.ends)[None, :]


def money_spans(spec: ScheduleSpec, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """First and last year whose money each period pays (the last period up to the horizon)."""
    lo = np.asarray(spec.starts)
    hi = np.r_[lo[1:] - 1, horizon]
    return lo, hi


def maintenance_counts(start: np.ndarray, spec: ScheduleSpec, horizon: int, years: int) -> np.ndarray:
    """(n, K) maintenance years of works started in ``start`` falling in each period's money span:
    the years start+1 .. min(start + years, horizon)."""
    lo, hi = money_spans(spec, horizon)
    first = start[:, None] + 1
    last = np.minimum(start + years, horizon)[:, None]
    return np.maximum(0, np.minimum(last, hi[None, :]) - np.maximum(first, lo[None, :]) + 1)


def annuity(start: np.ndarray, years: np.ndarray, rate: float, start_year: int) -> np.ndarray:
    """sum_{y = start+1}^{start+years} (1 + rate)^-(y - start_year)."""
    v = 1.0 / (1.0 + rate)
    if rate == 0.0:
        return years.astype(float)
    return v ** (start - start_year) * v * (1.0 - v ** years) / (1.0 - v)


def carbon_at(traj: Trajectories, row: np.ndarray, parcel: np.ndarray, start: np.ndarray,
              natural: np.ndarray, origin: np.ndarray, year: int) -> np.ndarray:
    """Credited t CO2e/ha at ``year`` of columns (row, start) by the module's rule."""
    nat = traj.natural_row[parcel]
    o = origin[parcel]
    age_u = year - o
    untreated = np.where(age_u >= 0, credit(traj.net[nat, np.clip(age_u, 0, traj.n_years)].astype(float),
                                            traj.pct[nat]), 0.0)
    age = year - start
    done = ~natural & (age >= 0)
    d = np.clip(start - o, 0, traj.n_years)
    works = credit(traj.kept[nat, d].astype(float) + traj.net[row, np.clip(age, 0, traj.n_years)].astype(float),
                   traj.pct[row])
    return np.where(done, works, untreated)


def _loss_after(traj: Trajectories, row: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Mean annual soil loss [t/ha/yr] of the option from its works to the horizon."""
    span = traj.horizon_year - start
    return traj.loss[row, span].astype(float) / span


def _untreated_loss(traj: Trajectories, parcel: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Cumulative soil loss [t/ha] of the untreated parcel after ``years`` years."""
    return traj.loss[traj.natural_row[parcel], np.clip(years, 0, traj.n_years)].astype(float)


def _active_shares(table: OptionTable, rows: np.ndarray, codes: np.ndarray, settings: PlanSettings,
                   area: np.ndarray) -> tuple[list[tuple[str, np.ndarray, int]], dict[str, np.ndarray]]:
    """Share criteria that can bind over ``rows`` (layer min/max and species caps).

    Returns ([(name, per-row area, sign)], species areas of binding species); sign +1 for a
    minimum (more is better), -1 for a cap.
    """
    n = len(table.parcels)
    total = float(table.parcels["area_ha"].sum()) if "area_ha" in table.parcels else float(area.sum())

    def extreme(values: np.ndarray, how: str) -> float:
        out = np.full(n, -np.inf if how == "max" else np.inf)
        (np.maximum if how == "max" else np.minimum).at(out, codes[rows], values)
        return float(out[np.isfinite(out)].sum())

    crit = []
    for layer in LAYERS:
        values = area * table.rows[f"{layer}_share"].to_numpy(dtype=float)[rows]
        lo = dict(settings.min_area_share).get(layer)
        hi = dict(settings.max_area_share).get(layer)
        if lo is not None and extreme(values, "min") < lo * total * (1 - EPS):
            crit.append((f"min_share_{layer}", values, 1))
        if hi is not None and extreme(values, "max") > hi * total * (1 + EPS):
            crit.append((f"max_share_{layer}", values, -1))
    species: dict[str, np.ndarray] = {}
    if settings.max_species_area_share is not None:
        cap = float(settings.max_species_area_share) * total
        for sp, values in species_areas(table, rows, area).items():
            if extreme(values, "max") > cap * (1 + EPS):
                species[sp] = values
                crit.append((f"max_share_{sp}", values, -1))
    return crit, species


def prune_options(table: OptionTable, traj: Trajectories, spec: ScheduleSpec, settings: PlanSettings,
                  rows: np.ndarray, starts: np.ndarray, ok_all: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Worked option rows (subset of ``rows``) dominated at every start by another of the parcel.

    Row o' dominates o at every start s when, per hectare, its net carbon is at least o's at
    every age Y - s the model looks at (objective and milestone years Y, possible starts s) and
    its buffer share is no larger (credited carbon is increasing in net, decreasing in the
    buffer), its capital and maintenance are no larger (spending in every period and the
    discounted cost), its soil loss L(H - s) no larger when a sediment cap applies, its binding
    layer and species areas no worse, and it meets the erosion tolerance at every start of its
    parcel (``ok_all``; a row that fails at some start dominates nothing).
    """
    if rows.size == 0:
        return np.zeros(0, dtype=bool)
    h = traj.horizon_year
    years = set(spec.milestones) | (set(spec.carbon_weights or {h: 1.0}) if spec.objective == "max-carbon" else set())
    ages = sorted({y - s for y in years for s in starts.tolist() if y >= s})
    area = table.rows["area_ha"].to_numpy(dtype=float)[rows]
    net = traj.net[np.ix_(rows, ages[::-1])].astype(float) if ages else np.zeros((rows.size, 0))
    # the two most telling first (they choose the champions of optimizer.planning.dominance): the net at
    # the oldest age and the capital
    cols: list[np.ndarray] = [net[:, :1], -table.rows["capital_cny_ha"].to_numpy(dtype=float)[rows][:, None],
                              -traj.pct[rows][:, None], -rate[rows][:, None], net[:, 1:]]
    if settings.max_sediment_t_yr is not None:
        cols.append(-traj.loss[np.ix_(rows, sorted({h - s for s in starts.tolist()}))].astype(float))
    shares, _ = _active_shares(table, rows, traj.codes, settings, area)
    cols += [(sign * values)[:, None] for _, values, sign in shares]
    # a row that fails the tolerance at some start may not dominate: it gets a criterion of its
    # own (k, -k) that only it meets; rows meeting it everywhere get (M, M), above every k
    big = float(rows.size + 1)
    key = np.arange(1, rows.size + 1, dtype=float)
    cols.append(np.column_stack([np.where(ok_all, big, key), np.where(ok_all, big, -key)]))
    crit = np.concatenate(cols, axis=1)
    return dominated(traj.codes[rows], crit)


def _earliest_errors(table: OptionTable, origin: np.ndarray, valid: np.ndarray, file: str) -> None:
    """Parcels that must be restored (lock_in, forced) but are released after the last period."""
    status = table.parcels["status"].fillna("").astype(str).to_numpy() if "status" in table.parcels else None
    forced = (table.parcels["forced_option"].fillna("").astype(str).to_numpy()
              if "forced_option" in table.parcels else None)
    late = ~valid.any(axis=1)
    must = np.zeros(len(origin), dtype=bool)
    if status is not None:
        must |= status == "lock_in"
    if forced is not None:
        must |= (forced != "") & (forced != NATURAL)
    bad = np.flatnonzero(late & must)
    if bad.size:
        i = bad[0]
        raise InputError.at(file, f"parcel {table.parcels.index[i]} must be restored (lock_in or forced option) but "
                            f"is released only in {origin[i]}, after the schedule's last period", i + 2,
                            "earliest_year")


@dataclass
class _Base:
    """Columns before the per-column figures: which (row, period, start) exist."""

    row: np.ndarray
    period: np.ndarray
    start: np.ndarray
    natural: np.ndarray


def _expand(traj: Trajectories, spec: ScheduleSpec, allowed: np.ndarray, keep_worked: np.ndarray,
            s_pk: np.ndarray, valid: np.ndarray, tol: np.ndarray, origin: np.ndarray,
            defer_ok: np.ndarray, natural_exempt: bool) -> _Base:
    """Every (row, period) that passes the filters, plus the deferred columns; parcel order."""
    k = spec.n_periods
    rows = np.flatnonzero(allowed & (keep_worked | traj.natural))
    parcel = traj.codes[rows]
    start = s_pk[parcel]  # (n, K)
    ok = valid[parcel].copy()
    span = np.maximum(traj.horizon_year - start, 1)
    loss_after = traj.loss[rows[:, None], span].astype(float) / span
    nat = traj.natural[rows]
    u_span = np.maximum(traj.horizon_year - origin[parcel], 1)
    u_loss = _untreated_loss(traj, parcel, u_span) / u_span
    t = tol[parcel][:, None] * (1 + EPS) + EPS
    meets = np.where(nat[:, None], (u_loss[:, None] <= t) | natural_exempt, loss_after <= t)
    ok &= meets
    r_idx, p_idx = np.nonzero(ok)
    row = rows[r_idx]
    columns = _Base(row=row, period=p_idx, start=start[r_idx, p_idx], natural=nat[r_idx])
    d_parcels = np.flatnonzero(defer_ok)
    d_tol = _untreated_loss(traj, d_parcels, traj.horizon_year - origin[d_parcels]) / np.maximum(
        traj.horizon_year - origin[d_parcels], 1)
    d_parcels = d_parcels[(d_tol <= tol[d_parcels] * (1 + EPS) + EPS) | natural_exempt]
    row = np.r_[columns.row, traj.natural_row[d_parcels]]
    period = np.r_[columns.period, np.full(d_parcels.size, DEFER)]
    start_y = np.r_[columns.start, np.zeros(d_parcels.size, dtype=np.int64)]
    natural = np.r_[columns.natural, np.ones(d_parcels.size, dtype=bool)]
    order = np.lexsort((row, np.where(period == DEFER, k, period), traj.codes[row]))
    return _Base(row=row[order], period=period[order], start=start_y[order], natural=natural[order])


def _defer_allowed(table: OptionTable, spec: ScheduleSpec, valid: np.ndarray) -> np.ndarray:
    """Parcels that may wait beyond the last period: all when the schedule allows it, and those
    released after the last period in any case; never locked-in or forced parcels."""
    n = len(table.parcels)
    ok = np.full(n, bool(spec.allow_defer)) | ~valid.any(axis=1)
    if "status" in table.parcels:
        ok &= table.parcels["status"].fillna("").astype(str).to_numpy() != "lock_in"
    if "forced_option" in table.parcels:
        forced = table.parcels["forced_option"].fillna("").astype(str).to_numpy()
        ok &= (forced == "") | (forced == NATURAL)
    return ok


def build_columns(table: OptionTable, spec: ScheduleSpec, settings: PlanSettings, *,
                  earliest: np.ndarray | None = None, maintenance_years: int = 5,
                  years: Sequence[int] = (), prune: bool = True, parcels_file: str = "parcels.csv") -> Columns:
    """The columns of a phased plan (see the module docstring).

    Parameters
    ----------
    table : OptionTable with trajectories (``EstimateSettings(trajectory=True)``)
    spec : the [schedule] table
    settings : erosion tolerance, sediment cap, share limits (budget and objective are the spec's)
    earliest : per parcel (table.parcels order) first year it can be worked, NaN = start
    maintenance_years : costs.csv maintenance_years [yr]
    years : years at which carbon is wanted besides the objective, milestone, 2030 and horizon
    prune : drop options dominated at every start
    """
    traj = trajectories(table)
    h, s0 = traj.horizon_year, traj.start_year
    n_par = len(table.parcels)
    earliest = np.full(n_par, np.nan) if earliest is None else np.asarray(earliest, dtype=float)
    origin = origins(earliest, s0)
    s_pk, valid = period_starts(spec, origin)
    _earliest_errors(table, origin, valid, parcels_file)
    allowed = lock_mask(table, traj.codes)
    tol = tolerance_of(table, settings)
    m_eff = min(int(maintenance_years), traj.n_years)
    rate = table.rows["maintenance_cny_ha"].to_numpy(dtype=float) / m_eff if m_eff > 0 else \
        np.zeros(len(table.rows))
    worked_rows = np.flatnonzero(allowed & ~traj.natural)
    keep_worked = np.zeros(len(table.rows), dtype=bool)
    keep_worked[worked_rows] = True
    if prune and worked_rows.size:
        parcel = traj.codes[worked_rows]
        st = s_pk[parcel]
        span = np.maximum(h - st, 1)
        fails = (traj.loss[worked_rows[:, None], span] / span > tol[parcel][:, None] * (1 + EPS) + EPS) & valid[parcel]
        starts = np.unique(s_pk[valid])
        drop = prune_options(table, traj, spec, settings, worked_rows, starts, ~fails.any(axis=1), rate)
        keep_worked[worked_rows[drop]] = False
    base = _expand(traj, spec, allowed, keep_worked, s_pk, valid, tol, origin,
                   _defer_allowed(table, spec, valid), settings.natural_exempt_from_tolerance)
    _check_every_parcel(table, traj, base, tol)
    wanted = sorted(set(years) | set(spec.milestones) | set(spec.carbon_weights) | {h}
                    | ({2030} if s0 < 2030 <= h else set()))
    cols = _figures(table, traj, spec, base, origin, rate, m_eff, wanted, settings)
    cols.n_rows_allowed = int(allowed.sum())
    cols.n_options_kept = int(keep_worked.sum() + (allowed & traj.natural).sum())
    cols.n_columns_built = cols.size
    return cols


def _check_every_parcel(table: OptionTable, traj: Trajectories, base: _Base, tol: np.ndarray) -> None:
    """RunError naming parcels left without any column (no option meets the erosion tolerance at
    any start allowed for them)."""
    has = np.zeros(len(table.parcels), dtype=bool)
    has[traj.codes[base.row]] = True
    if has.all():
        return
    empty = np.flatnonzero(~has)
    ids = ", ".join(str(i) for i in table.parcels.index[empty[:8]]) + (
        f" and {empty.size - 8} more" if empty.size > 8 else "")
    tols = np.unique(tol[empty])
    tol_txt = f"{tols[0]:g} t/ha/yr" if tols.size == 1 else "their erosion tolerances"
    raise RunError(f"the erosion tolerance of {tol_txt} cannot be met on parcel(s) {ids} by any option at any start "
                   "the schedule allows them (the tolerance applies from the works to the horizon; later works "
                   "have fewer years to average over)")


def _figures(table: OptionTable, traj: Trajectories, spec: ScheduleSpec, base: _Base, origin: np.ndarray,
             rate: np.ndarray, m_eff: int, years: list[int], settings: PlanSettings) -> Columns:
    """Per-column totals: carbon at ``years``, money per period, areas, sediment."""
    h, s0 = traj.horizon_year, traj.start_year
    row, parcel = base.row, traj.codes[base.row]
    deferred = base.period == DEFER
    area = table.rows["area_ha"].to_numpy(dtype=float)[row]
    carbon = np.column_stack([area * carbon_at(traj, row, parcel, base.start, base.natural, origin, y) for y in years])
    capital = np.where(deferred, 0.0, area * table.rows["capital_cny_ha"].to_numpy(dtype=float)[row])
    m_years = np.where(deferred, 0, np.minimum(m_eff, h - base.start))
    maintenance = area * rate[row] * m_years
    k = spec.n_periods
    spend = np.zeros((row.size, k))
    live = np.flatnonzero(~deferred)
    spend[live, base.period[live]] = capital[live]
    spend[live] += (area * rate[row])[live, None] * maintenance_counts(base.start[live], spec, h, m_eff)
    disc = np.where(deferred, 0.0, capital * (1.0 / (1.0 + spec.discount_rate)) ** (base.start - s0)
                    + area * rate[row] * annuity(base.start, m_years, spec.discount_rate, s0))
    o = origin[parcel]
    before = np.where(deferred, h - o, np.maximum(base.start - o, 0))  # untreated years before the works
    untreated = area * _untreated_loss(traj, parcel, before)
    after = area * traj.loss[row, np.clip(h - base.start, 0, traj.n_years)].astype(float)
    total_loss = np.where(base.natural, area * _untreated_loss(traj, parcel, h - o), untreated + after)
    worked = np.where(base.natural, 0.0, area)
    layer = {lay: area * table.rows[f"{lay}_share"].to_numpy(dtype=float)[row] for lay in LAYERS}
    # species areas depend on the option row only: computed once per row, gathered per column
    once, back = np.unique(row, return_inverse=True)
    _, species_once = _active_shares(table, once, traj.codes, settings,
                                     table.rows["area_ha"].to_numpy(dtype=float)[once])
    species = {sp: values[back] for sp, values in species_once.items()}
    parcel_area = table.parcels["area_ha"].to_numpy(dtype=float)
    return Columns(parcel=parcel, row=row, period=base.period, start=base.start, natural=base.natural,
                   years=tuple(int(y) for y in years), carbon=carbon, spend=spend, capital=capital,
                   maintenance=maintenance, discounted=disc, worked_area=worked,
                   sediment=total_loss / traj.n_years, untreated_loss=untreated, layer_area=layer,
                   species_area=species, parcel_ids=table.parcels.index.to_numpy(dtype=object),
                   parcel_area=parcel_area)
