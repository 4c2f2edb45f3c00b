"""optimizer.planning.dominance (champions + pair filtering) against the one-lump plan's padded-grid
dominance on random groups with many ties."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.planning.candidates import _dominated_pairwise
from optimizer.planning.candidates import dominated as grid_dominated
from optimizer.planning.dominance import dominated


@pytest.mark.parametrize("seed", range(12))
def test_same_rows_as_the_grid_method(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 25, int(rng.integers(1, 60)))
    group = np.repeat(np.arange(sizes.size), sizes)
    crit = rng.integers(0, 4, (group.size, int(rng.integers(1, 9)))).astype(float)  # many ties and duplicates
    if seed % 2:
        crit += rng.normal(scale=1e-3, size=crit.shape) * (rng.random(crit.shape) < 0.5)
    expected = grid_dominated(group, crit)
    assert (dominated(group, crit, chunk_pairs=int(rng.integers(1, 500))) == expected).all()
    assert expected.any() and not expected.all()


def test_one_of_identical_rows_is_kept() -> None:
    group = np.zeros(4, dtype=int)
    crit = np.array([[1.0, 2.0], [1.0, 2.0], [0.5, 2.0], [1.0, 2.0]])
    assert dominated(group, crit).tolist() == [False, True, True, True]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("strict_cols", [None, 2])
def test_two_column_skyline_first_drops_the_same_rows_as_every_pair(seed: int, strict_cols) -> None:
    """candidates.dominated drops the rows beaten on the first two columns among rows equal on
    the others first (a sort), then compares the rest pairwise: the same rows as comparing every
    pair, ties and identical rows included."""
    rng = np.random.default_rng(100 + seed)
    sizes = rng.integers(1, 30, int(rng.integers(1, 50)))
    group = np.repeat(np.arange(sizes.size), sizes)
    crit = rng.integers(0, 3, (group.size, int(rng.integers(2, 6)))).astype(float)
    expected = _dominated_pairwise(group, crit, 4_000_000, strict_cols)
    assert (grid_dominated(group, crit, strict_cols=strict_cols) == expected).all()
    assert expected.any() and not expected.all()
