"""The default catalogue tables: counts, references, sources and published values."""

import re

import numpy as np
import pandas as pd
import pytest

from estimators.erosion import k_factor_epic, rainfall_erosivity_monthly
from optimizer.inputs.catalogue import load_catalogue
from optimizer.inputs.catalogue_specs import REQUIRED_COSTS
from optimizer.inputs.data import data_dir

REGIONS = ("north", "south", "northeast", "northwest", "southwest")


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def _source_keys() -> set[str]:
    text = (data_dir() / "SOURCES.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| ([a-z0-9_]+) \|", text, flags=re.M)) - {"key"}


def _row(frame: pd.DataFrame, column: str, key: str) -> pd.Series:
    return frame[frame[column] == key].iloc[0]


def test_counts(cat):
    assert set(cat.regions["region"]) == set(REGIONS)
    assert len(set(cat.regrading["regrading"]) - {"none"}) >= 4
    assert len(set(cat.amendments["amendment"]) - {"none"}) >= 6
    for region in REGIONS:
        mixes = set(cat.mix_names(region))
        assert "natural" in mixes
        assert len(mixes - {"natural"}) >= 10, region


@pytest.mark.parametrize("file", ["regions.csv", "regrading.csv", "amendments.csv", "mixes.csv", "costs.csv"])
def test_every_source_is_documented(file):
    known = _source_keys() | {"assumption"}
    frame = pd.read_csv(data_dir() / file, dtype=str, keep_default_na=False)
    used = {k.strip() for cell in frame["source"] for k in cell.split(";")}
    assert used <= known, used - known


def test_mix_species_exist_in_region_and_layer(cat):
    species = cat.species.set_index("species")
    mixes = cat.mixes
    assert mixes["species"].isin(species.index).all()
    assert (mixes["layer"].to_numpy() == species.loc[mixes["species"], "layer"].to_numpy()).all()
    native = species.loc[mixes["species"], "regions"].str.split(";")
    assert all(r in regs for r, regs in zip(mixes["region"], native)), "mix species outside its regions"


def test_mix_shares_and_natural(cat):
    mixes = cat.mixes
    totals = mixes.groupby(["region", "mix"])["area_share"].sum()
    assert (totals <= 1.0 + 1e-9).all()
    assert (totals >= 0.3).all()
    natural = mixes[mixes["mix"] == "natural"]
    assert not natural["planted"].any() and mixes.loc[mixes["mix"] != "natural", "planted"].all()
    assert natural["delay_yr"].between(2, 5).all()
    assert (natural["productivity"] < 1).all()
    # natural colonisation covers less ground than any planted mix of its region
    planted = totals.drop("natural", level="mix").groupby(level="region").min()
    assert (totals.xs("natural", level="mix") < planted).all()


def test_review_table1_climates(cat):
    # review Table 1 via vegetation.md section 5
    table1 = {"north": (10, 530), "south": (20, 1600), "northeast": (7, 750), "northwest": (12, 670),
              "southwest": (17, 1000)}
    for region, (mat, pmap) in table1.items():
        row = cat.region(region)
        assert (row["mat_c"], row["map_mm"]) == (mat, pmap)


def test_r_factors_equal_erosion_reference(cat):
    # erosion.md section 4: Yulin 1324 (Pingshuo stand-in), Yan'an 1881, southern China mean 9920,
    # southwest China mean 4093
    published = {"north": 1324, "northwest": 1881, "south": 9920, "southwest": 4093}
    for region, value in published.items():
        assert cat.region(region)["r_factor"] == value
    # northeast is an assumption; it must sit in the same span and agree with Zhang & Fu 2003
    # applied to the (assumed) monthly rainfall within 10 %
    ne = cat.region("northeast")
    rain = cat.climate.loc[cat.climate["region"] == "northeast", "rain_mm"].to_numpy()
    assert ne["r_factor"] == pytest.approx(float(rainfall_erosivity_monthly(rain)), rel=0.10)
    assert 1324 < ne["r_factor"] < 4093
    assert "assumption" in ne["source"]


def test_tolerance_equals_sl190(cat):
    # SL 190-2007 (erosion.md section 4): Loess Plateau 1000 t/km2/yr, northeast black soil 200,
    # southern red-soil hills 500, southwest earth-rock mountains 500
    sl190 = {"north": 10, "northwest": 10, "northeast": 2, "south": 5, "southwest": 5}
    for region, value in sl190.items():
        assert cat.region(region)["erosion_tolerance_t_ha_yr"] == value


def test_soc_ref_matches_ipcc_table(cat):
    # IPCC 2019 default SOC_ref (soil.md section 1): cool temperate dry HAC 43, cool temperate moist
    # HAC 81, warm temperate dry HAC 24, warm temperate moist LAC 55 (red soils are low-activity clay)
    expected = {"north": ("cool_temperate_dry", 43), "northeast": ("cool_temperate_moist", 81),
                "northwest": ("warm_temperate_dry", 24), "south": ("warm_temperate_moist", 55),
                "southwest": ("warm_temperate_moist", 55)}
    ipcc = cat.ipcc_soil[cat.ipcc_soil["kind"] == "soc_ref"]
    for region, (zone, value) in expected.items():
        row = cat.region(region)
        assert (row["ipcc_climate_zone"], row["soc_ref_t_ha"]) == (zone, value)
        assert value in set(ipcc.loc[ipcc["climate"] == zone, "value"])


def test_k_factor_is_epic_of_stated_texture(cat):
    # regions.csv notes state the texture behind each assumed K (EPIC, Williams 1995)
    for region in REGIONS:
        row = cat.region(region)
        sand, silt, clay, oc = map(float, re.search(
            r"sand (\d+), silt (\d+), clay (\d+) %, OC ([\d.]+) %", row["notes"]).groups())
        assert clay == row["clay_pct"]
        assert row["k_factor"] == pytest.approx(float(k_factor_epic(sand, silt, clay, oc)), abs=5e-4)


