"""Erosion tolerance per parcel: parcel value > project value > region value; lock_out exempt."""

import numpy as np

from optimizer.planning.candidates import tolerance_of
from optimizer.inputs.settings import PlanSettings
from optables import make_option_table


def _table():
    table = make_option_table(4, 3, 1, tolerance=10.0)
    table.parcels["parcel_tolerance_t_ha_yr"] = [np.nan, 25.0, np.nan, np.nan]
    table.parcels["status"] = ["", "", "lock_out", ""]
    return table


def test_region_value_with_parcel_override_and_lock_out_exempt():
    tol = tolerance_of(_table(), PlanSettings())
    assert tol.tolist() == [10.0, 25.0, np.inf, 10.0]


def test_project_value_replaces_region_but_not_parcel_value():
    tol = tolerance_of(_table(), PlanSettings(erosion_tolerance_t_ha_yr=5.0))
    assert tol.tolist() == [5.0, 25.0, np.inf, 5.0]
