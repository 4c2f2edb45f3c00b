"""Tests for estimators.suitability with small hand-made species and site tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from estimators.suitability import REASONS, amended_sites, aspect_multiplier, suitability


def make_species(**overrides: object) -> pd.DataFrame:
    """One generous species ("generalist"); overrides change that row's columns."""
    row: dict[str, object] = {
        "species": "generalist",
        "mat_min_c": 0.0,
        "mat_max_c": 20.0,
        "map_min_mm": 300.0,
        "map_max_mm": 1500.0,
        "ph_min": 5.5,
        "ph_max": 8.5,
        "max_slope_deg": 35.0,
        "elev_min_m": 0.0,
        "elev_max_m": 2500.0,
        "min_soil_depth_cm": 20.0,
        "contamination_tolerant": False,
        "aspect_pref": "any",
        "regions": "north;northwest",
    }
    row.update(overrides)
    return pd.DataFrame([row])


def make_site(**overrides: object) -> pd.DataFrame:
    """One ordinary North-China loess dump site (Shanxi 10 C, 530 mm: vegetation.md section 5)."""
    row: dict[str, object] = {
        "mat_c": 10.0,
        "map_mm": 530.0,
        "soil_ph": 7.8,
        "slope_deg": 20.0,
        "elevation_m": 1400.0,
        "soil_depth_cm": 50.0,
        "contaminated": False,
        "aspect_deg": 0.0,
        "region": "north",
    }
    row.update(overrides)
    return pd.DataFrame([row], index=["P01"])


def test_generalist_suits_ordinary_site() -> None:
    result = suitability(make_species(), make_site())
    assert result.ok.tolist() == [[True]]
    assert result.reason.tolist() == [[""]]


@pytest.mark.parametrize(
    ("site", "reason"),
    [
        ({"mat_c": -2.0}, "too cold"),
        ({"mat_c": 22.0}, "too warm"),
        ({"map_mm": 250.0}, "too dry"),
        ({"map_mm": 1800.0}, "too wet"),
        ({"soil_ph": 4.5}, "pH too low"),
        ({"soil_ph": 9.0}, "pH too high"),
        ({"slope_deg": 40.0}, "slope too steep"),
        ({"elevation_m": -10.0}, "below elevation window"),
        ({"elevation_m": 3000.0}, "above elevation window"),
        ({"soil_depth_cm": 10.0}, "substrate too shallow"),
        ({"contaminated": True}, "not tolerant of contamination"),
        ({"region": "south"}, "not native to region"),
    ],
)
def test_each_reason(site: dict[str, object], reason: str) -> None:
    result = suitability(make_species(), make_site(**site))
    assert result.ok.tolist() == [[False]]
    assert result.reason[0, 0] == reason
    assert result.reasons_for("P01", "generalist") == [reason]


def test_every_reason_is_tested() -> None:
    assert len(REASONS) == 12


def test_bounds_are_inclusive() -> None:
    site = make_site(mat_c=20.0, map_mm=300.0, soil_ph=5.5, slope_deg=35.0, soil_depth_cm=20.0)
    assert suitability(make_species(), site).ok.all()


def test_several_reasons_joined() -> None:
    result = suitability(make_species(), make_site(soil_ph=4.0, slope_deg=45.0, contaminated=True))
    frame = result.to_frame()
    assert frame.loc[0, "reasons"] == "pH too low; slope too steep; not tolerant of contamination"


def test_contamination_tolerant_species_passes() -> None:
    species = make_species(contamination_tolerant=True)
    assert suitability(species, make_site(contaminated=True)).ok.all()
    species = make_species(contamination_tolerant="true")  # text as read from a CSV
    assert suitability(species, make_site(contaminated="true")).ok.all()


def test_region_soft_when_not_native_only() -> None:
    site = make_site(region="south")
    assert not suitability(make_species(), site).ok.any()
    assert suitability(make_species(), site, native_only=False).ok.all()
    assert suitability(make_species(regions="all"), site).ok.all()
    assert suitability(make_species(regions="South ; southwest"), site).ok.all()  # case and spaces


def test_unknown_site_values_never_exclude() -> None:
    species = make_species(ph_min=9.0, max_slope_deg=1.0, min_soil_depth_cm=500.0, elev_min_m=5000.0,
                           mat_min_c=30.0, map_min_mm=5000.0, regions="south")
    unknown = pd.DataFrame(
        {
            "mat_c": [np.nan], "map_mm": [np.nan], "soil_ph": [np.nan], "slope_deg": [np.nan],
            "elevation_m": [np.nan], "soil_depth_cm": [np.nan], "contaminated": [None],
            "aspect_deg": [np.nan], "region": [None],
        }
    )
    assert suitability(species, unknown).ok.all()
    assert suitability(species, pd.DataFrame(index=["empty"])).ok.all()  # no columns at all


