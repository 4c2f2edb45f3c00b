"""optimizer.planning.dominance (champions + pair filtering) against the one-lump plan's padded-grid
dominance on random groups with many ties."""

from __future__ import annotations

import numpy as np
import pytest

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
