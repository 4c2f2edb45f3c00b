"""Greedy repair: from a Lagrangian argmax plan to a feasible plan, then better feasible plans.

Only a heuristic: it supplies the lower bound (a feasible plan's value) that reduced-cost fixing
needs and the plan HiGHS starts from; what it finds never decides the final plan.

Moves change the option of one parcel (a single) or of two parcels at once (a pair): when the
budget and a share row are both tight, no single swap keeps both met, while a pair (one parcel
up, another down) can. Everything works on ``optimizer.planning.relaxation.Relaxation`` (scaled rows, so
violations of different rows are comparable):

1. ``restore``: singles ranked by objective loss per unit of violation removed, applied as the
   prefix of that ranking that leaves the least violation; when no single helps, the pair that
   removes the most violation (least loss on ties);
2. ``improve``: singles that gain objective and fit the slack, best gain per multiplier-weighted
   use of the rows first; when none is left, pairs that gain objective and fit together.

Pairs are drawn from a pool of a few hundred promising singles (best per parcel by several
rankings), so a round costs O(pool^2 x rows) beside the O(candidates x rows) of the singles.
"""

from __future__ import annotations

import numpy as np

from optimizer.planning.relaxation import EQ_TOL, Relaxation, first_per_parcel, is_feasible, violation

#: size of the pair pool (shared among its rankings)
POOL = 480
#: gains below this (scaled objective units, relative to 1 + |objective|) are no gain
GAIN_TOL = 1e-12


