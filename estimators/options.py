"""The option table: every parcel x feasible restoration option, with per-hectare yields.

This is the one place where the science is combined (DESIGN.md section 2).  An option is a
(regrading, amendment, mix) triple of the catalogue.  For every parcel the candidates are the
regradings that apply to its landform and slope, the amendments offered on its soil, and the
mixes whose every species is suitable on the regraded, amended site; natural recovery (mix
``natural``) is always a candidate.

Carbon accounting from the start year S to year S + t (t CO2e/ha, DESIGN.md section 2)::

    net(t) = tree(t) + shrub(t) + grass(t) + soil(t) - erosion(t) - works

* vegetation: mix curves (estimators.mixcurves) x a row productivity (amendment multiplier x
  aspect multiplier of the woody layers);
* soil: change of the 0-100 cm stock from RothC (estimators.soil) driven by litter, manure-like
  amendments and biochar, starting from the parcel's stock (or the imported topsoil's);
* erosion: the share ``f_emit`` of the soil carbon carried off by RUSLE/CSLE soil loss
  A = R K LS C P, with LS from the regraded geometry and C from the mix's cover curve;
* works: CO2 of lime (IPCC 2006 Eq. 11.12) and of the diesel burnt moving earth.

Everything is a row scalar times a per-mix (or per-mix-and-clay) curve, gathered with numpy
indexing: no Python loop runs over parcels or rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from estimators.biomass import co2e
from estimators.erosion import cover_factor_from_cover, earthwork_m3_per_ha, ls_factor, regraded_geometry
from estimators.mixcurves import MixCurves, mix_curves
from estimators.optioncost import is_terrace, option_costs
from estimators.optionsoil import soil_change
from estimators.suitability import amended_sites, aspect_multiplier, suitability
from estimators.table import LAYERS, POOLS, OptionTable

__all__ = ["EstimateSettings", "build_option_table", "candidate_rows", "option_id", "regraded_landform",
           "site_frame"]

log = logging.getLogger(__name__)
Array = NDArray[np.float64]
IntArray = NDArray[np.int64]

DIESEL_T_CO2_PER_L = 2.68e-3  # [t CO2/L] IPCC 2006 Vol. 2 default for gas/diesel oil (reference costs.md)
BENCH_SLOPE_DEG = 5.0  # [degrees] planting surface of level bench terraces (assumption: level benches
#                        with a slight inward tilt); the terrace keeps the overall gradient for erosion


@dataclass(frozen=True)
class EstimateSettings:
    """Choices of the estimate that are not data tables.

    Attributes
    ----------
    start_year, horizon_year : int
        Works happen at the start of ``start_year``; carbon is counted up to ``horizon_year``.
    report_year : int
        An intermediate year reported separately (2030, the carbon-peak year).
    regrading, amendments, mixes : sequence of str or None
        Restrict the catalogue (project.toml [options]); None = all applicable.
    ls_method : str
        "csle" (McCool below the breakpoint, Liu et al. 1994 above: steep mine slopes) or "rusle".
    steep_breakpoint_deg : float [degrees]
    enrichment_ratio : float [-]
        SOC enrichment of eroded sediment (reference erosion.md section 5, default 1.3).
    f_emit : float [0-1]
        Share of eroded SOC emitted as CO2 (default 0.2, disputed: keep it a parameter).
    aspect_woody_max : float [-]
        Growth multiplier of north-preferring woody species on due-north slopes (1.0-1.3).
    native_only : bool
        Only species listed for the project's region.
    rothc_cover_threshold : float [0-1]
        Ground cover above which RothC treats the soil as vegetated.
    pool_years : sequence of int
        More calendar years whose carbon by pool the table reports, as columns
        ``{pool}_tco2e_ha_{year}`` [t CO2e/ha] (the report's carbon-over-time figure asks for
        them; NaN for a year outside start..horizon). Default none.
    """

    start_year: int
    horizon_year: int
    report_year: int = 2030
    regrading: Sequence[str] | None = None
    amendments: Sequence[str] | None = None
    mixes: Sequence[str] | None = None
    ls_method: str = "csle"
    steep_breakpoint_deg: float = 10.0
    enrichment_ratio: float = 1.3
    f_emit: float = 0.2
    aspect_woody_max: float = 1.2
    native_only: bool = True
    rothc_cover_threshold: float = 0.2
    pool_years: Sequence[int] = ()

    @property
    def n_years(self) -> int:
        return int(self.horizon_year - self.start_year)


@dataclass(frozen=True)
class Candidates:
    """Feasible (parcel, regrading, amendment, mix) rows as integer positions, parcels outer."""

    parcel: IntArray
    regrading: IntArray
    amendment: IntArray
    mix: IntArray


def _restrict(table: pd.DataFrame, key: str, keep: Sequence[str] | None, always: str) -> pd.DataFrame:
    if keep is None:
        return table.reset_index(drop=True)
    wanted = set(keep) | {always}
    return table[table[key].isin(wanted)].reset_index(drop=True)


def site_frame(parcels: pd.DataFrame, region: pd.Series) -> pd.DataFrame:
    """Parcel attributes in the form estimators.suitability reads (climate from the region row,
    which carries mat_c, map_mm and its key in ``region``)."""
    return pd.DataFrame(
        {
            "mat_c": float(region["mat_c"]),
            "map_mm": float(region["map_mm"]),
            "soil_ph": parcels["soil_ph"].to_numpy(dtype=float),
            "slope_deg": parcels["slope_deg"].to_numpy(dtype=float),
            "elevation_m": parcels["elevation_m"].to_numpy(dtype=float),
            "soil_depth_cm": parcels["soil_depth_cm"].to_numpy(dtype=float),
            "contaminated": parcels["contaminated"].to_numpy(dtype=bool),
            "region": str(region["region"]),
        }
    )


def regraded_landform(parcels: pd.DataFrame, regrading: pd.DataFrame) -> tuple[Array, Array]:
    """Slope angle [degrees] and horizontal slope length [m] of every parcel under every
    regrading, shape (P, R) (estimators.erosion.regraded_geometry)."""
    slope, length = regraded_geometry(
        parcels["slope_deg"].to_numpy(dtype=float)[:, None],
        parcels["slope_length_m"].to_numpy(dtype=float)[:, None],
        regrading["target_slope_deg"].to_numpy(dtype=float)[None, :],
        regrading["bench_spacing_m"].to_numpy(dtype=float)[None, :],
    )
    return np.asarray(slope, dtype=float), np.asarray(length, dtype=float)


def _regrading_applies(parcels: pd.DataFrame, regrading: pd.DataFrame) -> NDArray[np.bool_]:
    """(P, R): the regrading fits the landform and the parcel is steeper than its threshold."""
    landform = parcels["landform"].to_numpy(dtype=str)[:, None]
    applies = regrading["applies_to"].astype(str).str.split(";")
    fits = np.array([[lf in set(a) or "all" in a for a in applies] for lf in np.unique(landform)])
    lookup = {lf: i for i, lf in enumerate(np.unique(landform))}
    by_landform = fits[[lookup[lf] for lf in landform[:, 0]]]
    slope = parcels["slope_deg"].to_numpy(dtype=float)[:, None]
    steeper = slope > regrading["min_parcel_slope_deg"].to_numpy(dtype=float)[None, :]
    is_none = (regrading["regrading"] == "none").to_numpy()[None, :]
    return is_none | (by_landform & steeper)


def _amendment_offered(parcels: pd.DataFrame, amendments: pd.DataFrame) -> NDArray[np.bool_]:
    """(P, A): the amendment is offered on the parcel's soil (offered_when / not_when)."""
    ph = parcels["soil_ph"].to_numpy(dtype=float)
    depth = parcels["soil_depth_cm"].to_numpy(dtype=float)
    contaminated = parcels["contaminated"].to_numpy(dtype=bool)
    conditions = {"acid": ph < 6.5, "alkaline": ph > 8.0, "shallow": depth < 30.0, "contaminated": contaminated}

    def keys(text: str) -> list[str]:
        """Condition names of a ';'-separated cell ('all' and blanks name none)."""
        return [k.strip() for k in text.split(";") if k.strip() not in ("", "all")]

    not_when = amendments["not_when"] if "not_when" in amendments.columns else pd.Series("", index=amendments.index)
    cols = []
    for when, never in zip(amendments["offered_when"].astype(str), not_when.fillna("").astype(str)):
        offered = np.ones(len(parcels), dtype=bool)
        for key in keys(when):
            offered &= conditions[key]
        for key in keys(never):
            offered &= ~conditions[key]
        cols.append(offered)
    return np.stack(cols, axis=1)


