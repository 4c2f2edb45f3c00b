"""Chunked estimate and candidate selection: memory bounded by the chunk, and the same map on Dask.

``estimate_candidates(project, settings, chunk_size=..., client=None)`` estimates the parcels in
slices with ``estimators.options.build_option_table`` (every estimate is per parcel, so a slice
gives exactly the rows the whole table has for those parcels). The per-row filters run first, on
rows screened for their option id and soil loss (``estimators.options.screen_rows``), so only the
rows they allow are estimated. Of each slice only what planning needs is kept:

* the allowed rows (locks, forced options, erosion tolerance: per-parcel filters) that survive
  ``candidates.prune_superset`` (dominance on every row the settings could make binding: per
  parcel, and it keeps every row the final selection keeps), with all their option-table columns
  for the report, plus each parcel's natural-recovery row (the report's erosion before/after);
* per parcel the largest and smallest value of every row quantity over the allowed rows
  (``candidates.Extremes``), from which the binding rows are found exactly as ``select`` does;
* the counts and option keys the report states.

``combine`` joins the slices in parcel order and finishes the selection (binding rows, then
dominance on them: ``candidates.finish``). The result is an ``OptionTable`` holding only those
rows (``meta["n_option_rows"]`` keeps the full count) and the same ``Candidates`` as ``select``
on the whole table, so the plan, plan.csv and summary.json are the same. What looks at options
beyond the candidates sees fewer rows: the report's per-parcel runner-up (``optimizer.planning.why``)
then names no option that a lock or the erosion tolerance excludes.

With a ``dask.distributed`` client the slices are estimated on its workers (``client.map``); only
the slices' results travel back. ``client(workers, scheduler)`` makes the client the CLI asks
for: a ``LocalCluster`` of N single-threaded workers, or the scheduler at an address.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd

from estimators.options import EstimateSettings, build_option_table, screen_rows
from estimators.table import OptionTable
from optimizer.planning.candidates import (
    Candidates,
    Extremes,
    candidate_arrays,
    extremes,
    filter_rows,
    finish,
    prune_superset,
)
from optimizer.errors import InputError
from optimizer.planning.pipeline import catalogue_assumptions, estimate_meta, estimate_settings, own_tolerance
from optimizer.planning.planfacts import add_plan_facts
from optimizer.inputs.project import Project
from optimizer.inputs.settings import CHUNK_SIZE, PlanSettings

log = logging.getLogger(__name__)


@dataclass
class Slice:
    """What a slice of parcels leaves behind (``Candidates.rows`` index ``rows``)."""

    rows: pd.DataFrame
    parcels: pd.DataFrame
    cand: Candidates
    ext: Extremes
    n_rows: int
    used: set[str]
    mix_species: pd.DataFrame
    table_meta: dict[str, Any]
    years: np.ndarray
    start_year: int
    horizon_year: int
    seconds: float


def estimate_slice(parcels: pd.DataFrame, catalogue: Any, region: str, est: EstimateSettings,
                   settings: PlanSettings, row_offset: int) -> Slice:
    """Estimate one slice of parcels and keep its candidates (runs on a Dask worker too).

    The per-row filters (locks, forced options, erosion tolerance) run on the screened rows
    first (``estimators.options.screen_rows``), so only the rows they allow, and each parcel's
    natural recovery for the report, get their carbon, soil and costs estimated."""
    t0 = time.perf_counter()
    screen = screen_rows(parcels, catalogue, region, est)
    own_tolerance(screen.parcels, parcels)
    allowed, _ = filter_rows(screen, settings, row_offset=row_offset, codes=screen.cand.parcel)
    estimated = screen.cand.take(allowed | screen.rows["is_natural"].to_numpy(dtype=bool))
    table = build_option_table(parcels, catalogue, region, est, candidates=estimated)
    own_tolerance(table.parcels, parcels)
    c = candidate_arrays(table, settings, row_offset=row_offset, codes=estimated.parcel)
    ext = extremes(c)
    c = prune_superset(c, settings)
    keep = np.zeros(len(table.rows), dtype=bool)  # the candidates, and natural recovery for the report
    keep[c.rows] = True
    keep |= table.rows["is_natural"].to_numpy(dtype=bool)
    kept = np.flatnonzero(keep)
    rows = table.rows.iloc[kept].reset_index(drop=True)
    c = replace(c, rows=np.searchsorted(kept, c.rows))
    return Slice(rows, table.parcels, c, ext, len(screen.cand.parcel), set(screen.used), table.mix_species,
                 dict(table.meta), table.years, table.start_year, table.horizon_year, time.perf_counter() - t0)


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0)


def _species(slices: list[Slice]) -> list[str]:
    """Species with an area in any slice, in mix_species column order (as ``select`` has them)."""
    seen = set().union(*(s.cand.species_area for s in slices))
    return [str(sp) for sp in slices[0].mix_species.columns if str(sp) in seen]


def combine(slices: list[Slice], settings: PlanSettings) -> tuple[OptionTable, Candidates]:
    """Join slices (in parcel order) into a candidate-only option table and its candidates."""
    row_off = np.cumsum([0] + [len(s.rows) for s in slices])
    par_off = np.cumsum([0] + [len(s.parcels) for s in slices])
    species = _species(slices)

    def per_row(name: str, key: str | None = None) -> np.ndarray:
        """A per-candidate array joined over the slices (a dict entry when ``key``; zeros where
        a slice has no such species)."""
        parts = []
        for sl in slices:
            value = getattr(sl.cand, name)
            parts.append(value if key is None else zero_or(value, key, sl.cand.rows.size))
        return _concat(parts)

    def zero_or(d: dict[str, np.ndarray], key: str, n: int) -> np.ndarray:
        return d[key] if key in d else np.zeros(n)

    parcels = pd.concat([s.parcels for s in slices])
    cand = Candidates(
        rows=_concat([s.cand.rows + off for s, off in zip(slices, row_off)]).astype(np.int64),
        parcel=_concat([s.cand.parcel + off for s, off in zip(slices, par_off)]).astype(np.int64),
        parcel_ids=parcels.index.to_numpy(dtype=object),
        parcel_area=_concat([s.cand.parcel_area for s in slices]),
        carbon=per_row("carbon"), cost=per_row("cost"), sediment=per_row("sediment"),
        layer_area={k: per_row("layer_area", k) for k in slices[0].cand.layer_area},
        species_area={sp: per_row("species_area", sp) for sp in species},
        n_filtered=int(sum(s.cand.n_filtered for s in slices)))
    keys = set().union(*(s.ext.hi for s in slices)) | {f"species:{sp}" for sp in species}
    ext = Extremes(*({k: _concat([zero_or(getattr(s.ext, side), k, len(s.parcels)) for s in slices]) for k in keys}
                     for side in ("hi", "lo")))
    cand = finish(cand, settings, ext)
    first = slices[0]
    rows = pd.concat([s.rows for s in slices], ignore_index=True)
    table = OptionTable(rows=rows, parcels=parcels, mix_species=first.mix_species, years=first.years,
                        net_trajectory=None, start_year=first.start_year, horizon_year=first.horizon_year,
                        meta={**first.table_meta, "n_option_rows": int(sum(s.n_rows for s in slices)),
                              "chunks": len(slices)})
    return table, cand


def _bounds(n: int, chunk_size: int) -> Iterator[tuple[int, int]]:
    for lo in range(0, n, chunk_size):
        yield lo, min(n, lo + chunk_size)


def estimate_candidates(project: Project, settings: PlanSettings, *, horizon_year: int | None = None,
                        chunk_size: int = CHUNK_SIZE, client: Any = None,
                        progress: Callable[[int, int], None] | None = None) -> tuple[OptionTable, Candidates]:
    """Estimate ``project`` in slices of ``chunk_size`` parcels and select its candidates.

    Returns the candidate-only option table (meta as ``pipeline.estimate`` gives, plus
    ``n_option_rows`` and ``chunks``) and the candidates, equal to ``select(estimate(project),
    settings)``. ``client``: a ``dask.distributed.Client`` to estimate the slices on its
    workers. ``progress(done, total)`` is called as slices finish (in the calling process).
    """
    if chunk_size < 1:
        raise InputError(f"--chunk-size must be at least 1 (got {chunk_size})")
    started = time.perf_counter()
    est = estimate_settings(project, horizon_year)
    parts = list(_bounds(len(project.parcels), int(chunk_size)))
    slices: list[Slice] = []
    if client is None:
        for lo, hi in parts:
            parcels = project.parcels.iloc[lo:hi].reset_index(drop=True)
            slices.append(estimate_slice(parcels, project.catalogue, project.region, est, settings, lo))
            if progress is not None:
                progress(len(slices), len(parts))
    else:
        slices = _on_dask(client, project, est, settings, parts, progress)
    table, cand = combine(slices, settings)
    used = set().union(*(s.used for s in slices))
    table.meta.update(estimate_meta(project, catalogue_assumptions(project, used), time.perf_counter() - started))
    add_plan_facts(table, project.catalogue)  # per-row facts, as pipeline.estimate adds them
    log.info("estimated %d parcels in %d slice(s): %d option rows, %d candidates kept, %.1f s",
             len(project.parcels), len(slices), table.meta["n_option_rows"], cand.rows.size,
             time.perf_counter() - started)
    return table, cand


def _on_dask(client: Any, project: Project, est: EstimateSettings, settings: PlanSettings,
             parts: list[tuple[int, int]], progress: Callable[[int, int], None] | None) -> list[Slice]:
    """The slices as Dask tasks (the catalogue scattered once); results in slice order.

    Each slice is fetched as soon as it is done and its future released, so a worker holds only
    the slices it is working on, not every result until the end."""
    from dask.distributed import as_completed

    catalogue = client.scatter(project.catalogue, broadcast=True)
    futures = [client.submit(estimate_slice, project.parcels.iloc[lo:hi].reset_index(drop=True), catalogue,
                             project.region, est, settings, lo, pure=False)
               for lo, hi in parts]
    position = {future.key: i for i, future in enumerate(futures)}
    results: list[Slice | None] = [None] * len(parts)
    for done, (future, value) in enumerate(as_completed(futures, with_results=True), start=1):
        results[position[future.key]] = value
        future.release()
        if progress is not None:
            progress(done, len(parts))
    del futures
    return [r for r in results if r is not None]


def make_client(workers: int | None = None, scheduler: str | None = None) -> Any:
    """A Dask client: to the scheduler at ``scheduler`` or on a LocalCluster of ``workers``
    single-threaded worker processes. InputError when dask.distributed is not installed."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as err:
        raise InputError("--workers/--scheduler need dask.distributed: pip install 'minesink[dask]'") from err
    if scheduler:
        try:
            return Client(scheduler, timeout="5s")
        except OSError as err:
            raise InputError(f"--scheduler {scheduler}: no Dask scheduler answers there ({err})") from err
    if workers is None or workers < 1:
        raise InputError(f"--workers must be at least 1 (got {workers})")
    cluster = LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster)


def close_client(client: Any) -> None:
    """Close a client from ``make_client`` (and its LocalCluster, if it made one)."""
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


__all__ = ["CHUNK_SIZE", "Slice", "close_client", "combine", "estimate_candidates", "estimate_slice",
           "make_client"]
