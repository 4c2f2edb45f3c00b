"""The option table of a phased plan, estimated in chunks of parcels, is the one-shot table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.planning.pipeline import estimate
from optimizer.inputs.project import load_project
from optimizer.planning.schedule_inputs import earliest_years, estimate_trajectories, maintenance_years
from projfix import EXAMPLE


def test_chunked_estimate_equals_one_estimate() -> None:
    project = load_project(EXAMPLE)
    whole = estimate(project, trajectory=True)
    chunked = estimate_trajectories(project, chunk=10)  # 34 parcels: 4 chunks
    pd.testing.assert_frame_equal(chunked.rows, whole.rows)
    pd.testing.assert_frame_equal(chunked.parcels, whole.parcels)
    for pool, values in whole.pool_trajectory.items():
        assert np.array_equal(chunked.pool_trajectory[pool], values), pool
    assert np.array_equal(chunked.soil_loss_trajectory, whole.soil_loss_trajectory)
    assert np.array_equal(chunked.net_trajectory, whole.net_trajectory)
    assert set(chunked.meta["assumptions"]) == set(whole.meta["assumptions"])
    if whole.meta.get("parcel_extra") is not None:  # the parcel file's own columns (description)
        pd.testing.assert_frame_equal(chunked.meta["parcel_extra"], whole.meta["parcel_extra"])


def test_soil_loss_trajectory_ends_at_the_mean_annual_loss() -> None:
    table = estimate(load_project(EXAMPLE), trajectory=True)
    span = table.horizon_year - table.start_year
    assert (table.soil_loss_trajectory[:, 0] == 0).all()
    assert np.allclose(table.soil_loss_trajectory[:, -1] / span, table.rows["erosion_t_ha_yr"], rtol=1e-6)
    assert (np.diff(table.soil_loss_trajectory, axis=1) >= 0).all()  # cumulative


def test_release_and_maintenance_years_of_the_example() -> None:
    project = load_project(EXAMPLE)
    assert np.isnan(earliest_years(project)).all()
    assert maintenance_years(project) == 5  # data/costs.csv maintenance_years