def candidate_rows(
    parcels: pd.DataFrame,
    species: pd.DataFrame,
    region: pd.Series,
    regrading: pd.DataFrame,
    amendments: pd.DataFrame,
    curves: MixCurves,
    native_only: bool = True,
    regraded_slope: Array | None = None,
) -> Candidates:
    """Feasible (parcel, regrading, amendment, mix) combinations, in deterministic order.

    A mix is feasible on a regraded, amended site when every species in it is suitable there
    (estimators.suitability); ``natural`` is always feasible.  Species are planted on the
    regraded slope, or on the level benches of a terrace (``BENCH_SLOPE_DEG``); an imported
    topsoil cover (amendments.csv ``topsoil_ph``) sets the root zone's pH.  Rows come out parcel
    by parcel, then regrading, amendment and mix in catalogue order.  ``regraded_slope`` (P, R)
    is ``regraded_landform``'s slope when the caller already has it.
    """
    n_p, n_r, n_a, n_m = len(parcels), len(regrading), len(amendments), len(curves.mixes)
    reg_ok = _regrading_applies(parcels, regrading)
    am_ok = _amendment_offered(parcels, amendments)
    if regraded_slope is None:
        regraded_slope, _ = regraded_landform(parcels, regrading)
    new_slope = np.where(is_terrace(regrading)[None, :], np.fmin(regraded_slope, BENCH_SLOPE_DEG), regraded_slope)
    base = site_frame(parcels, region)
    variants = base.iloc[np.repeat(np.arange(n_p), n_r * n_a)].reset_index(drop=True)
    variants["slope_deg"] = np.repeat(new_slope.ravel(), n_a)
    amended = amended_sites(
        variants,
        ph_change=np.tile(amendments["ph_change"].to_numpy(dtype=float), n_p * n_r),
        depth_add_cm=np.tile(amendments["depth_add_cm"].to_numpy(dtype=float), n_p * n_r),
        remediates_contamination=np.tile(amendments["remediates_contamination"].to_numpy(dtype=bool), n_p * n_r),
    )
    topsoil_ph = pd.to_numeric(amendments.get("topsoil_ph", pd.Series(np.nan, index=amendments.index)),
                               errors="coerce").to_numpy(dtype=float)
    covered_ph = np.tile(topsoil_ph, n_p * n_r)
    amended["soil_ph"] = np.where(np.isnan(covered_ph), amended["soil_ph"].to_numpy(dtype=float), covered_ph)
    species_used = species.set_index("species").loc[curves.species].reset_index()
    suit = suitability(species_used, amended, native_only=native_only)
    in_mix = curves.shares > 0  # (M, S)
    misfits = (~suit.ok).astype(np.int32) @ in_mix.T.astype(np.int32)  # (P*R*A, M)
    mix_ok = (misfits == 0) | ~curves.planted[None, :]
    valid = mix_ok.reshape(n_p, n_r, n_a, n_m)
    valid &= reg_ok[:, :, None, None] & am_ok[:, None, :, None]
    p, r, a, m = np.nonzero(valid)
    return Candidates(p.astype(np.int64), r.astype(np.int64), a.astype(np.int64), m.astype(np.int64))


