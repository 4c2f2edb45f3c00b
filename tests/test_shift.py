"""Option trajectories shifted by start year (optimizer.planning.shift) against a loop-by-loop reference
of the documented rule, and the one-period case against the option table's own columns."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.errors import InputError, RunError
from optimizer.inputs.schedule_spec import ScheduleSpec
from optimizer.inputs.settings import PlanSettings
from optimizer.planning.shift import DEFER, build_columns, maintenance_counts
from schedtables import reference_columns, traj_table


def _spec(starts, ends, **kw) -> ScheduleSpec:
    return ScheduleSpec(starts=tuple(starts), ends=tuple(ends), **kw)


def _by_key(cols):
    out = {}
    for j in range(cols.size):
        start = None if cols.period[j] == DEFER else int(cols.start[j])
        out[(int(cols.parcel[j]), int(cols.row[j]), start)] = j
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_columns_equal_the_reference_rule(seed: int) -> None:
    t = traj_table(4, 5, seed)
    rng = np.random.default_rng(seed)
    earliest = np.where(rng.random(4) < 0.5, rng.integers(2027, 2033, 4), np.nan)
    starts, ends = [2026, 2028, 2031], [2027, 2030, 2033]
    spec = _spec(starts, ends, allow_defer=True, milestones={2030: 0.0}, discount_rate=0.04)
    cols = build_columns(t, spec, PlanSettings(), earliest=earliest, maintenance_years=3, years=(2035,),
                         prune=False)
    ref = reference_columns(t, starts, ends, list(cols.years), earliest=earliest, maintenance_years=3,
                            allow_defer=True)
    keys = _by_key(cols)
    assert len(keys) == cols.size == sum(len(c) for c in ref)
    for p, choices in enumerate(ref):
        for ch in choices:
            j = keys[(p, ch.row, ch.start)]
            # trajectories are float32: the pools are summed in float32 here, in float64 in the reference
            assert cols.carbon[j] == pytest.approx([ch.carbon[y] for y in cols.years], rel=1e-6, abs=1e-6)
            assert cols.spend[j] == pytest.approx(ch.spend, rel=1e-12, abs=1e-9)
            assert cols.sediment[j] == pytest.approx(ch.sediment, rel=1e-9)
            assert cols.worked_area[j] == pytest.approx(ch.worked)


def test_one_period_columns_are_the_option_table() -> None:
    """Works in the start year: carbon, cost and sediment of every column are the table's."""
    t = traj_table(6, 8, 3)
    cols = build_columns(t, ScheduleSpec.one_lump(2026, None), PlanSettings(), maintenance_years=5, prune=False)
    rows = t.rows.iloc[cols.row]
    area = rows["area_ha"].to_numpy()
    h = cols.year_index(t.horizon_year)
    assert cols.size == len(t.rows)
    assert cols.carbon[:, h] == pytest.approx(area * rows["credited_tco2e_ha"].to_numpy(), rel=1e-5)
    assert cols.spend[:, 0] == pytest.approx(area * rows["cost_cny_ha"].to_numpy(), rel=1e-12)
    assert cols.sediment == pytest.approx(area * rows["erosion_t_ha_yr"].to_numpy(), rel=1e-6)


def test_later_start_shifts_the_trajectory_and_keeps_untreated_soil() -> None:
    """A start d years late: the option's own trajectory d years shorter, plus the untreated
    soil and erosion pools after d years; before the works, natural recovery."""
    t = traj_table(1, 3, 4)
    cols = build_columns(t, _spec([2026, 2030], [2026, 2030]), PlanSettings(), maintenance_years=5,
                         years=(2029, 2035), prune=False)
    worked = np.flatnonzero(~cols.natural & (cols.start == 2030))[0]
    nat = int(np.flatnonzero(t.rows["option_id"].to_numpy() == "natural")[0])
    r, area = int(cols.row[worked]), float(t.parcels["area_ha"].iloc[0])
    pt = t.pool_trajectory
    net = sum(pt[p].astype(float) for p in ("tree", "shrub", "grass", "soil", "erosion", "works"))
    kept = pt["soil"][nat, 4] + pt["erosion"][nat, 4]
    pct = t.rows["buffer_pct"].to_numpy()
    expect_2035 = area * (lambda v: v - pct[r] / 100 * max(v, 0))(kept + net[r, 5])
    expect_2029 = area * (lambda v: v - pct[nat] / 100 * max(v, 0))(net[nat, 3])
    assert cols.carbon[worked, cols.year_index(2035)] == pytest.approx(expect_2035, rel=1e-6)
    assert cols.carbon[worked, cols.year_index(2029)] == pytest.approx(expect_2029, rel=1e-6)


def test_maintenance_years_fall_in_their_periods() -> None:
    spec = _spec([2026, 2028, 2031], [2027, 2030, 2033])
    counts = maintenance_counts(np.array([2026, 2029, 2033, 2038]), spec, 2040, 5)
    # 2026: 2027 | 2028-2030 | 2031 ; 2029: 2030 | 2031-2034 ; 2033: 2034-2038 ; 2038: 2039-2040
    assert counts.tolist() == [[1, 3, 1], [0, 1, 4], [0, 0, 5], [0, 0, 2]]


def test_no_column_before_the_earliest_year() -> None:
    t = traj_table(5, 4, 5)
    earliest = np.array([np.nan, 2027, 2029, 2031, 2045])
    spec = _spec([2026, 2028, 2030], [2027, 2029, 2031])
    cols = build_columns(t, spec, PlanSettings(), earliest=earliest, maintenance_years=5)
    worked = cols.period != DEFER
    release = np.nan_to_num(earliest, nan=2026)[cols.parcel]
    assert (cols.start[worked] >= release[worked]).all()
    # released after the last period: only "not yet", and it counts nothing before release
    last = cols.parcel == 4
    assert (cols.period[last] == DEFER).all()
    assert cols.carbon[last, cols.year_index(2030)] == pytest.approx(0.0)


def test_locked_in_parcel_released_too_late_is_an_input_error() -> None:
    t = traj_table(3, 4, 6)
    t.parcels.loc[t.parcels.index[1], "status"] = "lock_in"
    with pytest.raises(InputError, match=r"parcels.csv, row 3, column 'earliest_year'.*P0002.*2040"):
        build_columns(t, _spec([2026], [2030]), PlanSettings(), earliest=np.array([np.nan, 2040, np.nan]))


def test_tolerance_applies_from_the_works() -> None:
    """A tolerance no option meets at any start is explained naming the parcel."""
    t = traj_table(2, 3, 7)
    settings = PlanSettings(erosion_tolerance_t_ha_yr=1e-6)
    with pytest.raises(RunError, match=r"erosion tolerance of 1e-06 t/ha/yr cannot be met on parcel\(s\) P0001, "
                                       r"P0002 by any option at any start"):
        build_columns(t, _spec([2026, 2027], [2026, 2027]), settings)
