"""Candidate options: the option-table rows that get a decision variable.

Filters, not constraints (reference/optimization.md section 2): locks, forced options and the
per-parcel erosion tolerance remove rows before the model is built; coupling rows that can never
bind are dropped; options dominated within their parcel on every row that matters are dropped.
A parcel left with no row is explained here, before anything is built.

Everything is array arithmetic over the option table; nothing loops over rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from estimators.table import LAYERS, OptionTable
from optimizer.errors import InputError, RunError
from optimizer.inputs.settings import PlanSettings

log = logging.getLogger(__name__)

NATURAL = "natural"
STATUSES = ("", "lock_in", "lock_out")
#: tolerance on float comparisons of coupling rows (relative to the row's scale)
EPS = 1e-9


class RowsAndParcels(Protocol):
    """What the per-row filters read: an ``OptionTable``, or an ``estimators.options.Screen``
    (rows with ``option_id`` and ``erosion_t_ha_yr``, and the parcels frame)."""

    @property
    def rows(self) -> pd.DataFrame: ...

    @property
    def parcels(self) -> pd.DataFrame: ...


@dataclass
class Candidates:
    """Kept option rows as arrays, plus the coupling rows that can bind.

    ``rows`` are positions in ``OptionTable.rows`` (ascending, so parcels stay contiguous);
    every other per-row array is aligned with ``rows``. Totals are per parcel x option:
    ``carbon`` [t CO2e], ``cost`` [CNY], ``sediment`` [t/yr], ``layer_area[layer]`` [ha].
    """

    rows: np.ndarray
    parcel: np.ndarray  # parcel code 0..n_parcels-1 of each kept row
    parcel_ids: np.ndarray  # parcel ids in OptionTable.parcels order
    parcel_area: np.ndarray  # [ha]
    carbon: np.ndarray
    cost: np.ndarray
    sediment: np.ndarray
    layer_area: dict[str, np.ndarray]
    species_area: dict[str, np.ndarray]  # species -> area [ha] per kept row (binding species only)
    active: dict[str, bool] = field(default_factory=dict)  # coupling row name -> can bind
    n_filtered: int = 0  # rows left after filters, before dominance pruning

    @property
    def total_area(self) -> float:
        return float(self.parcel_area.sum())

    @property
    def n_parcels(self) -> int:
        return int(self.parcel_ids.size)


def carbon_column(table: OptionTable) -> str:
    """The option-table column the plan maximises: credited carbon (net minus the reversal
    buffer, only the pools the accounting policy counts); ``net_tco2e_ha`` for tables without it."""
    return "credited_tco2e_ha" if "credited_tco2e_ha" in table.rows.columns else "net_tco2e_ha"


def parcel_codes(table: RowsAndParcels) -> np.ndarray:
    """Code (position in ``table.parcels``) of every option row's parcel."""
    rows_code, ids = pd.factorize(table.rows["parcel_id"])  # few distinct ids: look each up once
    codes = table.parcels.index.get_indexer(np.asarray(ids, dtype=object))[rows_code] if len(rows_code) \
        else np.zeros(0, dtype=np.intp)
    if (codes < 0).any():
        bad = table.rows["parcel_id"].to_numpy()[codes < 0][0]
        raise ValueError(f"option table row for parcel '{bad}' that is not in the parcel list")
    return codes


def _parcel_column(table: RowsAndParcels, column: str, default: str = "") -> np.ndarray:
    if column not in table.parcels.columns:
        return np.full(len(table.parcels), default, dtype=object)
    return table.parcels[column].fillna(default).astype(str).str.strip().to_numpy(dtype=object)


