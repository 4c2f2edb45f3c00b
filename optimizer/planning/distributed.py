"""The Lagrangian evaluation as a map-reduce over parcel slices on a Dask cluster.

L(lambda) = sum_p max_{i in p} (c_i - lambda'a_i) + lambda'b splits over parcels: each worker
holds a slice of whole parcels (its candidates' c and A, scattered once) and returns, for a
lambda, its per-parcel maxima and argmax positions (the map: O(candidates x rows)); the caller
joins them in parcel order and adds lambda'b and the subgradient (the reduce: O(parcels x rows)).
The scores are computed row by row (``relaxation.scores``), so every number equals the one-process
evaluation exactly and the multiplier search takes the same steps.

``dask_evaluator(client, parts)`` gives ``lagrange.presolve`` its ``evaluator``; ``parts``
defaults to two slices per worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from optimizer.planning.relaxation import Evaluation, Relaxation, finish_evaluation, scores, segment_max


@dataclass
class _Part:
    """Candidates of a run of whole parcels: objective, rows, parcel starts (local)."""

    c: np.ndarray
    A: np.ndarray
    starts: np.ndarray
    parcel: np.ndarray
    offset: int  # position of the first candidate in the whole set


def _argmax(part: _Part, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The map: per-parcel maxima and argmax positions (in the whole set) of one slice."""
    best, plan = segment_max(scores(part.c, part.A, lam), part.starts, part.parcel)
    return best, plan + part.offset


def split(R: Relaxation, parts: int) -> list[_Part]:
    """R cut into ``parts`` runs of whole parcels of about equal candidate counts."""
    parcels = R.starts.size
    cuts = np.unique(np.searchsorted(R.starts, np.linspace(0, R.n, max(1, parts) + 1)[1:-1]))
    bounds = [0, *[int(c) for c in cuts if 0 < c < parcels], parcels]
    out = []
    for lo, hi in zip(bounds, bounds[1:]):
        a = int(R.starts[lo])
        b = int(R.starts[hi]) if hi < parcels else R.n
        out.append(_Part(R.c[a:b].copy(), R.A[:, a:b].copy(), R.starts[lo:hi] - a, R.parcel[a:b] - lo, a))
    return out


class DaskEvaluator:
    """``evaluate(R, lam)`` with the segmented max mapped over scattered slices of R."""

    def __init__(self, client: Any, R: Relaxation, parts: int) -> None:
        self.client = client
        self.R = R
        self.parts = client.scatter(split(R, parts))
        self.calls = 0

    def __call__(self, R: Relaxation, lam: np.ndarray) -> Evaluation:
        if R is not self.R:
            raise ValueError("a DaskEvaluator evaluates the relaxation it was made for")
        futures = [self.client.submit(_argmax, part, lam, pure=False) for part in self.parts]
        pieces = self.client.gather(futures)
        self.calls += 1
        best = np.concatenate([p[0] for p in pieces])
        plan = np.concatenate([p[1] for p in pieces])
        return finish_evaluation(R, lam, best, plan)


def dask_evaluator(client: Any, parts: int | None = None) -> Callable[[Relaxation], DaskEvaluator]:
    """The ``evaluator`` argument of ``lagrange.presolve`` for a Dask client."""
    if parts is None:
        workers = len(client.scheduler_info().get("workers", {})) or 1
        parts = 2 * workers
    return lambda R: DaskEvaluator(client, R, int(parts))