def test_blank_species_bounds_never_exclude() -> None:
    species = make_species(ph_min=np.nan, ph_max=np.nan, max_slope_deg=np.nan, regions=np.nan)
    assert suitability(species, make_site(soil_ph=3.0, slope_deg=60.0, region="south")).ok.all()


def test_missing_species_column_is_an_error() -> None:
    with pytest.raises(ValueError, match="ph_min"):
        suitability(make_species().drop(columns="ph_min"), make_site())


def test_vectorised_shapes_and_order() -> None:
    species = pd.concat(
        [
            make_species(),
            make_species(species="acid_lover", ph_min=4.0, ph_max=6.0),
            make_species(species="steep_grass", max_slope_deg=60.0, regions="all"),
        ],
        ignore_index=True,
    )
    rng = np.random.default_rng(1)
    n = 500
    sites = pd.DataFrame(
        {
            "mat_c": rng.uniform(-5, 25, n),
            "map_mm": rng.uniform(200, 2000, n),
            "soil_ph": rng.uniform(3.5, 9.5, n),
            "slope_deg": rng.uniform(0, 60, n),
            "elevation_m": rng.uniform(0, 3000, n),
            "soil_depth_cm": rng.uniform(0, 100, n),
            "contaminated": rng.random(n) < 0.2,
            "aspect_deg": rng.uniform(0, 360, n),
            "region": rng.choice(["north", "south", "northwest"], n),
        },
        index=[f"P{i:03d}" for i in range(n)],
    )
    result = suitability(species, sites)
    assert result.ok.shape == (n, 3) and result.codes.shape == (n, 3) and result.reason.shape == (n, 3)
    assert list(result.species) == ["generalist", "acid_lover", "steep_grass"]
    # cross-check the vectorised result against a direct statement for one criterion pair
    expected_acid = (
        sites["soil_ph"].between(4.0, 6.0)
        & sites["mat_c"].between(0, 20)
        & sites["map_mm"].between(300, 1500)
        & (sites["slope_deg"] <= 35)
        & (sites["elevation_m"] <= 2500)
        & (sites["soil_depth_cm"] >= 20)
        & ~sites["contaminated"]
        & sites["region"].isin(["north", "northwest"])
    )
    np.testing.assert_array_equal(result.ok[:, 1], expected_acid.to_numpy())
    assert np.array_equal(result.ok, result.reason == "")
    frame = result.to_frame()
    assert len(frame) == 3 * n
    assert list(frame.columns) == ["site", "species", "suitable", "reasons"]
    assert frame.loc[4, "site"] == "P001" and frame.loc[4, "species"] == "acid_lover"
    assert frame.loc[4, "suitable"] == result.ok[1, 1]


# --- aspect -----------------------------------------------------------------------------------