def test_regrading_values(cat):
    reg = cat.regrading.set_index("regrading")
    assert reg.loc["none", "support_p"] == 1.0
    # AH537 bench terraces 0.10-0.18 and contouring 0.5-0.9 (erosion.md section 3); Seneca II-W 0.85
    assert 0.10 <= reg.loc["terrace", "support_p"] <= 0.18
    assert reg.loc["slope_25", "support_p"] == 0.85
    assert (reg["support_p"].between(0.10, 1.0)).all()
    # costs.md section 4: earthmoving burns 0.3-0.8 L/m3
    moving = reg.drop(index="none")
    assert moving["diesel_l_m3"].between(0.3, 0.8).where(moving["diesel_l_m3"] > 0, True).all()
    assert reg.loc["contour", "diesel_l_m3"] == 0  # contour furrows move no earth
    # earth-moving regrading never targets a flat platform (contouring on gentle ground may),
    # and only applies to steeper parcels than its target
    earthmoving = moving[moving["diesel_l_m3"] > 0]
    assert not any("platform" in a.split(";") or a == "all" for a in earthmoving["applies_to"])
    target = moving["target_slope_deg"].dropna()
    assert (moving.loc[target.index, "min_parcel_slope_deg"] >= target).all()


def test_amendment_values(cat):
    am = cat.amendments.set_index("amendment")
    # IPCC 2006 Vol. 4 Ch. 11 Eq. 11.12: 0.12 t C per t limestone
    assert am.loc["lime", "lime_emission_t_c_per_t"] == 0.12
    assert am.loc["lime", "offered_when"] == "acid" and am.loc["lime", "ph_change"] > 0
    assert am.loc["fly_ash", "not_when"] == "contaminated"
    # Tian et al. 2009: organic C 25-35 % of dry sludge
    assert 0.25 <= am.loc["sludge", "carbon_input_t_c_ha"] / am.loc["sludge", "rate_t_ha"] <= 0.35
    assert am.loc["sludge", "input_pool"] == "fym"
    # Jharia biochar rates 30-60 t/ha
    assert 30 <= am.loc["biochar", "rate_t_ha"] <= 60
    assert am.loc["biochar", "input_pool"] == "biochar" and am.loc["biochar", "biochar_temperature"] == "medium"
    # Woolf et al. 2021 Table 2: wood biochar, medium temperature, Fc 0.77
    assert am.loc["biochar", "biochar_fc"] == pytest.approx(0.77)
    assert am.loc["biochar", "carbon_input_t_c_ha"] == pytest.approx(am.loc["biochar", "rate_t_ha"] * 0.77)
    assert am.loc["topsoil_30cm", "depth_add_cm"] == 30 and am.loc["topsoil_30cm", "topsoil_soc_g_kg"] > 0
    assert (am.drop(index="none")["productivity_multiplier"] >= 1).all()
    # the combined amendment's emission equals its limestone share x 0.12
    lime_share = 5 / am.loc["lime_compost", "rate_t_ha"]
    assert am.loc["lime_compost", "lime_emission_t_c_per_t"] == pytest.approx(0.12 * lime_share)


def test_costs_complete_and_plausible(cat):
    cost = cat.cost
    for item in REQUIRED_COSTS:
        assert np.isfinite(cost(item))
    # costs.md section 1: afforestation 3000-7500 CNY/ha (trees), 1800-3000 (shrubs),
    # grass seed 6000-30000, natural closure 1550 + 150/yr, planted opex 150/yr (SEIMS)
    assert 3000 <= cost("tree_planting_cny_ha") <= 7500
    assert 1800 <= cost("shrub_planting_cny_ha") <= 3000
    assert 6000 <= cost("grass_seeding_cny_ha") <= 30000
    assert cost("natural_closure_cny_ha") == 1550
    assert cost("maintenance_natural_cny_ha_yr") == 150 == cost("maintenance_planted_cny_ha_yr")
    # Longkou vegetation restoration 30 000 CNY/ha is a ceiling for any planted mix
    full_tree = cost("tree_planting_cny_ha") + cost("shrub_planting_cny_ha") + cost("grass_seeding_cny_ha")
    assert full_tree <= 30000
    # Longkou subsidence land restoration 220 000 CNY/ha bounds heavy soil works per ha
    assert cost("topsoil_cny_m3") * 3000 < 220000
    assert cost("earthwork_cny_m3") * 10000 < 220000 and cost("terrace_cny_ha") < 220000
    am = cat.amendments.set_index("amendment")
    for key in ("lime", "fly_ash", "sludge", "compost", "biochar", "lime_compost"):
        assert am.loc[key, "rate_t_ha"] * cost(f"{key}_cny_t") < 220000
    # China ETS 2024 closing range 69-106 CNY/t (costs.md section 3)
    assert 69 <= cost("carbon_price_cny_t") <= 106
    assert cat.costs["price_year"].between(2015, 2025).all()


def test_assumed_rows_explain_themselves(cat):
    lines = cat.assumptions()
    assert any(line.startswith("regions.csv northeast:") and "r_factor 2400" in line for line in lines)
    assert any(line.startswith("costs.csv earthwork_cny_m3:") for line in lines)
    assert not any(line.startswith("costs.csv natural_closure_cny_ha") for line in lines)
    for file in ("regions.csv", "regrading.csv", "amendments.csv", "costs.csv"):
        frame = pd.read_csv(data_dir() / file, dtype=str, keep_default_na=False)
        assumed = frame["source"].str.contains("assumption")
        assert (frame.loc[assumed, "notes"].str.len() > 10).all(), file