def lock_mask(table: RowsAndParcels, codes: np.ndarray, row_offset: int = 0) -> np.ndarray:
    """Rows allowed by the parcel's status and forced option.

    lock_out: only natural recovery; lock_in: anything but natural recovery; forced option:
    only that option. An unknown status or forced option id is an InputError naming the parcel.
    """
    status = _parcel_column(table, "status")
    forced = _parcel_column(table, "forced_option")
    ids = table.parcels.index.to_numpy()
    line = row_offset + 2  # spreadsheet row of the table's first parcel
    bad = np.flatnonzero(~np.isin(status, STATUSES))
    if bad.size:
        i = bad[0]
        raise InputError.at("parcels.csv", f"parcel {ids[i]}: status '{status[i]}' is not one of "
                            "lock_in, lock_out or blank", i + line, "status")
    option = table.rows["option_id"]
    is_natural = (option == NATURAL).to_numpy(dtype=bool)
    row_status = status[codes]
    ok = np.ones(len(option), dtype=bool)
    ok &= ~((row_status == "lock_out") & ~is_natural)
    ok &= ~((row_status == "lock_in") & is_natural)
    known = np.zeros(len(ids), dtype=bool)
    if (forced != "").any():
        row_forced = forced[codes]
        has_forced = row_forced != ""
        takes = has_forced & (option.to_numpy(dtype=object) == row_forced)
        ok &= ~has_forced | takes
        # every forced option must exist for its parcel
        np.logical_or.at(known, codes, takes)
    missing = np.flatnonzero((forced != "") & ~known)
    if missing.size:
        i = missing[0]
        raise InputError.at("parcels.csv", f"parcel {ids[i]}: forced option '{forced[i]}' is not an "
                            "option of this parcel (unknown id or not suitable there)", i + line, "forced_option")
    conflict = np.flatnonzero((status == "lock_out") & (forced != "") & (forced != NATURAL))
    if conflict.size:
        i = conflict[0]
        raise InputError.at("parcels.csv", f"parcel {ids[i]} is lock_out (natural recovery only) but "
                            f"forced to take '{forced[i]}'", i + line, "forced_option")
    return ok


def tolerance_of(table: RowsAndParcels, settings: PlanSettings) -> np.ndarray:
    """Erosion tolerance [t/ha/yr] per parcel.

    A parcel's own value (``parcel_tolerance_t_ha_yr``, from parcels.csv) comes first, then the
    settings' (project-wide) value, then the region's (``erosion_tolerance_t_ha_yr``).  Parcels
    locked out of restoration are exempt (infinite tolerance): the plan cannot change their
    erosion, and the report lists them.
    """
    n = len(table.parcels)
    if settings.erosion_tolerance_t_ha_yr is not None:
        tol = np.full(n, float(settings.erosion_tolerance_t_ha_yr))
    elif "erosion_tolerance_t_ha_yr" in table.parcels.columns:
        tol = table.parcels["erosion_tolerance_t_ha_yr"].to_numpy(dtype=float)
    else:
        tol = np.full(n, np.inf)
    if "parcel_tolerance_t_ha_yr" in table.parcels.columns:
        own = table.parcels["parcel_tolerance_t_ha_yr"].to_numpy(dtype=float)
        tol = np.where(np.isnan(own), tol, own)
    tol = np.where(_parcel_column(table, "status") == "lock_out", np.inf, tol)
    return np.where(np.isnan(tol), np.inf, tol)


def _names(ids: np.ndarray, limit: int = 8) -> str:
    shown = ", ".join(str(i) for i in ids[:limit])
    return shown + (f" and {ids.size - limit} more" if ids.size > limit else "")