def option_id(regrading: Any, amendment: Any, mix: Any) -> Any:
    """Join the parts of an option that are not ``none`` with ``+``.

    Parameters
    ----------
    regrading, amendment, mix : str or array_like of str (broadcast together)

    Returns
    -------
    str for scalar input, else an object ndarray (a Series when ``mix`` is a Series).

    Examples
    --------
    >>> option_id("slope_25", "lime", "pine_shrub_grass")
    'slope_25+lime+pine_shrub_grass'
    >>> option_id("none", "none", "natural")
    'natural'
    """
    parts = np.broadcast_arrays(*(np.asarray(p, dtype=object) for p in (regrading, amendment, mix)))
    joined = np.full(parts[0].shape, "", dtype=object)
    for part in parts:
        text = part.astype(str).astype(object)
        keep = text != "none"
        glue = np.where((joined != "") & keep, "+", "")
        joined = joined + glue + np.where(keep, text, "")
    joined = np.where(joined == "", "none", joined)
    if joined.ndim == 0:
        return str(joined[()])
    if isinstance(mix, pd.Series):
        return pd.Series(joined, index=mix.index, name="option_id")
    return joined


def _option_ids(cand: Candidates, regrading: Sequence[str], amendments: Sequence[str],
                mixes: Sequence[str]) -> NDArray[np.object_]:
    """Option id of every row, built once per distinct (regrading, amendment, mix) triple."""
    n_a, n_m = len(amendments), len(mixes)
    code = (cand.regrading * n_a + cand.amendment) * n_m + cand.mix
    unique, inverse = np.unique(code, return_inverse=True)
    r, rest = np.divmod(unique, n_a * n_m)
    a, m = np.divmod(rest, n_m)
    names = option_id(np.asarray(regrading, dtype=object)[r], np.asarray(amendments, dtype=object)[a],
                      np.asarray(mixes, dtype=object)[m])
    return names[inverse]


