"""The option table: every parcel x feasible restoration option, with per-hectare yields.

This is the one place where the science is combined (DESIGN.md section 2).  Candidate rows come
from ``estimators.optionrows``.  Carbon accounting from the start year S to year S + t
(t CO2e/ha), every pool reported on its own (reference accounting.md)::

    net(t)      = tree + shrub + grass + soil + erosion + works
                  [+ imported if the policy includes it] [+ biochar if the policy credits it]
    buffer(t)   = -buffer_pct / 100 x max(net(t), 0)
    credited(t) = net(t) + buffer(t)                       (what the optimiser maximises)

* vegetation: mix curves (estimators.mixcurves) with each amendment's fading head start, times
  the aspect multiplier of the woody layers;
* soil: on-site change of the 0-100 cm stock by RothC (estimators.optionsoil): the spoil's own
  carbon plus what litter and roots add, saturating below the IPCC reference stock, minus the
  eroded soil carbon that leaves the parcel;
* imported: carbon of imported origin still present (sludge, compost, an imported topsoil's own
  stock, less that stock): reported, not credited by default;
* biochar: mass x Fc x Fperm (estimators.accounting), not credited by default;
* erosion: the emitted share ``f_emit`` of the soil carbon carried off by supply-limited
  RUSLE/CSLE soil loss A = R K LS C P;
* works: diesel, haulage, N2O of organic N, lime CO2 (estimators.optionworks);
* buffer: reversal-risk share by region and option type.

Every per-row quantity is a row scalar times a per-(amendment, mix) curve, gathered with numpy
indexing: no Python loop runs over parcels or rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from estimators.accounting import AccountingPolicy, buffer_tco2e
from estimators.biomass import co2e
from estimators.erosion import earthwork_m3_per_ha
from estimators.mixcurves import GrowthCurves, MixCurves, amended_growth, mix_curves
from estimators.optioncost import option_costs
from estimators.optionrows import (
    Candidates,
    _option_ids,
    gather_str,
    option_codes,
    option_names,
    _restrict,
    candidate_rows,
    option_id,
    regraded_landform,
    site_frame,
)
from estimators.optionsoil import TOPSOIL_DEPTH_CM, SoilChange, soil_change
from estimators.optionworks import (
    OPTION_TYPES,
    ErosionRows,
    biochar_rows,
    buffer_rows,
    erosion_rows,
    option_type,
    works_tco2e,
)
from estimators.suitability import aspect_multiplier
from estimators.table import LAYERS, POOLS, OptionTable

__all__ = ["EstimateSettings", "Screen", "build_option_table", "screen_rows", "candidate_rows", "feasible_options",
           "offered", "option_id", "regraded_landform", "rows_for", "site_frame"]

log = logging.getLogger(__name__)
Array = NDArray[np.float64]

#: Substrate depth natural colonisation needs for its full growth [cm] (assumption: spontaneous
#: grasses and shrubs root in 10-30 cm; a bare rock wall grows next to nothing).
NATURAL_ROOTING_DEPTH_CM = 20.0


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
    aspect_woody_max : float [-]
        Growth multiplier of north-preferring woody species on due-north slopes (1.0-1.3).
    native_only : bool
        Only species listed for the project's region.
    rothc_cover_threshold : float [0-1]
        Ground cover above which RothC treats the soil as vegetated.
    accounting : AccountingPolicy
        What is credited and the works-emission factors (conservative defaults).
    trajectory : bool
        Also keep every pool and the cumulative soil loss for every year
        (``OptionTable.pool_trajectory``, ``soil_loss_trajectory``); plans need only the horizon
        and the report year, phased plans (optimizer.planning.schedule) every year.
    rothc_rate_multiplier : float [-]
        Scales every RothC decomposition rate constant together (1 = the published constants;
        parameter ensembles draw it, estimators.ensemble).
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
    aspect_woody_max: float = 1.2
    native_only: bool = True
    rothc_cover_threshold: float = 0.2
    accounting: AccountingPolicy = field(default_factory=AccountingPolicy)
    trajectory: bool = False
    rothc_rate_multiplier: float = 1.0

    @property
    def n_years(self) -> int:
        return int(self.horizon_year - self.start_year)

    @property
    def f_emit(self) -> float:
        return float(self.accounting.f_emit)


def _productivity(curves: MixCurves, cand: Candidates, parcels: pd.DataFrame, species: pd.DataFrame,
                  settings: EstimateSettings) -> Array:
    """Row productivity per layer (n_rows, 3) [-]: the aspect multiplier of the mix's woody
    species for the tree and shrub layers, 1 for grass (amendments act as a head start on the
    curves instead, ``estimators.mixcurves.amended_growth``)."""
    table = species.set_index("species").loc[curves.species]
    aspect = parcels["aspect_deg"].to_numpy(dtype=float)
    slope = parcels["slope_deg"].to_numpy(dtype=float)
    aspect = np.where(slope < 2.0, np.nan, aspect)  # flat ground has no aspect
    mult = aspect_multiplier(aspect[:, None], table["aspect_pref"].to_numpy(dtype=object)[None, :],
                             woody_max=settings.aspect_woody_max)  # (P, S)
    woody_mult = mult @ curves.woody_weight.T  # (P, M)
    woody_mult = np.where(curves.woody_weight.sum(axis=1)[None, :] > 0, woody_mult, 1.0)
    woody = woody_mult[cand.parcel, cand.mix]
    return np.stack([woody, woody, np.ones_like(woody)], axis=1)


def _years(settings: EstimateSettings) -> tuple[NDArray[np.intp], int | None]:
    """Years since the works to evaluate (0, the report year, the horizon; or all) and the
    position of the report year among them (None when it lies outside start..horizon)."""
    y = settings.n_years
    offset = settings.report_year - settings.start_year
    wanted = set(range(y + 1)) if settings.trajectory else {0, y}
    if 0 <= offset <= y:
        wanted.add(int(offset))
    t = np.array(sorted(wanted), dtype=np.intp)
    return t, (int(np.searchsorted(t, offset)) if 0 <= offset <= y else None)


def offered(catalogue: Any, region_key: str,
            settings: EstimateSettings) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """What the project offers: the region's row (with its key in ``region``), and the
    regrading, amendment and mix tables restricted to the project's lists (``none`` and
    ``natural`` always stay)."""
    region = catalogue.regions.set_index("region").loc[region_key].copy()
    region["region"] = region_key
    regrading = _restrict(catalogue.regrading, "regrading", settings.regrading, "none")
    amendments = _restrict(catalogue.amendments, "amendment", settings.amendments, "none")
    mixes = catalogue.mixes[catalogue.mixes["region"] == region_key]
    if settings.mixes is not None:
        mixes = mixes[mixes["mix"].isin(set(settings.mixes) | {"natural"})]
    return region, regrading, amendments, mixes


@dataclass(frozen=True)
class _Setup:
    """What every row's estimate shares: the offered tables, the mix curves and the regraded
    landform (slope [degrees] and slope length [m], each (P, R))."""

    region: pd.Series
    regrading: pd.DataFrame
    amendments: pd.DataFrame
    mixes: pd.DataFrame
    curves: MixCurves
    slope: Array
    length: Array


def _setup(parcels: pd.DataFrame, catalogue: Any, region_key: str, settings: EstimateSettings) -> _Setup:
    if settings.n_years < 1:
        raise ValueError("horizon_year must be after start_year")
    region, regrading, amendments, mixes = offered(catalogue, region_key, settings)
    curves = mix_curves(catalogue.species, mixes, settings.n_years)
    slope, length = regraded_landform(parcels, regrading)
    return _Setup(region, regrading, amendments, mixes, curves, slope, length)


def _erosion(setup: _Setup, cand: Candidates, parcels: pd.DataFrame, settings: EstimateSettings) -> ErosionRows:
    return erosion_rows(setup.curves, cand, parcels, setup.slope, setup.length, setup.regrading, setup.amendments,
                        setup.region, settings.ls_method, settings.steep_breakpoint_deg)


def _erosion_columns(erosion: ErosionRows, mix: NDArray[np.int64], n_years: int) -> tuple[Array, Array]:
    """Mean annual soil loss [t/ha/yr] start..horizon and over the first five years."""
    lost = erosion.loss(mix, np.array([n_years, min(5, n_years)]))
    return lost[:, 0] / n_years, lost[:, 1] / min(5, n_years)


@dataclass(frozen=True)
class Screen:
    """Every feasible row of some parcels before its pools are estimated: what the plan's
    per-row filters (locks, forced options, erosion tolerance) read, so that only the rows they
    keep are estimated (``build_option_table(..., candidates=cand[keep])``).

    Attributes
    ----------
    cand : Candidates
        Every feasible row, in ``build_option_table``'s order.
    rows : DataFrame
        Per row: ``option_id``, ``erosion_t_ha_yr`` [t/ha/yr] (the option table's values) and
        ``is_natural``.
    parcels : DataFrame
        The option table's ``parcels`` frame (index parcel_id; status, forced option, tolerance).
    used : frozenset of str
        Regrading, amendment, mix and species keys some row uses.
    """

    cand: Candidates
    rows: pd.DataFrame
    parcels: pd.DataFrame
    used: frozenset[str]


def screen_rows(parcels: pd.DataFrame, catalogue: Any, region_key: str, settings: EstimateSettings) -> Screen:
    """The rows of ``parcels`` with their option ids and mean annual soil loss, before any
    carbon is estimated (see ``Screen``); the same rows and values ``build_option_table`` gives."""
    s = _setup(parcels, catalogue, region_key, settings)
    cand = candidate_rows(parcels, catalogue.species, s.region, s.regrading, s.amendments, s.curves,
                          settings.native_only, regraded_slope=s.slope)
    erosion, _ = _erosion_columns(_erosion(s, cand, parcels, settings), cand.mix, settings.n_years)
    reg_names, am_names = list(s.regrading["regrading"]), list(s.amendments["amendment"])
    rows = _frame({"option_id": _option_ids(cand, reg_names, am_names, s.curves.mixes),
                   "erosion_t_ha_yr": erosion,
                   "is_natural": _natural(cand, reg_names, am_names, s.curves.mixes)})
    return Screen(cand, rows, _parcel_frame(parcels, s.region), _used(cand, reg_names, am_names, s.curves))


def _used(cand: Candidates, regrading: Sequence[str], amendments: Sequence[str], curves: MixCurves) -> frozenset[str]:
    """Keys of the regradings, amendments, mixes and species that rows ``cand`` use."""
    mixes = np.unique(cand.mix)
    species = np.asarray(curves.species, dtype=object)[(curves.shares[mixes] > 0).any(axis=0)]
    return frozenset(str(k) for k in (*np.asarray(regrading, dtype=object)[np.unique(cand.regrading)],
                                      *np.asarray(amendments, dtype=object)[np.unique(cand.amendment)],
                                      *np.asarray(curves.mixes, dtype=object)[mixes], *species))


def _natural(cand: Candidates, regrading: Sequence[str], amendments: Sequence[str],
             mixes: Sequence[str]) -> NDArray[np.bool_]:
    """Rows of natural recovery (no regrading, no amendment, the ``natural`` mix)."""
    return ((np.asarray(regrading, dtype=object) == "none")[cand.regrading]
            & (np.asarray(amendments, dtype=object) == "none")[cand.amendment]
            & (np.asarray(mixes, dtype=object) == "natural")[cand.mix])


def build_option_table(parcels: pd.DataFrame, catalogue: Any, region_key: str,
                       settings: EstimateSettings, *, candidates: Candidates | None = None) -> OptionTable:
    """Every parcel x feasible option with carbon by pool, cost and erosion per hectare.

    Parameters
    ----------
    parcels : DataFrame
        Validated parcels (DESIGN.md section 4 columns; defaults already filled).
    catalogue : object
        With DataFrame attributes species, regions, climate, regrading, amendments, mixes, costs
        and optionally buffer (optimizer.inputs.catalogue.Catalogue or anything shaped like it).
    region_key : str
        Key of regions.csv.
    settings : EstimateSettings
    candidates : Candidates, optional
        Only these rows, in this order (``rows_for``: e.g. the rows of one plan, evaluated once
        per draw of a parameter ensemble; or the rows a ``Screen`` keeps); default every
        feasible row. Every row's values are its own: a subset gives the same numbers.

    Returns
    -------
    OptionTable
        ``rows`` per parcel x option (all OPTION_COLUMNS, plus pools at ``report_year``).
    """
    st = _setup(parcels, catalogue, region_key, settings)
    region, regrading, amendments, curves = st.region, st.regrading, st.amendments, st.curves
    grow = amended_growth(catalogue.species, st.mixes,
                          amendments["productivity_multiplier"].to_numpy(dtype=float),
                          settings.accounting.growth_boost_fade_yr, settings.n_years)
    cand = candidates if candidates is not None else candidate_rows(
        parcels, catalogue.species, region, regrading, amendments, curves, settings.native_only,
        regraded_slope=st.slope)
    log.info("option table: %d parcels, %d candidate rows", len(parcels), len(cand.parcel))

    t, i_rep = _years(settings)
    productivity = _productivity(curves, cand, parcels, catalogue.species, settings)
    climate = catalogue.climate[catalogue.climate["region"] == region_key]
    soil = soil_change(parcels, cand, curves, grow, productivity, amendments, climate, region, settings, t)
    erosion = _erosion(st, cand, parcels, settings)
    earth = earthwork_m3_per_ha(
        parcels["slope_deg"].to_numpy(dtype=float)[:, None],
        parcels["slope_length_m"].to_numpy(dtype=float)[:, None],
        regrading["target_slope_deg"].to_numpy(dtype=float)[None, :],
    )[cand.parcel, cand.regrading]
    costs = option_costs(cand, earth, regrading, amendments, curves, catalogue.costs, settings.n_years,
                         slope_deg=parcels["slope_deg"].to_numpy(dtype=float)[cand.parcel])
    works, terrace_cut = works_tco2e(cand, parcels, earth, regrading, amendments, region, settings.accounting)
    rows = _Rows(parcels, cand, regrading, amendments, curves, grow, productivity, soil, erosion, works,
                 biochar_rows(cand, amendments, region), t, i_rep, settings)
    return rows.table(costs, earth + terrace_cut, region, getattr(catalogue, "buffer", None))


def rows_for(parcels: pd.DataFrame, catalogue: Any, region_key: str, settings: EstimateSettings,
             parcel_ids: Sequence[str], option_ids: Sequence[str]) -> Candidates:
    """Candidate rows of the given (parcel id, option id) pairs, in that order, for
    ``build_option_table(..., candidates=...)``.  Raises ValueError for a pair that is not a
    feasible option of its parcel."""
    by_parcel = {pid: i for i, pid in enumerate(parcels["parcel_id"].astype(str).tolist())}
    positions = np.array([by_parcel.get(str(x), -1) for x in parcel_ids], dtype=np.int64)
    cand, pos, ok = _locate(parcels, catalogue, region_key, settings, positions, option_ids)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise ValueError(f"option '{option_ids[i]}' is not a feasible option of parcel '{parcel_ids[i]}'")
    return cand.take(pos)


def feasible_options(parcels: pd.DataFrame, catalogue: Any, region_key: str, settings: EstimateSettings,
                     positions: NDArray[np.integer], option_ids: Sequence[str]) -> NDArray[np.bool_]:
    """Whether each option id is a feasible option of the parcel at that position of ``parcels``
    (the rules of the option table: suitability, regrading and amendment conditions)."""
    return _locate(parcels, catalogue, region_key, settings, np.asarray(positions, dtype=np.int64), option_ids)[2]


def _locate(parcels: pd.DataFrame, catalogue: Any, region_key: str, settings: EstimateSettings,
            positions: NDArray[np.int64],
            option_ids: Sequence[str]) -> tuple[Candidates, NDArray[np.intp], NDArray[np.bool_]]:
    """Every candidate row of ``parcels``, the row of each (parcel position, option id) pair and
    whether it exists (positions < 0 never do).

    Pairs are matched by integer codes: candidate rows come out in (parcel, regrading,
    amendment, mix) order, so their codes are sorted and each pair is found by bisection."""
    region, regrading, amendments, mixes = offered(catalogue, region_key, settings)
    curves = mix_curves(catalogue.species, mixes, 1)
    cand = candidate_rows(parcels, catalogue.species, region, regrading, amendments, curves, settings.native_only)
    n_option = len(regrading) * len(amendments) * len(curves.mixes)
    option = option_codes(cand, len(amendments), len(curves.mixes))
    have = cand.parcel * n_option + option  # ascending
    known = np.unique(option)
    names = option_names(known, list(regrading["regrading"]), list(amendments["amendment"]), curves.mixes)
    by_name = dict(zip(names.astype(str).tolist(), known.tolist()))
    o = np.array([by_name.get(str(x), -1) for x in option_ids], dtype=np.int64)
    want = np.where((positions >= 0) & (o >= 0), positions * n_option + o, -1)
    pos = np.minimum(np.searchsorted(have, want), max(have.size - 1, 0))
    ok = (want >= 0) & (have[pos] == want) if have.size else np.zeros(want.size, dtype=bool)
    return cand, pos, ok


@dataclass
class _Rows:
    """Everything per row needed to evaluate the pools at the years ``t`` since the works."""

    parcels: pd.DataFrame
    cand: Candidates
    regrading: pd.DataFrame
    amendments: pd.DataFrame
    curves: MixCurves
    grow: GrowthCurves
    productivity: Array
    soil: SoilChange
    erosion: ErosionRows
    works: Array
    biochar: Array
    t: NDArray[np.intp]
    i_rep: int | None
    settings: EstimateSettings

    def pools(self, lost: Array | None = None) -> dict[str, Array]:
        """Every pool [t CO2e/ha] at the years ``t`` (n, K), buffer excluded; ``lost``: the
        cumulative soil loss at ``t`` when already computed."""
        key = self.grow.key(self.cand.amendment, self.cand.mix)
        curve = self.grow.carbon[:, :, self.t] - self.grow.carbon[:, :, :1]  # (A*M, 3, K)
        gained = curve[key]  # (n, 3, K)
        s = self.settings
        lost = self.erosion.loss(self.cand.mix, self.t) if lost is None else lost  # [t/ha]
        soc = self.soil.soc_g_kg[:, None] / 1000.0
        eroded_c = np.minimum(lost * soc * s.enrichment_ratio, self.erosion.supply[:, None] * soc)
        credit_soil = _soil_credited(self.regrading)[self.cand.regrading][:, None]
        n, k = len(self.works), len(self.t)
        depth = self._substrate_cm()
        thin = np.minimum(depth / TOPSOIL_DEPTH_CM, 1.0)[:, None]  # a thinner substrate holds less soil
        natural_mix = (np.asarray(self.curves.mixes, dtype=object) == "natural")[self.cand.mix]
        rooting = np.where(natural_mix, np.minimum(depth / NATURAL_ROOTING_DEPTH_CM, 1.0), 1.0)[:, None]
        out = {layer: co2e(rooting * self.productivity[:, j, None] * gained[:, j]) for j, layer in enumerate(LAYERS)}
        out["soil"] = co2e(np.where(credit_soil, thin * self.soil.on_site, 0.0) - (1.0 - s.f_emit) * eroded_c)
        out["imported"] = co2e(np.where(credit_soil, thin * self.soil.imported, 0.0))
        out["biochar"] = np.broadcast_to(self.biochar[:, None], (n, k)).copy()
        out["erosion"] = -co2e(s.f_emit * eroded_c)
        out["works"] = np.broadcast_to(self.works[:, None], (n, k)).copy()
        return out

    def _substrate_cm(self) -> Array:
        """Substrate depth under the option [cm]: the parcel's plus what the option adds."""
        regrading_add = self.regrading["substrate_add_cm"].to_numpy(dtype=float) \
            if "substrate_add_cm" in self.regrading.columns else np.zeros(len(self.regrading))
        return (self.parcels["soil_depth_cm"].to_numpy(dtype=float)[self.cand.parcel]
                + np.nan_to_num(regrading_add)[self.cand.regrading]
                + self.amendments["depth_add_cm"].to_numpy(dtype=float)[self.cand.amendment])

    def table(self, costs: Any, earthwork: Array, region: pd.Series, buffer: pd.DataFrame | None) -> OptionTable:
        """The OptionTable with every column at the horizon and the report year."""
        s, cand, policy = self.settings, self.cand, self.settings.accounting
        # the soil loss at every year, computed once for the pools and the trajectory (without a
        # trajectory the pools compute and free it: it is not held through the table)
        loss_t = self.erosion.loss(cand.mix, self.t) if s.trajectory else None  # [t/ha]
        pools = self.pools(loss_t)
        net = _total([v for p, v in pools.items() if policy.counted(p)])
        reg_names = self.regrading["regrading"].to_numpy(dtype=str)
        am_names = self.amendments["amendment"].to_numpy(dtype=str)
        mix_names = np.asarray(self.curves.mixes, dtype=str)
        natural = _natural(cand, list(reg_names), list(am_names), self.curves.mixes)
        shares = self.curves.layer_shares[cand.mix]
        kind = option_type(self.regrading, cand, natural, shares[:, 0] + shares[:, 1])
        pct = buffer_rows(kind, buffer, str(region["region"]), policy)
        pools["buffer"] = buffer_tco2e(net, pct[:, None])
        credited = net + pools["buffer"]
        h, r = len(self.t) - 1, self.i_rep
        baseline = np.full(len(self.parcels), np.nan)
        baseline[cand.parcel[natural]] = credited[natural, h]
        erosion_mean, erosion_first5 = _erosion_columns(self.erosion, cand.mix, s.n_years)

        def at(values: Array, i: int | None) -> Array:
            return values[:, i] if i is not None else np.full(len(values), np.nan)

        columns: dict[str, Any] = {
            "parcel_id": gather_str(self.parcels["parcel_id"].to_numpy(dtype=object), cand.parcel),
            "option_id": _option_ids(cand, list(reg_names), list(am_names), self.curves.mixes),
            "regrading": gather_str(reg_names, cand.regrading), "amendment": gather_str(am_names, cand.amendment),
            "mix": gather_str(mix_names, cand.mix),
            "area_ha": self.parcels["area_ha"].to_numpy(dtype=float)[cand.parcel],
            "net_tco2e_ha": net[:, h], "credited_tco2e_ha": credited[:, h],
            "additional_tco2e_ha": credited[:, h] - baseline[cand.parcel],
            "tco2e_ha_2030": at(net, r), "credited_tco2e_ha_2030": at(credited, r),
            "cost_cny_ha": costs.capital + costs.maintenance,
            "capital_cny_ha": costs.capital, "maintenance_cny_ha": costs.maintenance,
            "erosion_t_ha_yr": erosion_mean, "erosion_first5_t_ha_yr": erosion_first5,
            "erosion_extrapolated": self.erosion.extrapolated,
            "erodible_t_ha": self.erosion.supply,
        }
        for j, layer in enumerate(LAYERS):
            columns[f"{layer}_share"] = shares[:, j]
        for pool in POOLS:
            columns[f"{pool}_tco2e_ha"] = pools[pool][:, h]
        for pool in POOLS:
            columns[f"{pool}_tco2e_ha_{s.report_year}"] = at(pools[pool], r)
        columns.update({
            "soil_stable_tco2e_ha": co2e(self.soil.stable[:, h]),
            "soc_0_30_t_ha": self.soil.top_stock[:, h],
            "imported_applied_tco2e_ha": co2e(self.soil.imported_applied),
            "buffer_pct": pct, "option_type": gather_str(OPTION_TYPES, kind),
            "earthwork_m3_ha": earthwork, "is_natural": natural,
        })
        mix_species = pd.DataFrame(self.curves.shares, index=self.curves.mixes, columns=self.curves.species)
        trajectory = {p: v.astype(np.float32) for p, v in pools.items()} if s.trajectory else None
        soil_loss = loss_t.astype(np.float32) if loss_t is not None else None
        del loss_t
        return OptionTable(
            rows=_frame(columns), parcels=_parcel_frame(self.parcels, region), mix_species=mix_species,
            years=s.start_year + self.t, net_trajectory=credited.astype(np.float32) if s.trajectory else None,
            start_year=s.start_year, horizon_year=s.horizon_year,
            meta={"region": str(region["region"]), "accounting": policy.to_dict(),
                  "counted_pools": [p for p in POOLS if policy.counted(p)]},
            pool_trajectory=trajectory, soil_loss_trajectory=soil_loss,
        )


def _total(parts: list[Array]) -> Array:
    """Elementwise sum of equally shaped arrays, in order (the same numbers as ``np.sum(parts,
    axis=0)`` without stacking them into one (parts x rows x years) copy first)."""
    out = np.array(parts[0], dtype=float, copy=True)
    for part in parts[1:]:
        out += part
    return out


def _frame(columns: dict[str, Any]) -> pd.DataFrame:
    """The option rows as a DataFrame without pandas' block consolidation (a second copy of a
    million-row table). Every numpy column is made contiguous first: a strided column (one year
    of a pool array) would make later dot products round differently from a contiguous one."""
    return pd.DataFrame({k: np.ascontiguousarray(v) if isinstance(v, np.ndarray) else v
                         for k, v in columns.items()}, copy=False)


def _soil_credited(regrading: pd.DataFrame) -> NDArray[np.bool_]:
    """Regradings whose soil carbon change may be credited (false for sprayed or bagged walls)."""
    if "soil_credit" not in regrading.columns:
        return np.ones(len(regrading), dtype=bool)
    col = regrading["soil_credit"]
    if col.dtype == bool:
        return col.to_numpy(dtype=bool)
    return ~col.fillna("true").astype(str).str.strip().str.lower().isin(("false", "0", "no")).to_numpy()


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
