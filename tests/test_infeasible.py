"""Infeasible plans exit 1 with a message naming what cannot be met and where."""

from __future__ import annotations

import pytest

from optimizer.errors import InputError, RunError
from optimizer.planning.plan import plan
from optimizer.inputs.settings import PlanSettings
from optables import make_option_table


def table(n=6, k=4, seed=3, tolerance=1e9):
    return make_option_table(n, k, seed, tolerance=tolerance)


def test_budget_below_locked_in_needs():
    t = table()
    t.parcels["status"] = "lock_in"
    with pytest.raises(RunError) as err:
        plan(t, PlanSettings(budget_cny=1000.0))
    msg = str(err.value)
    assert err.value.exit_code == 1
    assert "budget 1,000 CNY is below the" in msg and "6 locked-in or forced parcel(s) need" in msg


def test_budget_below_cheapest_plan():
    with pytest.raises(RunError, match=r"budget 100 CNY is below the .* that even the cheapest plan costs"):
        plan(table(), PlanSettings(budget_cny=100.0))


def test_impossible_erosion_tolerance_names_parcels_and_best_values():
    t = table()
    with pytest.raises(RunError) as err:
        plan(t, PlanSettings(erosion_tolerance_t_ha_yr=0.5))
    msg = str(err.value)
    assert msg.startswith("the erosion tolerance of 0.5 t/ha/yr cannot be met on parcel(s) P0001, P0002")
    assert "(best: 1.2, 2.3" in msg
    assert "P0003" not in msg  # P0003 has an option under 0.5 t/ha/yr


def test_impossible_tree_share():
    with pytest.raises(RunError, match=r"a tree share of at least 0\.90 cannot be reached: at most 0\.\d\d of the area"):
        plan(table(), PlanSettings(min_area_share={"tree": 0.9}))


def test_impossible_maximum_share_and_species_cap():
    t = table()
    t.parcels["status"] = "lock_out"  # natural everywhere: grass share 0.30 (tests/optables.py MIXES)
    with pytest.raises(RunError, match=r"a grass share of at most 0\.10 cannot be kept: at least 0\.30"):
        plan(t, PlanSettings(max_area_share={"grass": 0.1}))
    with pytest.raises(RunError, match=r"no species may cover more than 0\.20 .* elymus_dahuricus covers at least 0\.30"):
        plan(t, PlanSettings(max_species_area_share=0.2))


def test_sediment_cap_and_carbon_target():
    with pytest.raises(RunError, match=r"the sediment cap of 1 t/yr cannot be met: the least-eroding plan still loses"):
        plan(table(), PlanSettings(max_sediment_t_yr=1.0))
    with pytest.raises(RunError, match=r"the carbon target of 10,000,000 t CO2e cannot be reached: the most any plan "
                                       r"stores by 2060 is"):
        plan(table(), PlanSettings(objective="min-cost", target_tco2e=1e7))


def test_jointly_infeasible_rows_are_named_by_the_elastic_model():
    t = table(30, 6, 3)
    rows = t.rows
    cost = (rows["area_ha"] * rows["cost_cny_ha"]).groupby(rows["parcel_id"])
    budget = float(cost.min().sum() * 1.05)  # enough for the cheapest plan, not for trees as well
    with pytest.raises(RunError) as err:
        plan(t, PlanSettings(budget_cny=budget, min_area_share={"tree": 0.3}))
    msg = str(err.value)
    assert "cannot all hold together" in msg
    assert "the budget would have to rise by" in msg or "the minimum tree area share would have to fall" in msg


def test_unknown_forced_option_is_an_input_error_naming_the_parcel():
    t = table()
    t.parcels.loc["P0004", "forced_option"] = "terrace+gold+grass"
    with pytest.raises(InputError) as err:
        plan(t, PlanSettings())
    assert err.value.exit_code == 2
    assert str(err.value) == ("parcels.csv, row 5, column 'forced_option': parcel P0004: forced option "
                              "'terrace+gold+grass' is not an option of this parcel (unknown id or not suitable there)")


def test_lock_out_with_a_forced_planting_is_an_input_error():
    t = table()
    other = t.rows.loc[(t.rows.parcel_id == "P0002") & (t.rows.option_id != "natural"), "option_id"].iloc[0]
    t.parcels.loc["P0002", ["status", "forced_option"]] = ["lock_out", other]
    with pytest.raises(InputError, match=r"row 3, column 'forced_option': parcel P0002 is lock_out"):
        plan(t, PlanSettings())


def test_forced_option_over_the_tolerance_is_explained():
    t = table()
    rows = t.rows[t.rows.parcel_id == "P0003"]
    worst = rows.sort_values("erosion_t_ha_yr").iloc[-1]
    t.parcels.loc["P0003", "forced_option"] = worst.option_id
    t.parcels.loc["P0003", "erosion_tolerance_t_ha_yr"] = float(worst.erosion_t_ha_yr) - 0.01
    with pytest.raises(RunError, match=r"cannot be met on parcel\(s\) P0003 by any option \(locked or forced options only\)"):
        plan(t, PlanSettings())


@pytest.mark.parametrize("kwargs, text", [
    ({"objective": "min-cost"}, "the min-cost objective needs a carbon target"),
    ({"objective": "max-profit"}, "objective 'max-profit' is not one of"),
    ({"min_area_share": {"palm": 0.2}}, "unknown layer 'palm'"),
    ({"min_area_share": {"tree": 0.5}, "max_area_share": {"tree": 0.4}}, "min_area_share.tree = 0.5 is above"),
    ({"budget_cny": -5.0}, "budget_cny must be >= 0"),
    ({"mip_gap": 1.5}, "gap must be in [0, 1)"),
])
def test_bad_settings_are_input_errors(kwargs, text):
    with pytest.raises(InputError) as err:
        PlanSettings(**kwargs)
    assert text in str(err.value)


def test_settings_from_project_constraints():
    s = PlanSettings.from_project({"erosion_tolerance_t_ha_yr": 10, "min_area_share": {"tree": 0.3}},
                                  budget_cny=1.2e7, time_limit_s=30)
    assert s.budget_cny == 1.2e7 and s.min_area_share == {"tree": 0.3} and s.time_limit_s == 30
    with pytest.raises(InputError, match=r"project.toml: unknown key\(s\) max_cost in \[constraints\]"):
        PlanSettings.from_project({"max_cost": 3})


def test_natural_recovery_can_be_exempted_from_the_tolerance():
    t = table()
    s = PlanSettings(erosion_tolerance_t_ha_yr=0.5, natural_exempt_from_tolerance=True)
    result = plan(t, s)  # parcels with no compliant option fall back to natural recovery
    chosen = t.rows.iloc[result.solution.rows]
    over = chosen["erosion_t_ha_yr"] > 0.5
    assert over.any() and (chosen.loc[over, "option_id"] == "natural").all()


def test_unknown_status_in_an_option_table_names_the_row():
    """A status the project loader would refuse, reaching the selection directly (library use)."""
    t = table()
    t.parcels.loc["P0003", "status"] = "maybe"
    with pytest.raises(InputError, match=r"row 4, column 'status': parcel P0003: status 'maybe' is not one of"):
        plan(t, PlanSettings())