def _productivity(curves: MixCurves, cand: Candidates, parcels: pd.DataFrame, amendments: pd.DataFrame,
                  species: pd.DataFrame, settings: EstimateSettings) -> Array:
    """Row productivity per layer (n_rows, 3) [-]: amendment multiplier, times the aspect
    multiplier of the mix's woody species for the tree and shrub layers."""
    table = species.set_index("species").loc[curves.species]
    aspect = parcels["aspect_deg"].to_numpy(dtype=float)
    slope = parcels["slope_deg"].to_numpy(dtype=float)
    aspect = np.where(slope < 2.0, np.nan, aspect)  # flat ground has no aspect
    mult = aspect_multiplier(aspect[:, None], table["aspect_pref"].to_numpy(dtype=object)[None, :],
                             woody_max=settings.aspect_woody_max)  # (P, S)
    woody_mult = mult @ curves.woody_weight.T  # (P, M)
    woody_mult = np.where(curves.woody_weight.sum(axis=1)[None, :] > 0, woody_mult, 1.0)
    amend = amendments["productivity_multiplier"].to_numpy(dtype=float)[cand.amendment]
    woody = amend * woody_mult[cand.parcel, cand.mix]
    return np.stack([woody, woody, amend], axis=1)


def _erosion(curves: MixCurves, cand: Candidates, slope: Array, length: Array, regrading: pd.DataFrame,
             region: pd.Series, settings: EstimateSettings) -> tuple[Array, Array]:
    """Soil loss of a bare year, R K LS P [t/ha/yr] per row, and the mix's C factor per year (M, Y).

    LS and P depend only on the parcel and its regrading: they are computed on the (P, R) grid
    of ``regraded_landform`` and gathered per row.  Year y's C comes from the cover in the middle
    of the year (``MixCurves.cover_mid``): the year of the works is mostly bare, natural
    colonisation leaves the ground bare for longer.
    """
    ls = ls_factor(slope, length, method=settings.ls_method, steep_breakpoint_deg=settings.steep_breakpoint_deg)
    rklsp = float(region["r_factor"]) * float(region["k_factor"]) * ls * regrading["support_p"].to_numpy(dtype=float)
    return rklsp[cand.parcel, cand.regrading], cover_factor_from_cover(curves.cover_mid)


def _works(cand: Candidates, earthwork: Array, regrading: pd.DataFrame, amendments: pd.DataFrame) -> Array:
    """Emissions of the works [t CO2e/ha, <= 0]: lime CO2 (IPCC 2006 Eq. 11.12) + earthmoving diesel."""
    lime_t_c = (amendments["rate_t_ha"].to_numpy(dtype=float)
                * amendments["lime_emission_t_c_per_t"].to_numpy(dtype=float))[cand.amendment]
    diesel_l = earthwork * regrading["diesel_l_m3"].to_numpy(dtype=float)[cand.regrading]
    return 0.0 - (co2e(lime_t_c) + diesel_l * DIESEL_T_CO2_PER_L) + 0.0  # + 0.0: no negative zeros