def explain_empty_parcels(table: RowsAndParcels, codes: np.ndarray, allowed: np.ndarray,
                          tol: np.ndarray) -> None:
    """Raise RunError naming parcels whose allowed options all exceed the erosion tolerance."""
    n = len(table.parcels)
    erosion = table.rows["erosion_t_ha_yr"].to_numpy(dtype=float)
    best = np.full(n, np.inf)
    np.minimum.at(best, codes[allowed], erosion[allowed])
    empty = np.flatnonzero(best > tol * (1 + EPS) + EPS)
    if not empty.size:
        return
    ids = table.parcels.index.to_numpy()[empty]
    tols = np.unique(tol[empty])
    tol_txt = f"the erosion tolerance of {tols[0]:g} t/ha/yr" if tols.size == 1 else \
        f"their erosion tolerances ({', '.join(f'{t:g}' for t in tol[empty][:8])} t/ha/yr)"
    best_txt = ", ".join(f"{b:.1f}" for b in best[empty][:8])
    restricted = (_parcel_column(table, "status")[empty] != "") | (_parcel_column(table, "forced_option")[empty] != "")
    locked = " (locked or forced options only)" if restricted.any() else ""
    raise RunError(f"{tol_txt} cannot be met on parcel(s) {_names(ids)} by any "
                   f"option{locked} (best: {best_txt} t/ha/yr); raise the tolerance or add options "
                   "that reduce erosion (regrading, terraces) for these parcels")


