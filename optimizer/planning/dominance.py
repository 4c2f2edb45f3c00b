"""Dominance within groups on many criteria, by champions and pair filtering.

``dominated(group, crit)`` has the meaning of ``optimizer.planning.candidates.dominated``: row j is
dominated when another row i of its group is at least as good in every column and strictly
better in one, or identical and earlier. It is computed in two steps:

1. champions: per group, the rows on the skyline of the first two columns (sorted by the first,
   each improving the second); every row is compared with its group's champions only;
2. the rows left are compared pairwise.

Both steps list candidate pairs (i, j) and filter them one criterion at a time, so after a few
columns only a handful of pairs remain. Step 1 is exact because any row can serve as a
dominator; what it removes is also dominated by a row that is kept (dominance is transitive and
the "identical and earlier" rule is a strict order), so the rows left after step 2 are exactly
the undominated ones. Phased plans compare ~150 options per parcel on a dozen or more criteria
(net carbon at several ages, capital, maintenance, erosion, shares): the padded
(groups x K x K x criteria) grid of the one-lump pruning costs criteria x K^2 per group
whatever the data, this about K x (champions + survivors).
"""

from __future__ import annotations

import numpy as np

#: candidate pairs held in memory at once
CHUNK_PAIRS = 4_000_000


def _cross(group_a: np.ndarray, a: np.ndarray, group_b: np.ndarray, b: np.ndarray, n_groups: int,
           lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (a_k, b_l) with the same group, for groups lo..hi-1 (a, b sorted by group)."""
    ca = np.bincount(group_a, minlength=n_groups)[lo:hi]
    cb = np.bincount(group_b, minlength=n_groups)[lo:hi]
    sa = np.searchsorted(group_a, np.arange(lo, hi))
    sb = np.searchsorted(group_b, np.arange(lo, hi))
    sq = ca * cb
    g = np.repeat(np.arange(hi - lo), sq)
    r = np.arange(int(sq.sum())) - np.repeat(np.cumsum(sq) - sq, sq)
    k, l_ = r // cb[g], r % cb[g]
    i, j = a[sa[g] + k], b[sb[g] + l_]
    keep = i != j
    return i[keep], j[keep]


def _filter(crit: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Rows j dominated by their partner i among the pairs (i, j)."""
    for col in range(crit.shape[1]):
        if not i.size:
            break
        keep = crit[i, col] >= crit[j, col]
        i, j = i[keep], j[keep]
    if not i.size:
        return j
    strict = (crit[i] > crit[j]).any(axis=1) | (i < j)
    return j[strict]


def _pass(crit: np.ndarray, code: np.ndarray, a: np.ndarray, b: np.ndarray, n_groups: int,
          chunk_pairs: int) -> np.ndarray:
    """Mask of rows in ``b`` dominated by a row of ``a`` of the same group."""
    out = np.zeros(crit.shape[0], dtype=bool)
    ca = np.bincount(code[a], minlength=n_groups)
    cb = np.bincount(code[b], minlength=n_groups)
    cum = np.cumsum(ca * cb)
    edges = np.unique(np.r_[0, np.searchsorted(cum, np.arange(chunk_pairs, int(cum[-1]) + chunk_pairs,
                                                                   chunk_pairs), side="left") + 1, n_groups])
    for lo, hi in zip(edges[:-1], edges[1:]):
        i, j = _cross(code[a], a, code[b], b, n_groups, int(lo), int(min(hi, n_groups)))
        out[_filter(crit, i, j)] = True
    return out


def champions(code: np.ndarray, crit: np.ndarray) -> np.ndarray:
    """Per group, the skyline of the first two columns: rows that, in the order of decreasing
    first column (then second), beat every earlier row of their group on the second. (Any
    choice of champions keeps ``dominated`` exact; rounding here only changes which.)"""
    n = code.size
    order = np.lexsort((-crit[:, 1], -crit[:, 0], code))
    second, g = crit[order, 1], code[order]
    # running maximum within groups: lift each group above every earlier one
    lifted = (second - second.min()) + g * (float(np.ptp(second)) + 1.0)
    previous = np.maximum.accumulate(np.r_[-np.inf, lifted[:-1]])
    better = np.r_[True, g[1:] != g[:-1]] | (lifted > previous)
    out = np.zeros(n, dtype=bool)
    out[order[better]] = True
    return out


def dominated(group: np.ndarray, crit: np.ndarray, chunk_pairs: int = CHUNK_PAIRS) -> np.ndarray:
    """Rows dominated within their group; ``crit`` (n, m) columns are all "higher is better";
    ``group`` must be sorted (rows of a group contiguous). Put the two most telling columns
    first: they choose the champions."""
    n = group.size
    if n == 0:
        return np.zeros(0, dtype=bool)
    crit = np.asarray(crit, dtype=float)
    if crit.shape[1] == 1:
        crit = np.column_stack([crit, crit])
    code = np.r_[0, np.cumsum(group[1:] != group[:-1])]
    n_groups = int(code[-1]) + 1
    rows = np.arange(n)
    champ = champions(code, crit)
    out = _pass(crit, code, rows[champ], rows, n_groups, chunk_pairs)
    left = rows[~out]
    out |= _pass(crit, code, left, left, n_groups, chunk_pairs)
    return out