def build_option_table(parcels: pd.DataFrame, catalogue: Any, region_key: str,
                       settings: EstimateSettings) -> OptionTable:
    """Every parcel x feasible option with carbon by pool, cost and erosion per hectare.

    Parameters
    ----------
    parcels : DataFrame
        Validated parcels (DESIGN.md section 4 columns; defaults already filled).
    catalogue : object
        With DataFrame attributes species, regions, climate, regrading, amendments, mixes, costs
        (optimizer.catalogue.Catalogue or anything shaped like it).
    region_key : str
        Key of regions.csv.
    settings : EstimateSettings

    Returns
    -------
    OptionTable
        ``rows`` per parcel x option (all OPTION_COLUMNS, plus pools at ``report_year``).
    """
    if settings.n_years < 1:
        raise ValueError("horizon_year must be after start_year")
    region = catalogue.regions.set_index("region").loc[region_key].copy()
    region["region"] = region_key
    regrading = _restrict(catalogue.regrading, "regrading", settings.regrading, "none")
    amendments = _restrict(catalogue.amendments, "amendment", settings.amendments, "none")
    mixes = catalogue.mixes[catalogue.mixes["region"] == region_key]
    if settings.mixes is not None:
        mixes = mixes[mixes["mix"].isin(set(settings.mixes) | {"natural"})]
    curves = mix_curves(catalogue.species, mixes, settings.n_years)
    slope, length = regraded_landform(parcels, regrading)
    cand = candidate_rows(parcels, catalogue.species, region, regrading, amendments, curves, settings.native_only,
                          regraded_slope=slope)
    log.info("option table: %d parcels, %d candidate rows", len(parcels), len(cand.parcel))

    productivity = _productivity(curves, cand, parcels, amendments, catalogue.species, settings)
    soil_t_c, soc_g_kg = soil_change(parcels, cand, curves, productivity, amendments, catalogue, region_key, settings)
    rklsp, c_by_mix = _erosion(curves, cand, slope, length, regrading, region, settings)
    earth = earthwork_m3_per_ha(
        parcels["slope_deg"].to_numpy(dtype=float)[:, None],
        parcels["slope_length_m"].to_numpy(dtype=float)[:, None],
        regrading["target_slope_deg"].to_numpy(dtype=float)[None, :],
    )[cand.parcel, cand.regrading]
    costs = option_costs(cand, earth, regrading, amendments, curves, catalogue.costs, settings.n_years)
    works = _works(cand, earth, regrading, amendments)
    return _assemble(parcels, cand, regrading, amendments, curves, productivity, soil_t_c, soc_g_kg,
                     rklsp, c_by_mix, works, costs, region, settings)


def _pool_curves(curves: MixCurves, c_by_mix: Array) -> dict[str, Array]:
    """Per-mix curves over t = 0..Y: vegetation carbon gained [t CO2e/ha per unit productivity]
    and cumulative C factor [yr] (the sum of yearly C up to t)."""
    gained = co2e(curves.carbon - curves.carbon[:, :, :1])
    cum_c = np.concatenate([np.zeros((len(c_by_mix), 1)), np.cumsum(c_by_mix, axis=1)], axis=1)
    return {"tree": gained[:, 0], "shrub": gained[:, 1], "grass": gained[:, 2], "cum_c": cum_c}