def _moves(R: Relaxation, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row change (m, n) and objective gain (n,) of switching each candidate's parcel to it."""
    own = cur[R.parcel]
    return R.A - R.A[:, own], R.c - R.c[own]


def _top(R: Relaxation, key: np.ndarray, k: int) -> np.ndarray:
    """Up to ``k`` candidates with the smallest finite ``key``, at most one per parcel."""
    pick = first_per_parcel(R, key)
    pick = pick[pick >= 0]
    return pick[np.argsort(key[pick], kind="stable")[:k]]


def _pool(R: Relaxation, delta: np.ndarray, gain: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Promising singles for pairs: largest gains, largest Lagrangian gains, and for each row
    the moves that free most of it per unit of objective lost."""
    moved = np.any(delta != 0.0, axis=0) | (gain != 0.0)
    keys = [np.where(moved & (gain > 0), -gain, np.inf),
            np.where(moved, -(gain - lam @ delta), np.inf)]
    for r in range(R.m):
        frees = moved & (delta[r] < 0)
        keys.append(np.where(frees, np.maximum(-gain, 0.0) / -np.where(frees, delta[r], -1.0), np.inf))
        frees = moved & (delta[r] > 0) & R.equality[r]
        keys.append(np.where(frees, np.maximum(-gain, 0.0) / np.where(frees, delta[r], 1.0), np.inf))
    each = max(8, POOL // len(keys))
    return np.unique(np.concatenate([_top(R, k, each) for k in keys]))


def _pair_grid(R: Relaxation, cur: np.ndarray,
               lam: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Every pair of moves from the pool of ``cur``: (row values now (m,), single-move row changes
    (m, n), pool (k,), row values after each pair (m, k, k), their gains (k, k), valid (k, k):
    False for two moves in one parcel). None when the pool has fewer than two moves."""
    ax = R.A[:, cur].sum(axis=1)
    delta, gain = _moves(R, cur)
    pool = _pool(R, delta, gain, lam)
    if pool.size < 2:
        return None
    d = delta[:, pool]
    values = ax[:, None, None] + d[:, :, None] + d[:, None, :]
    total = gain[pool][:, None] + gain[pool][None, :]
    parcel = R.parcel[pool]
    valid = parcel[:, None] != parcel[None, :]
    return ax, delta, pool, values, total, valid


def _apply(R: Relaxation, cur: np.ndarray, moves: list[int]) -> None:
    for j in moves:
        cur[R.parcel[j]] = j


def _restore_singles(R: Relaxation, cur: np.ndarray, v: float) -> bool:
    """One round of single moves; True when the violation fell."""
    ax = R.A[:, cur].sum(axis=1)
    delta, gain = _moves(R, cur)
    cut = v - violation(R, ax[:, None] + delta).sum(axis=0)
    pick = _top(R, np.where(cut > 1e-15 * (1.0 + v), -gain / np.maximum(cut, 1e-300), np.inf), R.starts.size)
    if not pick.size:
        return False
    path = ax[:, None] + np.cumsum(delta[:, pick], axis=1)
    k = int(np.argmin(violation(R, path).sum(axis=0))) + 1
    _apply(R, cur, pick[:k].tolist())
    return True


def _restore_pair(R: Relaxation, cur: np.ndarray, lam: np.ndarray, v: float) -> bool:
    """The pair that removes the most violation (least objective loss on ties); True if any."""
    grid = _pair_grid(R, cur, lam)
    if grid is None:
        return False
    _, _, pool, values, total, valid = grid
    left = violation(R, values).sum(axis=0)
    left = np.where(valid, left, np.inf)
    best = left.min()
    if not best < v * (1 - 1e-12):
        return False
    i, j = np.unravel_index(np.argmax(np.where(left <= best, total, -np.inf)), left.shape)
    _apply(R, cur, [int(pool[i]), int(pool[j])])
    return True


def restore(R: Relaxation, cur: np.ndarray, lam: np.ndarray, max_rounds: int = 60) -> np.ndarray | None:
    """Feasible plan reached from ``cur`` by moves that cut the total (scaled) violation."""
    cur = cur.copy()
    for _ in range(max_rounds):
        if is_feasible(R, cur):
            return cur
        v = float(violation(R, R.A[:, cur].sum(axis=1)).sum())
        if not (_restore_singles(R, cur, v) or _restore_pair(R, cur, lam, v)):
            break
    return cur if is_feasible(R, cur) else None


def _fits(R: Relaxation, values: np.ndarray) -> np.ndarray:
    """Row values (m, ...) that meet every row (inequalities exactly, equalities unchanged)."""
    b = R.b.reshape((-1,) + (1,) * (values.ndim - 1))
    eq = R.equality.reshape(b.shape)
    return np.all(np.where(eq, np.abs(values - b) <= EQ_TOL, values <= b), axis=0)


def _improve_singles(R: Relaxation, cur: np.ndarray, lam: np.ndarray, tol: float) -> bool:
    """Singles that gain and fit, best gain per weighted use first, each checked against the
    slack left by those before it; True when any was applied."""
    ax = R.A[:, cur].sum(axis=1)
    delta, gain = _moves(R, cur)
    eq = R.equality
    ok = (gain > tol) & ~np.any(delta[eq] != 0.0, axis=0) & _fits(R, ax[:, None] + delta)
    use = (np.abs(lam) + 1e-6) @ np.maximum(delta, 0.0)
    pick = _top(R, np.where(ok, -gain / np.maximum(use, 1e-12), np.inf), R.starts.size)
    slack = (R.b - ax).tolist()
    ineq = [r for r in range(R.m) if not eq[r]]
    moved = []
    for j, col in zip(pick.tolist(), delta[:, pick].T.tolist()):
        if all(col[r] <= slack[r] for r in ineq):
            for r in ineq:
                slack[r] -= col[r]
            moved.append(j)
    _apply(R, cur, moved)
    return bool(moved)


def _improve_pairs(R: Relaxation, cur: np.ndarray, lam: np.ndarray, tol: float) -> bool:
    """Non-overlapping pairs that gain and fit together, best gain first; True if any."""
    grid = _pair_grid(R, cur, lam)
    if grid is None:
        return False
    ax, delta, pool, values, total, valid = grid
    good = valid & (total > tol) & _fits(R, values)
    if not good.any():
        return False
    ii, jj = np.nonzero(np.triu(good, 1))
    order = np.argsort(-total[ii, jj], kind="stable")
    slack = R.b - ax
    used: set[int] = set()
    for i, j in zip(ii[order].tolist(), jj[order].tolist()):
        a, b = int(pool[i]), int(pool[j])
        pa, pb = int(R.parcel[a]), int(R.parcel[b])
        if pa in used or pb in used:
            continue
        step = delta[:, a] + delta[:, b]
        if np.all(np.where(R.equality, step == 0.0, step <= slack)):
            slack = slack - step
            used.update((pa, pb))
            _apply(R, cur, [a, b])
    return bool(used)


def improve(R: Relaxation, cur: np.ndarray, lam: np.ndarray, max_rounds: int = 200) -> np.ndarray:
    """A feasible plan at least as good as the feasible plan ``cur``."""
    cur = cur.copy()
    tol = GAIN_TOL * (1.0 + float(np.abs(R.c[cur]).sum()))
    for _ in range(max_rounds):
        if not (_improve_singles(R, cur, lam, tol) or _improve_pairs(R, cur, lam, tol)):
            break
    return cur


def repair(R: Relaxation, plan: np.ndarray, lam: np.ndarray) -> np.ndarray | None:
    """A feasible plan near ``plan`` (candidate position per parcel), or None if none was found."""
    cur = restore(R, plan, lam)
    if cur is None:
        return None
    cur = improve(R, cur, lam)
    return cur if is_feasible(R, cur) else None