def filter_rows(table: RowsAndParcels, settings: PlanSettings, row_offset: int = 0,
                codes: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Row mask after locks, forced options and the erosion tolerance, plus parcel codes
    (``codes``: the rows' parcel codes when the caller has them)."""
    codes = parcel_codes(table) if codes is None else codes
    allowed = lock_mask(table, codes, row_offset)
    tol = tolerance_of(table, settings)
    erosion = table.rows["erosion_t_ha_yr"].to_numpy(dtype=float)
    ok = erosion <= tol[codes] * (1 + EPS) + EPS
    if settings.natural_exempt_from_tolerance:
        ok |= table.rows["option_id"].to_numpy(dtype=object) == NATURAL
    keep = allowed & ok
    has_row = np.zeros(len(table.parcels), dtype=bool)
    has_row[codes[keep]] = True
    if not has_row.all():
        no_lock = np.zeros(len(table.parcels), dtype=bool)
        no_lock[codes[allowed]] = True
        if not no_lock.all():  # only possible with an empty option list for a parcel
            ids = table.parcels.index.to_numpy()[~no_lock]
            raise RunError(f"parcel(s) {_names(ids)} have no option allowed by their lock status")
        explain_empty_parcels(table, codes, allowed, tol)
    return keep, codes


def dominated(parcel: np.ndarray, crit: np.ndarray, chunk_cells: int = 4_000_000,
              strict_cols: int | None = None) -> np.ndarray:
    """Rows dominated within their parcel; ``crit`` columns are all "higher is better".

    Row j is dominated when some other row i of the same parcel has crit[i] >= crit[j] in every
    column and is either strictly better in one column or an identical earlier row (so exactly
    one of a set of identical rows is kept). ``parcel`` must be sorted (rows contiguous).
    ``strict_cols``: only the first that many columns count for "strictly better" (the others
    must be >=); used by the chunked selection's first pass (``prune_superset``).
    Pairwise comparison on a (parcels x K x K) grid per group of parcels with the same option
    count K (no padding to the largest count), processed in chunks of parcels.
    """
    out = _dominated_on_two(parcel, crit)  # most dominated rows, cheaply; the rest pairwise
    rest = np.flatnonzero(~out)
    out[rest] = _dominated_pairwise(parcel[rest], crit[rest], chunk_cells, strict_cols)
    return out


def _dominated_on_two(parcel: np.ndarray, crit: np.ndarray) -> np.ndarray:
    """Rows that ``dominated`` drops because another row of the same parcel with the same value
    in every column but the first two beats them on those two (or is identical and earlier).

    Sorted by (parcel, other columns, first column descending, second descending, position),
    a row is so dominated exactly when an earlier row of its group is >= on the second column:
    earlier rows are >= on the first, and ties on both are identical rows in position order.
    Dominance is a strict partial order, so dropping these first leaves ``dominated`` the same
    answer on the rest (each dropped row has an undominated dominator, which stays).
    """
    n, m = crit.shape
    out = np.zeros(n, dtype=bool)
    if n < 2 or m < 2:
        return out
    order = np.lexsort((np.arange(n), -crit[:, 1], -crit[:, 0], *(crit[:, c] for c in range(m - 1, 1, -1)), parcel))
    s = crit[order]
    new_group = np.r_[True, (parcel[order][1:] != parcel[order][:-1]) | (s[1:, 2:] != s[:-1, 2:]).any(axis=1)]
    _, rank = np.unique(s[:, 1], return_inverse=True)  # second column as ranks: integer running max
    key = np.cumsum(new_group).astype(np.int64) * (n + 1) + rank.ravel()
    best_before = np.r_[-1, np.maximum.accumulate(key)[:-1]]
    out[order] = ~new_group & (best_before >= key)
    return out


def _dominated_pairwise(parcel: np.ndarray, crit: np.ndarray, chunk_cells: int,
                        strict_cols: int | None) -> np.ndarray:
    """``dominated`` by comparing every pair of rows of a parcel."""
    n = crit.shape[0]
    out = np.zeros(n, dtype=bool)
    if n == 0:
        return out
    starts = np.flatnonzero(np.r_[True, parcel[1:] != parcel[:-1]])
    counts = np.diff(np.r_[starts, n])
    for k in np.unique(counts).tolist():  # loop over distinct option counts, not rows
        if k == 1:
            continue
        first = starts[counts == k]
        step = max(1, chunk_cells // (k * k))
        for lo in range(0, first.size, step):
            idx = first[lo:lo + step, None] + np.arange(k)[None, :]  # (parcels, k) row positions
            out[idx] = _dominated_block(crit[idx], strict_cols)
    return out


def _dominated_block(block: np.ndarray, strict_cols: int | None = None) -> np.ndarray:
    """``dominated`` for a (parcels, k, m) block of parcels with k rows each -> (parcels, k)."""
    k, m = block.shape[1], block.shape[2]
    strict = m if strict_cols is None else strict_cols
    earlier = np.tri(k, k, -1, dtype=bool).T  # earlier[i, j] = i < j
    ge = np.ones((block.shape[0], k, k), dtype=bool)
    gt = np.zeros_like(ge)
    eq = np.ones_like(ge)
    for c in range(m):
        a, b = block[:, :, None, c], block[:, None, :, c]  # a: dominator i, b: row j
        ge &= a >= b
        eq &= a == b
        if c < strict:
            gt |= a > b
    return (ge & (gt | (eq & earlier[None]))).any(axis=1)


def per_parcel(values: np.ndarray, parcel: np.ndarray, n: int, how: str) -> np.ndarray:
    """Per-parcel max or min of ``values`` (parcels without rows get -inf / +inf)."""
    if how == "max":
        out = np.full(n, -np.inf)
        np.maximum.at(out, parcel, values)
    else:
        out = np.full(n, np.inf)
        np.minimum.at(out, parcel, values)
    return out


def species_areas(table: OptionTable, rows: np.ndarray, area: np.ndarray,
                  cap_share: float | None = None) -> dict[str, np.ndarray]:
    """Area [ha] of every species per kept row: area x mix_species[mix, species].

    With ``cap_share`` (the species area cap as a share of the project), only species that
    some mix of the table holds at more than that share: the others cannot exceed the cap in
    any plan (their area is at most cap_share x the project's area), so their rows never bind.
    """
    ms = table.mix_species
    local, mixes = pd.factorize(table.rows["mix"].array.take(rows))  # few distinct mixes: look each up once
    known = ms.index.get_indexer(np.asarray(mixes, dtype=object))
    if (known < 0).any():
        raise ValueError(f"mix '{mixes[known < 0][0]}' is missing from the option table's mix_species")
    codes = known[local]
    table_shares = ms.to_numpy(dtype=float)
    can_bind = table_shares.max(axis=0, initial=0.0) > cap_share if cap_share is not None else \
        np.ones(table_shares.shape[1], dtype=bool)
    used = np.zeros(len(ms), dtype=bool)
    used[known] = True
    areas = {}
    for j in np.flatnonzero(can_bind & (table_shares[used] > 0).any(axis=0)):
        areas[str(ms.columns[j])] = area * table_shares[codes, j]
    return areas


@dataclass
class Extremes:
    """Per-parcel largest and smallest value of each row quantity over the allowed rows
    (before dominance pruning): what ``active_rows`` needs. Keys: cost, sediment, carbon,
    layer:<layer>, species:<species>."""

    hi: dict[str, np.ndarray]
    lo: dict[str, np.ndarray]


def _quantities(c: Candidates) -> dict[str, np.ndarray]:
    out = {"cost": c.cost, "sediment": c.sediment, "carbon": c.carbon}
    out.update({f"layer:{k}": v for k, v in c.layer_area.items()})
    out.update({f"species:{k}": v for k, v in c.species_area.items()})
    return out


def extremes(c: Candidates) -> Extremes:
    """Per-parcel max and min of every row quantity of ``c``."""
    n = c.n_parcels
    q = _quantities(c)
    return Extremes({k: per_parcel(v, c.parcel, n, "max") for k, v in q.items()},
                    {k: per_parcel(v, c.parcel, n, "min") for k, v in q.items()})


def active_rows(c: Candidates, settings: PlanSettings, ext: Extremes | None = None) -> dict[str, bool]:
    """Which coupling rows can bind, given the per-parcel best and worst candidate.

    A row that every plan satisfies (e.g. a budget above the dearest plan) is left out of the
    model and out of the dominance test. Infeasible ones stay active (diagnosed later). ``ext``:
    the per-parcel extremes when ``c`` is already pruned (chunked selection).
    """
    ext = extremes(c) if ext is None else ext
    total = c.total_area

    def hi(key: str) -> float:
        return float(ext.hi[key].sum())

    def lo(key: str) -> float:
        return float(ext.lo[key].sum())

    act = {}
    if settings.budget_cny is not None:
        act["budget"] = bool(hi("cost") > settings.budget_cny * (1 + EPS))
    if settings.max_sediment_t_yr is not None:
        act["sediment"] = bool(hi("sediment") > settings.max_sediment_t_yr * (1 + EPS))
    if settings.target_tco2e is not None:
        act["target"] = bool(lo("carbon") < settings.target_tco2e)
    for layer, share in dict(settings.min_area_share).items():
        act[f"min_share_{layer}"] = bool(lo(f"layer:{layer}") < share * total * (1 - EPS))
    for layer, share in dict(settings.max_area_share).items():
        act[f"max_share_{layer}"] = bool(hi(f"layer:{layer}") > share * total * (1 + EPS))
    if settings.max_species_area_share is not None:
        cap = settings.max_species_area_share * total
        for sp in c.species_area:
            act[f"max_share_{sp}"] = bool(hi(f"species:{sp}") > cap * (1 + EPS))
    return act


def criteria(c: Candidates, settings: PlanSettings) -> np.ndarray:
    """Columns (higher is better) on which dominance is judged: carbon, -cost, active rows."""
    cols = [c.carbon, -c.cost]
    if c.active.get("sediment"):
        cols.append(-c.sediment)
    for layer in LAYERS:
        if c.active.get(f"min_share_{layer}"):
            cols.append(c.layer_area[layer])
        if c.active.get(f"max_share_{layer}"):
            cols.append(-c.layer_area[layer])
    for sp, area in c.species_area.items():
        if c.active.get(f"max_share_{sp}"):
            cols.append(-area)
    return np.column_stack(cols)


def subset(c: Candidates, keep: np.ndarray) -> Candidates:
    """The candidates where ``keep`` is True (same parcels, coupling rows and counts)."""
    return Candidates(
        rows=c.rows[keep], parcel=c.parcel[keep], parcel_ids=c.parcel_ids, parcel_area=c.parcel_area,
        carbon=c.carbon[keep], cost=c.cost[keep], sediment=c.sediment[keep],
        layer_area={k: v[keep] for k, v in c.layer_area.items()},
        species_area={k: v[keep] for k, v in c.species_area.items()},
        active=c.active, n_filtered=c.n_filtered)


def candidate_arrays(table: OptionTable, settings: PlanSettings, *, row_offset: int = 0,
                     codes: np.ndarray | None = None) -> Candidates:
    """Filtered rows of ``table`` as arrays (parcel order, then table order), no pruning yet.

    ``row_offset``: the position of the table's first parcel in the project (for error messages
    of a chunk); ``codes``: the rows' parcel codes when the caller has them. Species areas are
    there for every species of a used mix when a species cap is set.
    """
    keep, codes = filter_rows(table, settings, row_offset=row_offset, codes=codes)
    rows = np.flatnonzero(keep)
    order = np.lexsort((rows, codes[rows]))  # parcel order, then table order
    rows = rows[order]
    frame = table.rows
    area = frame["area_ha"].to_numpy(dtype=float)[rows]

    def col(name: str) -> np.ndarray:
        return frame[name].to_numpy(dtype=float)[rows]

    parcel_area = table.parcels["area_ha"].to_numpy(dtype=float) if "area_ha" in table.parcels else \
        per_parcel(area, codes[rows], len(table.parcels), "max")
    return Candidates(
        rows=rows, parcel=codes[rows], parcel_ids=table.parcels.index.to_numpy(dtype=object),
        parcel_area=parcel_area, carbon=area * col(carbon_column(table)), cost=area * col("cost_cny_ha"),
        sediment=area * col("erosion_t_ha_yr"),
        layer_area={layer: area * col(f"{layer}_share") for layer in LAYERS},
        species_area=species_areas(table, rows, area, settings.max_species_area_share)
        if settings.max_species_area_share is not None else {},
        n_filtered=int(rows.size))


def finish(c: Candidates, settings: PlanSettings, ext: Extremes | None = None) -> Candidates:
    """Active coupling rows (from ``ext``, default the extremes of ``c``), then dominance."""
    c.active = active_rows(c, settings, ext)
    c.species_area = {k: v for k, v in c.species_area.items() if c.active.get(f"max_share_{k}")}
    if settings.prune_dominated:
        drop = dominated(c.parcel, criteria(c, settings))
        c = subset(c, ~drop)
        log.info("dominance pruning kept %d of %d options", c.rows.size, c.n_filtered)
    return c


def prune_superset(c: Candidates, settings: PlanSettings) -> Candidates:
    """First pass of a chunked selection, before the active rows are known: drop rows that
    ``finish`` would drop whatever rows turn out active.

    Row j goes when a row i of its parcel is >= on carbon, -cost and every coupling row the
    settings could make active, and strictly better on carbon or cost (or identical everywhere
    and earlier). That implies dominance on any active subset, so every row ``finish`` keeps on
    the full set survives; and ``finish`` on the survivors removes exactly the others (its
    dominance is a strict partial order: a removed row has an undominated dominator, kept here).
    """
    if not settings.prune_dominated:
        return c
    cols = [c.carbon, -c.cost]
    if settings.max_sediment_t_yr is not None:
        cols.append(-c.sediment)
    for layer in LAYERS:
        if layer in dict(settings.min_area_share):
            cols.append(c.layer_area[layer])
        if layer in dict(settings.max_area_share):
            cols.append(-c.layer_area[layer])
    cols += [-area for area in c.species_area.values()]
    return subset(c, ~dominated(c.parcel, np.column_stack(cols), strict_cols=2))


def select(table: OptionTable, settings: PlanSettings) -> Candidates:
    """Filter the option table, find the coupling rows that can bind, drop dominated options.

    Raises InputError (unknown forced option or status) or RunError (a parcel left with no
    option, e.g. no option meets its erosion tolerance).
    """
    return finish(candidate_arrays(table, settings), settings)