def _assemble(parcels: pd.DataFrame, cand: Candidates, regrading: pd.DataFrame, amendments: pd.DataFrame,
              curves: MixCurves, productivity: Array, soil_t_c: Array, soc_g_kg: Array, rklsp: Array,
              c_by_mix: Array, works: Array, costs: Any, region: pd.Series,
              settings: EstimateSettings) -> OptionTable:
    """Pools at the horizon and the report year, the net trajectory and the other row columns."""
    y = settings.n_years
    offset = settings.report_year - settings.start_year
    i_rep = int(offset) if 0 <= offset <= y else None
    curve = _pool_curves(curves, c_by_mix)
    # eroded SOC emitted up to year t: A_bare x sum(C) x SOC x ER x f_emit  [t C/ha] -> CO2e
    erosion_scale = co2e(rklsp * soc_g_kg / 1000.0 * settings.enrichment_ratio * settings.f_emit)
    scale = {"tree": productivity[:, 0], "shrub": productivity[:, 1], "grass": productivity[:, 2],
             "erosion": -erosion_scale}
    source = {"tree": "tree", "shrub": "shrub", "grass": "grass", "erosion": "cum_c"}

    def pool_at(pool: str, t: int | None) -> Array:
        if t is None:  # the report year lies outside start..horizon
            return np.full(len(works), np.nan)
        if pool == "works":
            return works
        if pool == "soil":
            return co2e(soil_t_c[:, t])
        return scale[pool] * curve[source[pool]][cand.mix, t]

    net = co2e(soil_t_c).astype(np.float32) + works[:, None].astype(np.float32)
    for pool in ("tree", "shrub", "grass", "erosion"):
        net += (scale[pool][:, None] * curve[source[pool]][cand.mix]).astype(np.float32)

    reg = regrading["regrading"].to_numpy(dtype=str)[cand.regrading]
    am = amendments["amendment"].to_numpy(dtype=str)[cand.amendment]
    mix = np.asarray(curves.mixes, dtype=str)[cand.mix]
    natural = (reg == "none") & (am == "none") & (mix == "natural")
    net_h: Array = np.sum([pool_at(p, y) for p in POOLS], axis=0)
    baseline = np.full(len(parcels), np.nan)
    baseline[cand.parcel[natural]] = net_h[natural]
    mean_c = c_by_mix.mean(axis=1)[cand.mix]
    first5_c = c_by_mix[:, : min(5, y)].mean(axis=1)[cand.mix]
    columns: dict[str, Any] = {
        "parcel_id": parcels["parcel_id"].to_numpy(dtype=object)[cand.parcel],
        "option_id": _option_ids(cand, list(regrading["regrading"]), list(amendments["amendment"]), curves.mixes),
        "regrading": reg, "amendment": am, "mix": mix,
        "area_ha": parcels["area_ha"].to_numpy(dtype=float)[cand.parcel],
        "net_tco2e_ha": net_h,
        "additional_tco2e_ha": net_h - baseline[cand.parcel],
        "tco2e_ha_2030": np.sum([pool_at(p, i_rep) for p in POOLS], axis=0),
        "cost_cny_ha": costs.capital + costs.maintenance,
        "capital_cny_ha": costs.capital,
        "maintenance_cny_ha": costs.maintenance,
        "erosion_t_ha_yr": rklsp * mean_c,
        "erosion_first5_t_ha_yr": rklsp * first5_c,
    }
    for j, layer in enumerate(LAYERS):
        columns[f"{layer}_share"] = curves.layer_shares[cand.mix, j]
    for pool in POOLS:
        columns[f"{pool}_tco2e_ha"] = pool_at(pool, y)
    for pool in POOLS:
        columns[f"{pool}_tco2e_ha_{settings.report_year}"] = pool_at(pool, i_rep)
    columns.update(_pools_at_years(pool_at, settings))
    columns["earthwork_m3_ha"] = costs.earthwork_m3_ha
    # carbon applied with sludge, compost or biochar [t CO2e/ha]: part of the soil pool as RothC
    # receives it, but brought in rather than drawn from the air on site (imported topsoil's
    # carbon is in the year-0 stock instead and never counts)
    pool = amendments["input_pool"].astype(str).to_numpy()[cand.amendment]
    applied = amendments["carbon_input_t_c_ha"].to_numpy(dtype=float)[cand.amendment]
    columns["imported_tco2e_ha"] = co2e(np.where(pool == "none", 0.0, applied))
    columns["is_natural"] = natural
    mix_species = pd.DataFrame(curves.shares, index=curves.mixes, columns=curves.species)
    return OptionTable(
        rows=pd.DataFrame(columns), parcels=_parcel_frame(parcels, region), mix_species=mix_species,
        years=np.arange(settings.start_year, settings.horizon_year + 1), net_trajectory=net,
        start_year=settings.start_year, horizon_year=settings.horizon_year,
        meta={"region": str(region["region"])},
    )


def _pools_at_years(pool_at: Any, settings: EstimateSettings) -> dict[str, Array]:
    """``{pool}_tco2e_ha_{year}`` for the extra ``settings.pool_years`` (pool_at(pool, t) gives a
    pool at t years after the start, or NaN for t None)."""
    out: dict[str, Array] = {}
    for year in settings.pool_years:
        t = int(year) - settings.start_year
        for pool in POOLS:
            out[f"{pool}_tco2e_ha_{int(year)}"] = pool_at(pool, t if 0 <= t <= settings.n_years else None)
    return out


def _parcel_frame(parcels: pd.DataFrame, region: pd.Series) -> pd.DataFrame:
    """Parcel facts the optimiser needs, index parcel_id."""
    frame = pd.DataFrame({
        "area_ha": parcels["area_ha"].to_numpy(dtype=float),
        "region": str(region["region"]),
        "erosion_tolerance_t_ha_yr": float(region["erosion_tolerance_t_ha_yr"]),
        "status": parcels["status"].fillna("").astype(str).to_numpy() if "status" in parcels else "",
        "forced_option": parcels["forced_option"].fillna("").astype(str).to_numpy() if "forced_option" in parcels else "",
        "landform": parcels["landform"].astype(str).to_numpy(),
    }, index=pd.Index(parcels["parcel_id"].astype(str), name="parcel_id"))
    return frame
