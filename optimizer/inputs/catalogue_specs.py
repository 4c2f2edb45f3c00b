"""Column specifications of the default catalogue tables (data/*.csv), see docs/internals.md.

One ``TableSpec`` per table says which columns are keys, text, numbers (required or optional with
a default), true/false flags, which text columns take a fixed set of values (or ``;``-separated
lists of them) and the range of every number.  ``optimizer.inputs.catalogue`` reads, converts and checks
the default tables and a project's override files with these specifications.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LAYERS = frozenset({"tree", "shrub", "grass"})
LANDFORMS = frozenset({"platform", "slope", "pit_wall", "pit_floor", "subsidence", "tailings", "road"})
GROWTH_MODELS = frozenset({"richards", "logistic", "gompertz", "schumacher", "korf", "mitscherlich", "power"})
GROWTH_BASES = frozenset({"volume_m3_ha", "biomass_t_ha", "carbon_t_ha"})
BEF_METHODS = frozenset({"continuous", "constant", "none"})
INPUT_POOLS = frozenset({"none", "fym", "biochar"})
OFFERED_WHEN = frozenset({"all", "acid", "alkaline", "shallow", "contaminated"})
NOT_WHEN = frozenset({"", "acid", "alkaline", "shallow", "contaminated"})
ASPECTS = frozenset({"any", "north", "south"})
BIOCHAR_TEMPERATURES = frozenset({"", "low", "medium", "high"})
OPTION_TYPES = frozenset({"natural", "grass", "woody", "highwall"})
IPCC_KINDS = frozenset({"soc_ref", "f_lu", "f_mg", "f_i"})
NAN = float("nan")

#: Items of costs.csv that estimators.options reads (docs/internals.md, costs.csv).
REQUIRED_COSTS = (
    "earthwork_cny_m3", "terrace_cny_ha", "tree_planting_cny_ha", "shrub_planting_cny_ha",
    "grass_seeding_cny_ha", "natural_closure_cny_ha", "lime_cny_t", "fly_ash_cny_t", "sludge_cny_t",
    "compost_cny_t", "topsoil_cny_m3", "biochar_cny_t", "maintenance_planted_cny_ha_yr",
    "maintenance_natural_cny_ha_yr", "maintenance_years",
)


@dataclass(frozen=True)
class Range:
    """Allowed interval of a number: [lo, hi], or (lo, hi] when ``lo_open``."""

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False


@dataclass(frozen=True)
class TableSpec:
    """What the columns of one catalogue table must hold.

    Attributes
    ----------
    name : table name as used in project.toml [parameters] (species, regions, ...)
    file : default file name in data/
    key : key columns (unique together)
    text : other required text columns
    numeric : numbers required in every row
    optional : numbers that may be blank -> default
    bools : true/false columns -> default when blank or absent
    choices : text column -> allowed values
    lists : text column -> allowed values of its ``;``-separated items (None = any key, checked later)
    ranges : numeric column -> Range
    group : override unit; rows of an override replace every default row of the same group
        (mixes: a whole (region, mix); climate: a region's 12 months); empty = the key
    """

    name: str
    file: str
    key: tuple[str, ...]
    text: tuple[str, ...] = ()
    numeric: tuple[str, ...] = ()
    optional: dict[str, float] = field(default_factory=dict)
    bools: dict[str, bool] = field(default_factory=dict)
    choices: dict[str, frozenset[str]] = field(default_factory=dict)
    lists: dict[str, frozenset[str] | None] = field(default_factory=dict)
    ranges: dict[str, Range] = field(default_factory=dict)
    group: tuple[str, ...] = ()
    blank_key_ok: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the table knows (extra columns in a file are an error in overrides)."""
        named = (*self.key, *self.text, *self.numeric, *self.optional, *self.bools, *self.choices,
                 *self.lists, "source", "notes")
        return tuple(dict.fromkeys(named))

    @property
    def unit(self) -> tuple[str, ...]:
        """Columns that identify the unit an override replaces."""
        return self.group or self.key


_SHARE = Range(0.0, 1.0)
_NONNEG = Range(0.0)
_PH = Range(0.0, 14.0)
_POS = Range(0.0, lo_open=True)

SPECIES = TableSpec(
    name="species", file="species.csv", key=("species",),
    text=("latin_name", "common_name", "layer", "growth_model", "growth_basis", "bef_method",
          "aspect_pref", "regions"),
    numeric=("growth_a", "root_shoot", "carbon_fraction", "turnover_yr", "dpm_rpm", "max_cover",
             "cover_halftime_yr", "mat_min_c", "mat_max_c", "map_min_mm", "map_max_mm", "ph_min",
             "ph_max", "max_slope_deg", "elev_min_m", "elev_max_m", "min_soil_depth_cm"),
    optional={c: NAN for c in ("growth_b", "growth_k", "growth_c", "growth_t0", "growth_cap",
                               "bef_a", "bef_b")},
    bools={"bef_includes_roots": False, "contamination_tolerant": False, "nitrogen_fixer": False,
           "pioneer": False},
    choices={"layer": LAYERS, "growth_model": GROWTH_MODELS, "growth_basis": GROWTH_BASES,
             "bef_method": BEF_METHODS, "aspect_pref": ASPECTS},
    lists={"regions": None},
    ranges={"growth_a": _POS, "growth_cap": _POS, "root_shoot": _NONNEG, "carbon_fraction": Range(0.3, 0.6),
            "turnover_yr": _SHARE, "dpm_rpm": _NONNEG, "max_cover": _SHARE, "cover_halftime_yr": _POS,
            "map_min_mm": _NONNEG, "map_max_mm": _NONNEG, "ph_min": Range(0, 14), "ph_max": Range(0, 14),
            "max_slope_deg": Range(0, 90), "min_soil_depth_cm": _NONNEG, "growth_t0": _NONNEG},
)

REGIONS = TableSpec(
    name="regions", file="regions.csv", key=("region",),
    text=("name", "example_province", "ipcc_climate_zone"),
    numeric=("mat_c", "map_mm", "r_factor", "k_factor", "erosion_tolerance_t_ha_yr", "soc_ref_t_ha",
             "clay_pct", "elevation_m"),
    ranges={"map_mm": _POS, "r_factor": _POS, "k_factor": Range(0.0, 0.1, lo_open=True),
            "erosion_tolerance_t_ha_yr": _POS, "soc_ref_t_ha": _POS, "clay_pct": Range(0, 100)},
)

CLIMATE = TableSpec(
    name="climate", file="climate_monthly.csv", key=("region", "month"),
    numeric=("month", "tmp_c", "rain_mm", "evap_mm"),
    ranges={"month": Range(1, 12), "rain_mm": _NONNEG, "evap_mm": _NONNEG},
    group=("region",),
)

REGRADING = TableSpec(
    name="regrading", file="regrading.csv", key=("regrading",),
    text=("description", "applies_to"),
    numeric=("support_p", "min_parcel_slope_deg", "diesel_l_m3"),
    optional={"target_slope_deg": NAN, "bench_spacing_m": NAN, "max_parcel_slope_deg": NAN,
              "planting_slope_deg": NAN, "planting_depth_cm": NAN, "substrate_add_cm": 0.0,
              "substrate_ph": NAN, "k_multiplier": 1.0},
    bools={"soil_credit": True},
    lists={"applies_to": LANDFORMS | {"all"}, "mixes": None},
    ranges={"support_p": Range(0.0, 1.0, lo_open=True), "min_parcel_slope_deg": Range(0, 90),
            "diesel_l_m3": _NONNEG, "target_slope_deg": Range(0, 90), "bench_spacing_m": _POS,
            "max_parcel_slope_deg": Range(0, 90), "planting_slope_deg": Range(0, 90),
            "planting_depth_cm": _NONNEG, "substrate_add_cm": _NONNEG, "substrate_ph": _PH,
            "k_multiplier": _NONNEG},
)

AMENDMENTS = TableSpec(
    name="amendments", file="amendments.csv", key=("amendment",),
    text=("description", "input_pool", "offered_when"),
    numeric=("rate_t_ha", "ph_change", "depth_add_cm", "carbon_input_t_c_ha",
             "productivity_multiplier", "lime_emission_t_c_per_t"),
    optional={"biochar_permanence": NAN, "topsoil_soc_g_kg": NAN, "topsoil_ph": NAN, "n_pct_dm": 0.0,
              "haul_mass_t_ha": 0.0, "diesel_l_m3": 0.0, "biochar_fc": NAN},
    bools={"remediates_contamination": False},
    choices={"input_pool": INPUT_POOLS, "offered_when": OFFERED_WHEN, "not_when": NOT_WHEN,
             "biochar_temperature": BIOCHAR_TEMPERATURES},
    ranges={"rate_t_ha": _NONNEG, "depth_add_cm": _NONNEG, "carbon_input_t_c_ha": _NONNEG,
            "productivity_multiplier": _POS, "lime_emission_t_c_per_t": _NONNEG,
            "biochar_permanence": _SHARE, "topsoil_soc_g_kg": _NONNEG,
            "topsoil_ph": _PH, "n_pct_dm": Range(0.0, 20.0), "haul_mass_t_ha": _NONNEG,
            "diesel_l_m3": _NONNEG, "biochar_fc": _SHARE},
)

BUFFER = TableSpec(
    name="buffer", file="buffer.csv", key=("region", "option_type"),
    numeric=("buffer_pct",),
    choices={"option_type": OPTION_TYPES},
    ranges={"buffer_pct": Range(0.0, 100.0)},
)

MIXES = TableSpec(
    name="mixes", file="mixes.csv", key=("region", "mix", "species"),
    text=("layer",),
    numeric=("area_share",),
    optional={"delay_yr": 0.0, "productivity": 1.0, "stems_per_ha": NAN, "seed_kg_ha": NAN},
    bools={"planted": True},
    choices={"layer": LAYERS},
    ranges={"area_share": _SHARE, "delay_yr": _NONNEG, "productivity": _POS, "stems_per_ha": _NONNEG,
            "seed_kg_ha": _NONNEG},
    group=("region", "mix"),
)

COSTS = TableSpec(
    name="costs", file="costs.csv", key=("item",),
    text=("unit",),
    numeric=("cny",),
    optional={"price_year": NAN},
    ranges={"cny": _NONNEG, "price_year": Range(1950, 2100)},
)

IPCC_SOIL = TableSpec(
    name="ipcc_soil", file="ipcc_soil.csv", key=("kind", "climate", "soil", "name"),
    numeric=("value",),
    choices={"kind": IPCC_KINDS},
    ranges={"value": _POS},
    blank_key_ok=("climate", "soil", "name"),
)

#: Table name -> spec, in loading order (regions before the tables that refer to them).
SPECS: dict[str, TableSpec] = {s.name: s for s in (REGIONS, CLIMATE, IPCC_SOIL, SPECIES, REGRADING,
                                                   AMENDMENTS, MIXES, COSTS, BUFFER)}

#: Optional text columns: present in some tables, blank when absent.
OPTIONAL_TEXT = ("not_when", "notes", "mixes", "biochar_temperature")


def power_needs() -> tuple[str, ...]:
    """Parameters the ``power`` growth form needs (y = a t^b, capped)."""
    return ("growth_a", "growth_b", "growth_cap")
