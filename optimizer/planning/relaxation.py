"""The scaled multiple-choice knapsack behind the presolve, and its Lagrangian L(lambda).

``Relaxation``: max c'x with one candidate per parcel and coupling rows A x <= b ("==" where
``equality``), the objective scaled by max|c| and each row by its max |coefficient| (as
``optimizer.planning.model`` scales its rows), ">=" rows negated. ``evaluate(R, lam)`` gives

    L(lambda) = sum_p max_{i in p} (c_i - lambda'a_i) + lambda'b

by a segmented max over the contiguous candidates of each parcel (``np.maximum.reduceat``),
its subgradient b - A x(lambda) and the argmax plan; ``deficits`` the reduced-cost gaps
d_i = max_{j in p(i)} s_j - s_i. Plans are arrays of candidate positions, one per parcel.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from optimizer.planning.coupling import CouplingRow

#: a row counts as met by a plan when its scaled value is within this of the rhs
#: ("<=" rows: exactly met, no tolerance; "==" rows: |A x - b| <= EQ_TOL)
EQ_TOL = 1e-9


@dataclass
class Relaxation:
    """The scaled problem: max c'x, one candidate per parcel, A x <= b ("==" where ``equality``).

    ``sign[r] * scale[r]`` turns a scaled row back into the original one (sign -1 for ">=").
    """

    c: np.ndarray
    A: np.ndarray  # (m, n)
    b: np.ndarray  # (m,)
    equality: np.ndarray  # (m,) bool
    names: list[str]
    scale: np.ndarray
    sign: np.ndarray
    obj_scale: float
    parcel: np.ndarray  # (n,) parcel code, sorted (rows contiguous)
    starts: np.ndarray  # (P,) first candidate of each parcel

    @property
    def m(self) -> int:
        return int(self.b.size)

    @property
    def n(self) -> int:
        return int(self.c.size)

    def lower(self) -> np.ndarray:
        """Multiplier lower bounds: 0 for inequality rows, -inf for equality rows."""
        return np.where(self.equality, -np.inf, 0.0)


def relaxation(objective: np.ndarray, rows: list[CouplingRow], parcel: np.ndarray) -> Relaxation:
    """Scale the objective (max form) and coupling rows; ``parcel`` must be sorted."""
    n = objective.size
    if n and np.any(parcel[1:] < parcel[:-1]):
        raise ValueError("candidates must be sorted by parcel")
    obj_scale = float(np.abs(objective).max()) if n and np.abs(objective).max() > 0 else 1.0
    A = np.zeros((len(rows), n))
    b = np.zeros(len(rows))
    scale = np.ones(len(rows))
    sign = np.ones(len(rows))
    for r, row in enumerate(rows):
        big = float(np.abs(row.coefs).max()) if n else 0.0
        scale[r] = big if big > 0 else 1.0
        sign[r] = -1.0 if row.sense == ">=" else 1.0
        A[r] = sign[r] * row.coefs / scale[r]
        b[r] = sign[r] * row.rhs / scale[r]
    starts = np.flatnonzero(np.r_[True, parcel[1:] != parcel[:-1]]) if n else np.zeros(0, dtype=np.int64)
    codes = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, n]))
    return Relaxation(objective / obj_scale, A, b, np.array([r.sense == "==" for r in rows], dtype=bool),
                      [r.name for r in rows], scale, sign, obj_scale, codes, starts)


@dataclass
class Evaluation:
    """L(lambda), its subgradient b - A x(lambda), the argmax plan and the per-parcel maxima."""

    lam: np.ndarray
    value: float
    grad: np.ndarray
    plan: np.ndarray  # candidate position per parcel
    best: np.ndarray  # max_i s_i per parcel


def scores(c: np.ndarray, A: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """s_i = c_i - lambda'a_i, row by row (elementwise, so a slice of candidates gets exactly the
    numbers the whole set gets: the distributed evaluation relies on it)."""
    s = c.copy()
    for r in range(A.shape[0]):
        s -= lam[r] * A[r]
    return s


def segment_max(s: np.ndarray, starts: np.ndarray, parcel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per parcel: the largest score and the position of its first candidate reaching it."""
    best = np.maximum.reduceat(s, starts)
    pos = np.where(s >= best[parcel], np.arange(s.size), s.size)
    return best, np.minimum.reduceat(pos, starts)


def finish_evaluation(R: Relaxation, lam: np.ndarray, best: np.ndarray, plan: np.ndarray) -> Evaluation:
    """L(lambda) and its subgradient from the per-parcel maxima and the argmax plan."""
    ax = R.A[:, plan].sum(axis=1)
    return Evaluation(lam.copy(), float(best.sum() + lam @ R.b), R.b - ax, plan, best)


def evaluate(R: Relaxation, lam: np.ndarray) -> Evaluation:
    """L(lambda) by a segmented max; ties go to the first candidate of the parcel."""
    best, plan = segment_max(scores(R.c, R.A, lam), R.starts, R.parcel)
    return finish_evaluation(R, lam, best, plan)


def deficits(R: Relaxation, ev: Evaluation) -> np.ndarray:
    """d_i = max_{j in p(i)} s_j(lambda) - s_i(lambda) >= 0 at the evaluation's multipliers."""
    return ev.best[R.parcel] - scores(R.c, R.A, ev.lam)


def violation(R: Relaxation, ax: np.ndarray) -> np.ndarray:
    """Per-row violation of scaled row values ``ax`` (shape (m,) or (m, k))."""
    b = R.b.reshape((-1,) + (1,) * (ax.ndim - 1))
    eq = R.equality.reshape(b.shape)
    over = ax - b
    return np.where(eq, np.abs(over), np.maximum(over, 0.0))


def is_feasible(R: Relaxation, plan: np.ndarray) -> bool:
    """Every "<=" row met exactly, every "==" row within EQ_TOL (scaled units)."""
    if not R.m:
        return True
    over = R.A[:, plan].sum(axis=1) - R.b
    return bool(np.all(np.where(R.equality, np.abs(over) <= EQ_TOL, over <= 0.0)))


def first_per_parcel(R: Relaxation, key: np.ndarray) -> np.ndarray:
    """Per parcel, the candidate with the smallest finite ``key`` (-1 when none is finite)."""
    low = np.minimum.reduceat(key, R.starts)
    pos = np.where((key <= low[R.parcel]) & np.isfinite(key), np.arange(R.n), R.n)
    first = np.minimum.reduceat(pos, R.starts)
    return np.where(first < R.n, first, -1)


def restrict(R: Relaxation, mask: np.ndarray) -> tuple[Relaxation, np.ndarray]:
    """The relaxation on the candidates where ``mask`` is True (every parcel must keep one) and
    their positions in ``R``."""
    idx = np.flatnonzero(mask)
    parcel = R.parcel[idx]
    starts = np.flatnonzero(np.r_[True, parcel[1:] != parcel[:-1]])
    return replace(R, c=R.c[idx], A=R.A[:, idx], parcel=parcel, starts=starts), idx


def row_relaxation(R: Relaxation, r: int, direction: float) -> Relaxation:
    """max -direction x a_r'x (the smallest direction x row r) under the other rows."""
    others = [k for k in range(R.m) if k != r]
    return Relaxation(-direction * R.A[r], R.A[others], R.b[others], R.equality[others],
                      [R.names[k] for k in others], np.ones(len(others)), np.ones(len(others)), 1.0,
                      R.parcel, R.starts)
