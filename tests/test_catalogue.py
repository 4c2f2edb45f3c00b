"""optimizer.inputs.catalogue: typed loading, project overrides, growth calibration, option ids."""

import numpy as np
import pandas as pd
import pytest

from estimators.growth import richards
from optimizer.inputs.catalogue import load_catalogue, option_id, parse_option_id
from optimizer.errors import InputError


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def _csv(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_types(cat):
    assert cat.regions["r_factor"].dtype == float
    assert cat.mixes["planted"].dtype == bool
    assert cat.species["nitrogen_fixer"].dtype == bool
    assert cat.climate["month"].tolist()[:12] == list(range(1, 13))
    assert np.isnan(cat.regrading.set_index("regrading").loc["none", "target_slope_deg"])
    assert cat.amendments.set_index("amendment").loc["none", "not_when"] == ""


def test_cost_override_replaces_and_adds(tmp_path, cat):
    path = _csv(tmp_path, "costs.csv", "item,unit,cny,price_year,source\n"
                "earthwork_cny_m3,CNY/m3,22,2025,Shanxi quota 2025\n"
                "fence_cny_ha,CNY/ha,900,2025,\n")
    over = load_catalogue({"costs": path})
    assert over.cost("earthwork_cny_m3") == 22 and cat.cost("earthwork_cny_m3") == 15
    assert over.cost("fence_cny_ha") == 900
    assert over.cost("lime_cny_t") == cat.cost("lime_cny_t")
    assert len(over.costs) == len(cat.costs) + 1
    fence = over.costs[over.costs["item"] == "fence_cny_ha"].iloc[0]
    assert fence["source"] == "project file costs.csv"
    # a replaced row is no longer an assumption in the report
    assert not any(line.startswith("costs.csv earthwork_cny_m3") for line in over.assumptions())
    assert any("costs.csv" in note and "1 default row(s) replaced" in note for note in over.notes)


def test_partial_override_keeps_other_columns(tmp_path, cat):
    path = _csv(tmp_path, "regions.csv", "region,r_factor\nnorth,1500\n")
    over = load_catalogue({"regions": path})
    assert over.region("north")["r_factor"] == 1500
    assert over.region("north")["erosion_tolerance_t_ha_yr"] == 10
    assert over.region("south")["r_factor"] == cat.region("south")["r_factor"]


def test_mix_override_replaces_whole_mix(tmp_path, cat):
    path = _csv(tmp_path, "my_mixes.csv", "region,mix,species,layer,area_share\n"
                "north,grass,medicago_sativa,grass,0.8\n"
                "north,pine_robinia,pinus_tabuliformis,tree,0.4\n"
                "north,pine_robinia,robinia_pseudoacacia,tree,0.4\n")
    over = load_catalogue({"mixes": path})
    grass = over.mixes[(over.mixes["region"] == "north") & (over.mixes["mix"] == "grass")]
    assert grass["species"].tolist() == ["medicago_sativa"]
    new = over.mixes[over.mixes["mix"] == "pine_robinia"]
    assert len(new) == 2 and new["planted"].all() and (new["productivity"] == 1).all()
    south_grass = over.mixes[(over.mixes["region"] == "south") & (over.mixes["mix"] == "grass")]
    assert len(south_grass) == 3
    assert "pine_robinia" in over.mix_names("north") and "pine_robinia" not in cat.mix_names("north")


@pytest.mark.parametrize("table, text, message", [
    ("costs", "item,unit,cny\nlime_cny_t,CNY/t,cheap\n",
     r"^my\.csv, row 2, column 'cny': 'cheap' is not a number"),
    ("costs", "item,unit,cny\nlime_cny_t,CNY/t,-5\n",
     r"^my\.csv, row 2, column 'cny': -5 is out of range"),
    ("costs", "item,unit,cnyy\nlime_cny_t,CNY/t,5\n",
     r"^my\.csv, column 'cnyy': unknown column 'cnyy' for the costs table"),
    ("costs", "item,cny\nnew_cny_ha,5\n",
     r"^my\.csv, row 2, column 'unit': 'new_cny_ha' is a new costs row, so this file needs a 'unit' column"),
    ("costs", "item,unit,cny\nlime_cny_t,CNY/t,5\nlime_cny_t,CNY/t,6\n",
     r"^my\.csv, row 3, column 'item': 'lime_cny_t': duplicate key"),
    ("regrading", "regrading,description,support_p,applies_to,min_parcel_slope_deg,diesel_l_m3\n"
     "cut+fill,x,0.9,slope,10,0.5\n", r"^my\.csv, row 2, column 'regrading': keys may not contain '\+'"),
    ("regrading", "regrading,description,support_p,applies_to,min_parcel_slope_deg,diesel_l_m3\n"
     "cut,x,0.9,slope;hillside,10,0.5\n", r"^my\.csv, row 2, column 'applies_to': 'hillside' is not one of"),
    ("regrading", "regrading,support_p\nterrace,0\n",
     r"^my\.csv, row 2, column 'support_p': 0 is out of range \(expected > 0 and <= 1\)"),
    ("amendments", "amendment,offered_when\nlime,always\n",
     r"^my\.csv, row 2, column 'offered_when': 'always': expected one of: acid, alkaline, all"),
    ("species", "species,nitrogen_fixer\nrobinia_pseudoacacia,maybe\n",
     r"^my\.csv, row 2, column 'nitrogen_fixer': 'maybe' is not true or false"),
    ("mixes", "region,mix,species,layer,area_share\nnorth,grass,elymus_dahuricus,grass,0.7\n"
     "north,grass,bromus_inermis,grass,0.5\n",
     r"^my\.csv, row 2, column 'area_share': the area shares of mix 'grass' in region 'north' add up to 1\.2"),
    ("mixes", "region,mix,species,layer,area_share\nnorth,grass,elymus_dahuricus,tree,0.7\n",
     r"^my\.csv, row 2, column 'layer': species 'elymus_dahuricus' is a grass in the species table"),
    ("mixes", "region,mix,species,layer,area_share\nnorth,grass,elymus_dahuricus,grass,0.4\n"
     "north,grass,pinus_nonexistens,tree,0.4\n",
     r"^my\.csv, row 3, column 'species': unknown species 'pinus_nonexistens'"),
    ("mixes", "region,mix,species,layer,area_share\natlantis,grass,elymus_dahuricus,grass,0.4\n",
     r"^my\.csv, row 2, column 'region': unknown region 'atlantis'"),
    ("mixes", "region,mix,species,layer,area_share,planted\nnorth,grass,elymus_dahuricus,grass,0.4,false\n",
     r"^my\.csv, row 2, column 'planted': planted is false for the 'natural' mix and only for it"),
    ("mixes", "region,mix,species,layer,area_share\nnorth,lime,elymus_dahuricus,grass,0.4\n",
     r"^my\.csv, row 2, column 'mix': 'lime' is already a key of amendments"),
    ("regions", "region,ipcc_climate_zone\nnorth,boreal_wet\n",
     r"^my\.csv, row 2, column 'ipcc_climate_zone': 'boreal_wet' is not a climate zone"),
    ("species", "species,growth_model,growth_c\nlarix_principis,richards,\n",
     r"^my\.csv, row 2, column 'growth_c': growth model 'richards' needs growth_c"),
])
def test_bad_override_names_file_row_column(tmp_path, table, text, message):
    path = _csv(tmp_path, "my.csv", text)
    with pytest.raises(InputError, match=message):
        load_catalogue({table: path})


def test_error_in_default_row_names_default_file(tmp_path):
    # the species override is fine; the default mixes now reference a species whose layer changed
    path = _csv(tmp_path, "sp.csv", "species,layer\nelymus_dahuricus,shrub\n")
    with pytest.raises(InputError, match=r"^mixes\.csv, row \d+, column 'layer': species 'elymus_dahuricus'"):
        load_catalogue({"species": path})


def test_unknown_parameter_table(tmp_path):
    with pytest.raises(InputError, match=r"project\.toml: \[parameters\] 'soils' is not a catalogue table"):
        load_catalogue({"soils": tmp_path / "x.csv"})


def test_missing_override_file(tmp_path):
    with pytest.raises(InputError, match=r"nope\.csv: file not found"):
        load_catalogue({"costs": tmp_path / "nope.csv"})


def test_growth_calibration_from_inventory(tmp_path, cat):
    age = np.array([5, 10, 15, 20, 25, 30, 40, 50], dtype=float)
    # Zhang Bin 2016 coniferous Richards (vegetation.md section 2): A 480.169, K 0.012, c = 1/(1-m)
    volume = richards(age, 480.169, 0.012, 1 / (1 - 0.318), np.log(1.030) / 0.012)
    rng = np.random.default_rng(7)
    volume = volume * (1 + 0.01 * rng.standard_normal(age.size))
    lines = ["species,age,value"] + [f"pinus_tabuliformis,{a:g},{v:.4f}" for a, v in zip(age, volume)]
    lines += ["robinia_pseudoacacia,5,3"]
    path = _csv(tmp_path, "inventory.csv", "\n".join(lines) + "\n")
    over = load_catalogue({"growth": path})
    pine = over.species.set_index("species").loc["pinus_tabuliformis"]
    assert pine["source"] == "project inventory inventory.csv"
    assert pine["growth_basis"] == "volume_m3_ha"
    assert any(n.startswith("growth of pinus_tabuliformis calibrated from inventory.csv") for n in over.notes)
    # one point cannot be fitted: the default curve stays and the note says why
    robinia = over.species.set_index("species").loc["robinia_pseudoacacia"]
    assert robinia["growth_a"] == cat.species.set_index("species").loc["robinia_pseudoacacia", "growth_a"]
    assert any(n.startswith("growth of robinia_pseudoacacia not calibrated") for n in over.notes)
    # the calibrated curve reproduces the inventory: RMSE within 2 % of the largest volume
    from estimators.growth import evaluate
    params = {p: pine[f"growth_{p}"] for p in ("a", "b", "k", "c", "t0") if np.isfinite(pine[f"growth_{p}"])}
    fitted = evaluate(pine["growth_model"], age, params)
    assert np.sqrt(np.mean((fitted - volume) ** 2)) < 0.02 * volume.max()


def test_growth_inventory_unknown_species(tmp_path):
    path = _csv(tmp_path, "inv.csv", "species,age,value\npinus_tabuliformis,5,1\nquercus_fantasia,5,1\n")
    with pytest.raises(InputError, match=r"^inv\.csv, row 3, column 'species': 'quercus_fantasia': unknown species"):
        load_catalogue({"growth": path})


def test_growth_inventory_bad_age(tmp_path):
    path = _csv(tmp_path, "inv.csv", "species,age,value\npinus_tabuliformis,five,1\n")
    with pytest.raises(InputError, match=r"^inv\.csv, row 2, column 'age': 'five' is not a number"):
        load_catalogue({"growth": path})


@pytest.mark.parametrize("parts, text", [
    (("slope_25", "lime", "pine_shrub_grass"), "slope_25+lime+pine_shrub_grass"),
    (("none", "lime", "grass"), "lime+grass"),
    (("none", "none", "grass"), "grass"),
    (("terrace", "none", "natural"), "terrace+natural"),
    (("none", "none", "natural"), "natural"),
])
def test_option_id_round_trip(cat, parts, text):
    assert option_id(*parts) == text
    assert parse_option_id(text, cat) == parts


def test_option_id_vectorised(cat):
    reg = cat.regrading["regrading"].to_numpy()[:, None, None]
    am = cat.amendments["amendment"].to_numpy()[None, :, None]
    mixes = np.array(cat.mix_names("north"))[None, None, :]
    ids = option_id(reg, am, mixes)
    assert ids.shape == (reg.shape[0], am.shape[1], mixes.shape[2])
    assert len(set(ids.ravel())) == ids.size  # ids are unique because the keys are disjoint
    back = [parse_option_id(t, cat) for t in ids.ravel()[::37]]
    full = np.stack(np.broadcast_arrays(reg, am, mixes), axis=-1).reshape(-1, 3)[::37]
    assert [tuple(r) for r in full] == back
    series = option_id(pd.Series(["none", "slope_15"]), "none", pd.Series(["grass", "grass"], index=[4, 5]))
    assert isinstance(series, pd.Series) and series.tolist() == ["grass", "slope_15+grass"]


@pytest.mark.parametrize("text, message", [
    ("slope_25+lime", r"the last part must be a mix"),
    ("lime+slope_25+grass", r"order regrading\+amendment\+mix"),
    ("slope_99+grass", r"'slope_99' is not a regrading, amendment or mix key"),
    ("grass+", r"expected \[regrading\+\]\[amendment\+\]mix"),
    ("lime+lime+grass", r"order regrading\+amendment\+mix, each at most once"),
])
def test_parse_option_id_errors(cat, text, message):
    with pytest.raises(InputError, match=message):
        parse_option_id(text, cat)


def test_parse_option_id_names_where(cat):
    with pytest.raises(InputError, match=r"^parcels\.csv, row 5, column 'forced_option': option 'x\+grass'"):
        parse_option_id("x+grass", cat, file="parcels.csv", row=5, column="forced_option")