def test_aspect_multiplier_north_preference() -> None:
    # vegetation.md section 5: north-facing woody multiplier 1.0-1.3; default 1.2
    aspect = np.array([0.0, 90.0, 180.0, 270.0, np.nan])
    prefs = np.array(["north", "south", "any"])
    m = aspect_multiplier(aspect[:, None], prefs[None, :])
    assert m.shape == (5, 3)
    np.testing.assert_allclose(m[:, 0], [1.2, 1.0, 1.0, 1.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(m[:, 1], [1.0, 1.0, 1.2, 1.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(m[:, 2], 1.0)
    assert 1.0 <= m.min() and m.max() <= 1.3
    m45 = aspect_multiplier(45.0, "north", woody_max=1.3)
    assert float(m45) == pytest.approx(1.0 + 0.3 * np.cos(np.pi / 4))


def test_aspect_multiplier_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="aspect_pref"):
        aspect_multiplier(0.0, "shady")


# --- amendments -------------------------------------------------------------------------------


def test_liming_acid_spoil_makes_species_suitable() -> None:
    species = make_species(ph_min=5.5)
    acid = make_site(soil_ph=4.5)
    assert suitability(species, acid).reason[0, 0] == "pH too low"
    limed = amended_sites(acid, ph_change=1.5)
    assert limed.loc["P01", "soil_ph"] == pytest.approx(6.0)
    assert suitability(species, limed).ok.all()
    assert acid.loc["P01", "soil_ph"] == 4.5  # input unchanged


def test_lime_stops_at_ceiling_and_lowering_at_floor() -> None:
    sites = pd.DataFrame({"soil_ph": [4.5, 7.0, 8.0, np.nan]})
    np.testing.assert_allclose(amended_sites(sites, ph_change=2.0)["soil_ph"], [6.5, 7.5, 8.0, np.nan])
    np.testing.assert_allclose(amended_sites(sites, ph_change=-1.0)["soil_ph"], [4.5, 6.5, 7.0, np.nan])
    per_site = amended_sites(sites, ph_change=[1.0, 0.0, -2.0, 1.0])
    np.testing.assert_allclose(per_site["soil_ph"], [5.5, 7.0, 6.5, np.nan])


def test_topsoil_and_remediation() -> None:
    species = make_species(min_soil_depth_cm=30.0)
    shallow = make_site(soil_depth_cm=10.0, contaminated=True)
    assert suitability(species, shallow).reasons_for("P01", "generalist") == [
        "substrate too shallow",
        "not tolerant of contamination",
    ]
    covered = amended_sites(shallow, depth_add_cm=30.0, remediates_contamination=True)
    assert covered.loc["P01", "soil_depth_cm"] == 40.0
    assert not covered.loc["P01", "contaminated"]
    assert suitability(species, covered).ok.all()
    with pytest.raises(ValueError, match="depth_add_cm"):
        amended_sites(shallow, depth_add_cm=-5.0)


def test_suitable_mask_equals_suitability_ok():
    """The code-free mask used by the option table agrees with ``suitability().ok`` on random sites."""
    from estimators.suitability import suitable
    from optimizer.inputs.data import data_file
    import pandas as pd
    import numpy as np

    species = pd.read_csv(data_file("species.csv"))
    rng = np.random.default_rng(3)
    n = 400
    sites = pd.DataFrame({
        "mat_c": rng.uniform(-5, 25, n), "map_mm": rng.uniform(100, 2000, n),
        "soil_ph": rng.uniform(4, 9.5, n), "slope_deg": rng.uniform(0, 80, n),
        "elevation_m": rng.uniform(0, 3500, n), "soil_depth_cm": rng.uniform(0, 100, n),
        "contaminated": rng.choice(["true", "false", ""], n),
        "region": rng.choice(["north", "south", "west", "nowhere"], n),
    })
    sites.loc[::7, "soil_ph"] = np.nan
    for native in (True, False):
        ref = suitability(species, sites, native_only=native).ok
        got = suitable(species, sites, native_only=native)
        assert got.shape == ref.shape and (got == ref).all()
        assert 0 < got.sum() < got.size


def test_suitable_on_variants_equals_the_expanded_sites():
    """Site variants (slope, depth, pH, contamination replaced; the rest from their site) give
    what ``suitability`` says of the sites written out with those values."""
    from estimators.suitability import suitable
    from optimizer.inputs.data import data_file
    import pandas as pd
    import numpy as np

    species = pd.read_csv(data_file("species.csv"))
    rng = np.random.default_rng(4)
    n, v = 60, 500
    sites = pd.DataFrame({
        "mat_c": rng.uniform(-5, 25, n), "map_mm": rng.uniform(100, 2000, n),
        "soil_ph": rng.uniform(4, 9.5, n), "slope_deg": rng.uniform(0, 80, n),
        "elevation_m": rng.uniform(0, 3500, n), "soil_depth_cm": rng.uniform(0, 100, n),
        "contaminated": rng.random(n) < 0.3, "region": rng.choice(["north", "south", "nowhere"], n),
    })
    site_of = rng.integers(0, n, v)
    variants = pd.DataFrame({"slope_deg": rng.uniform(0, 80, v), "soil_depth_cm": rng.uniform(0, 100, v),
                             "soil_ph": np.where(rng.random(v) < 0.1, np.nan, rng.uniform(4, 9.5, v)),
                             "contaminated": pd.array(rng.random(v) < 0.3, dtype="boolean")})
    expanded = sites.iloc[site_of].reset_index(drop=True)
    for col in variants.columns:
        expanded[col] = variants[col].to_numpy()
    for native in (True, False):
        ref = suitability(species, expanded, native_only=native).ok
        got = suitable(species, sites, native_only=native, variants=variants, site_of=site_of)
        assert got.shape == ref.shape and (got == ref).all()
        assert 0 < got.sum() < got.size
