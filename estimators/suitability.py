"""Species x site suitability: hard exclusions with reasons, aspect growth multipliers, amendments.

A species is excluded from a site when a site property falls outside the species' envelope
(species.csv columns, docs/internals.md).  Every criterion is one boolean array of shape
(n_sites, n_species); the reasons are a bit mask per pair, turned into text only for the unique
masks that occur.  Unknown values never exclude: a NaN site property, a blank species bound, a
blank ``regions`` list or a site without region all pass.

Aspect is not an exclusion but a growth multiplier (:func:`aspect_multiplier`).  Amendments act
on the site (:func:`amended_sites`), so liming an acid spoil can make a species suitable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "REASONS",
    "SPECIES_COLUMNS",
    "SITE_COLUMNS",
    "Suitability",
    "suitability",
    "suitable",
    "aspect_multiplier",
    "amended_sites",
]

log = logging.getLogger(__name__)

#: Exclusion reasons in bit order (bit i of ``Suitability.codes`` = ``REASONS[i]``).
REASONS: tuple[str, ...] = (
    "too cold",
    "too warm",
    "too dry",
    "too wet",
    "pH too low",
    "pH too high",
    "slope too steep",
    "below elevation window",
    "above elevation window",
    "substrate too shallow",
    "not tolerant of contamination",
    "not native to region",
)

#: Envelope criteria: (reason, site column, species column, site value below bound excludes?).
_ENVELOPE: tuple[tuple[str, str, str, bool], ...] = (
    ("too cold", "mat_c", "mat_min_c", True),
    ("too warm", "mat_c", "mat_max_c", False),
    ("too dry", "map_mm", "map_min_mm", True),
    ("too wet", "map_mm", "map_max_mm", False),
    ("pH too low", "soil_ph", "ph_min", True),
    ("pH too high", "soil_ph", "ph_max", False),
    ("slope too steep", "slope_deg", "max_slope_deg", False),
    ("below elevation window", "elevation_m", "elev_min_m", True),
    ("above elevation window", "elevation_m", "elev_max_m", False),
    ("substrate too shallow", "soil_depth_cm", "min_soil_depth_cm", True),
)

#: species.csv columns this module reads.
SPECIES_COLUMNS: tuple[str, ...] = (
    *(c[2] for c in _ENVELOPE),
    "contamination_tolerant",
    "aspect_pref",
    "regions",
)

#: Site columns read (all optional: a missing column means "unknown" everywhere).
SITE_COLUMNS: tuple[str, ...] = (
    "mat_c",
    "map_mm",
    "soil_ph",
    "slope_deg",
    "elevation_m",
    "soil_depth_cm",
    "contaminated",
    "aspect_deg",
    "region",
)

_BIT: dict[str, int] = {reason: 1 << i for i, reason in enumerate(REASONS)}
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


@dataclass(frozen=True)
class Suitability:
    """Result of :func:`suitability`.

    Attributes
    ----------
    sites : Index
        Site labels (the sites frame's index), length n_sites.
    species : Index
        Species keys, length n_species.
    ok : ndarray of bool, shape (n_sites, n_species)
        True where the species may be planted on the site.
    codes : ndarray of int, shape (n_sites, n_species)
        Bit mask of exclusion reasons (bit i = ``REASONS[i]``); 0 where ``ok``.
    """

    sites: pd.Index
    species: pd.Index
    ok: NDArray[np.bool_]
    codes: NDArray[np.int64]

    @property
    def reason(self) -> NDArray[np.object_]:
        """Reasons per pair joined by "; " ("" where suitable), shape (n_sites, n_species)."""
        unique, inverse = np.unique(self.codes, return_inverse=True)
        text = np.array([_describe(int(code)) for code in unique], dtype=object)
        return text[inverse].reshape(self.codes.shape)

    def reasons_for(self, site: object, species: str) -> list[str]:
        """Exclusion reasons of one (site label, species key) pair, in ``REASONS`` order."""
        code = int(self.codes[self.sites.get_loc(site), self.species.get_loc(species)])
        return [r for r in REASONS if code & _BIT[r]]

    def to_frame(self) -> pd.DataFrame:
        """Long table: one row per site x species (sites outer, species inner).

        Columns: ``site`` (site label), ``species``, ``suitable`` (bool), ``reasons`` (joined by
        "; ", empty when suitable).
        """
        n_sites, n_species = self.ok.shape
        return pd.DataFrame(
            {
                "site": np.repeat(self.sites.to_numpy(), n_species),
                "species": np.tile(self.species.to_numpy(), n_sites),
                "suitable": self.ok.ravel(),
                "reasons": self.reason.ravel(),
            }
        )


def _describe(code: int) -> str:
    return "; ".join(r for r in REASONS if code & _BIT[r])


def _numeric(frame: pd.DataFrame, column: str) -> NDArray[np.float64]:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _boolean(frame: pd.DataFrame, column: str) -> NDArray[np.float64]:
    """1.0 / 0.0 / NaN (unknown) from bools or true/false text."""
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    if pd.api.types.is_bool_dtype(frame[column].dtype):  # bool or nullable boolean: no text to parse
        return frame[column].to_numpy(dtype=float, na_value=np.nan)
    text = frame[column].astype("string").str.strip().str.lower()
    out = np.where(text.isin(_TRUE).fillna(False), 1.0, np.nan)
    out = np.where(text.isin(_FALSE - {""}).fillna(False), 0.0, out)
    return out


def _species_keys(species: pd.DataFrame) -> pd.Index:
    if "species" in species.columns:
        return pd.Index(species["species"].astype(str), name="species")
    return pd.Index(species.index.astype(str), name="species")


def _native(species: pd.DataFrame, sites: pd.DataFrame) -> NDArray[np.bool_]:
    """(n_sites, n_species) True where the site's region is in the species' regions list.

    Unknown site region, and a blank or "all" regions list, count as native.
    """
    n_species = len(species)
    if "regions" not in species.columns or "region" not in sites.columns:
        return np.ones((len(sites), n_species), dtype=bool)
    lists = species["regions"].astype("string").fillna("").str.lower().str.split(";")
    long = lists.explode().str.strip()
    rows = np.repeat(np.arange(n_species), lists.str.len())
    long = pd.DataFrame({"row": rows, "region": long.to_numpy()})
    everywhere = np.zeros(n_species, dtype=bool)
    everywhere[long.loc[long["region"].isin(["", "all"]), "row"].to_numpy()] = True
    site_region = sites["region"].astype("string").str.strip().str.lower()
    categories = pd.Index(site_region.dropna().unique())
    member = np.zeros((len(categories) + 1, n_species), dtype=bool)  # last row: unknown region
    hit = long[long["region"].isin(categories)]
    member[categories.get_indexer(hit["region"]), hit["row"].to_numpy()] = True
    member[-1, :] = True
    idx = categories.get_indexer(site_region.fillna("\0"))
    idx = np.where(site_region.isna().to_numpy(), len(categories), idx)
    return member[idx] | everywhere[None, :]


def suitability(species: pd.DataFrame, sites: pd.DataFrame, native_only: bool = True) -> Suitability:
    """Which species may be planted on which sites, and why not.

    A pair is excluded when (site value S, species bound B, per row of ``REASONS``):
    mat_c < mat_min_c "too cold", mat_c > mat_max_c "too warm", map_mm < map_min_mm "too dry",
    map_mm > map_max_mm "too wet", soil_ph < ph_min "pH too low", soil_ph > ph_max "pH too high",
    slope_deg > max_slope_deg "slope too steep", elevation_m outside [elev_min_m, elev_max_m]
    "below / above elevation window", soil_depth_cm < min_soil_depth_cm "substrate too
    shallow", contaminated and not contamination_tolerant "not tolerant of contamination", and,
    with ``native_only``, the site's region not in the species' ``regions`` "not native to
    region".  Bounds are inclusive.  Comparisons with NaN are false, so unknown values never
    exclude.

    Parameters
    ----------
    species : DataFrame
        One row per species with the species.csv envelope columns (:data:`SPECIES_COLUMNS`); keys
        from its ``species`` column, else its index.
    sites : DataFrame
        One row per site (parcel) with any of :data:`SITE_COLUMNS`: mat_c [C], map_mm [mm],
        soil_ph [-], slope_deg [degrees], elevation_m [m], soil_depth_cm [cm], contaminated
        [bool], region [key]; missing columns or NaN = unknown.
    native_only : bool
        Exclude species not listed for the site's region (planners usually want native or
        established species; False makes region a soft criterion left to the caller).

    Returns
    -------
    Suitability
        ``ok`` and ``codes`` of shape (n_sites, n_species).
    """
    missing = [c for c in SPECIES_COLUMNS if c not in species.columns]
    if missing:
        raise ValueError(f"species: missing columns {missing}")
    codes = np.zeros((len(sites), len(species)), dtype=np.int64)
    for reason, site_col, species_col, below in _ENVELOPE:
        value = _numeric(sites, site_col)[:, None]
        bound = _numeric(species, species_col)[None, :]
        excluded = value < bound if below else value > bound
        codes |= np.where(excluded, _BIT[reason], 0)
    contaminated = _boolean(sites, "contaminated")[:, None] == 1.0
    intolerant = _boolean(species, "contamination_tolerant")[None, :] == 0.0
    codes |= np.where(contaminated & intolerant, _BIT["not tolerant of contamination"], 0)
    if native_only:
        codes |= np.where(_native(species, sites), 0, _BIT["not native to region"])
    ok = codes == 0
    log.debug("suitability: %d sites x %d species, %d pairs excluded", *codes.shape, int((~ok).sum()))
    return Suitability(sites=pd.Index(sites.index), species=_species_keys(species), ok=ok, codes=codes)


def suitable(species: pd.DataFrame, sites: pd.DataFrame, native_only: bool = True, *,
             variants: pd.DataFrame | None = None, site_of: NDArray[np.intp] | None = None) -> NDArray[np.bool_]:
    """``suitability(species, sites, native_only).ok`` without the reason codes: (n_sites,
    n_species) bool, True where the species may be planted.  One boolean pass per envelope
    test instead of integer code arrays, for the option table's millions of site variants.

    With ``variants`` (a frame of some site columns, e.g. the slope, depth, pH and
    contamination a regrading and an amendment leave) and ``site_of`` (the site of each
    variant): the (n_variants, n_species) answer for the sites with those columns replaced,
    each test run on the frame that holds its column (site tests once per site)."""
    missing = [c for c in SPECIES_COLUMNS if c not in species.columns]
    if missing:
        raise ValueError(f"species: missing columns {missing}")
    varied = set(variants.columns) if variants is not None else set()
    bad = np.zeros((len(sites), len(species)), dtype=bool)
    bad_variant = np.zeros((len(variants), len(species)), dtype=bool) if variants is not None else bad
    for _reason, site_col, species_col, below in _ENVELOPE:
        frame, out = (variants, bad_variant) if site_col in varied else (sites, bad)
        value = _numeric(frame, site_col)[:, None]
        bound = _numeric(species, species_col)[None, :]
        out |= (value < bound) if below else (value > bound)
    frame, out = (variants, bad_variant) if "contaminated" in varied else (sites, bad)
    intolerant = _boolean(species, "contamination_tolerant")[None, :] == 0.0
    out |= (_boolean(frame, "contaminated")[:, None] == 1.0) & intolerant
    if native_only:
        bad |= ~_native(species, sites)
    if variants is None:
        return ~bad
    assert site_of is not None, "variants need site_of"
    return ~(bad[site_of] | bad_variant)


def aspect_multiplier(
    aspect_deg: ArrayLike, aspect_pref: ArrayLike, woody_max: float = 1.2
) -> NDArray[np.float64]:
    """Growth multiplier from slope aspect and the species' aspect preference.

    ::

        north-preferring: M = 1 + (woody_max - 1) max(0,  cos(aspect))
        south-preferring: M = 1 + (woody_max - 1) max(0, -cos(aspect))
        any:              M = 1

    so a north-preferring species gets ``woody_max`` on a due-north (shady) slope, falling to 1.0
    on east- and west-facing slopes and staying 1.0 on south-facing ones (no penalty, only the
    bonus the evidence supports).  Flat sites (NaN aspect) get 1.0.

    Default ``woody_max = 1.2``: the middle of the 1.0-1.3 north-facing woody multiplier that
    reference vegetation.md section 5 calls defensible (forest carbon on shady slopes about 2x
    sunny in the Qilian Mountains, confounded; Robinia and sea buckthorn favour north slopes).
    Use ``woody_max`` of about 1.1 for the soil multiplier (1.0-1.1; Fuxin dump topsoil organic
    matter 1.10x on shady slopes after 10 years).

    Parameters
    ----------
    aspect_deg : array_like [degrees]
        Direction the slope faces, clockwise from north (0 = north, 180 = south); NaN = flat.
    aspect_pref : array_like of str
        "any", "north" or "south" (species.csv ``aspect_pref``); blank/NaN = any.
    woody_max : float [-]
        Multiplier at the preferred aspect, >= 1.

    Returns
    -------
    ndarray [-]
        Broadcast shape of both inputs (e.g. sites[:, None] x species[None, :]).
    """
    if woody_max < 1.0:
        raise ValueError("woody_max must be >= 1")
    aspect = np.asarray(aspect_deg, dtype=float)
    flat = pd.Series(np.ravel(np.asarray(aspect_pref, dtype=object))).astype("string")
    flat = flat.fillna("any").str.strip().str.lower().replace("", "any")
    pref = flat.to_numpy(dtype=object)
    unknown = sorted(set(pref) - {"any", "north", "south"})
    if unknown:
        raise ValueError(f"aspect_pref: unknown {unknown}; expected any, north or south")
    pref = pref.reshape(np.shape(aspect_pref))
    northness = np.cos(np.radians(aspect))
    south = np.where(pref == "south", np.fmax(-northness, 0.0), 0.0)
    weight = np.where(pref == "north", np.fmax(northness, 0.0), south)
    return 1.0 + (woody_max - 1.0) * np.nan_to_num(weight, nan=0.0)


def amended_sites(
    sites: pd.DataFrame,
    ph_change: ArrayLike = 0.0,
    depth_add_cm: ArrayLike = 0.0,
    remediates_contamination: ArrayLike = False,
    ph_ceiling: float = 7.5,
    ph_floor: float = 6.5,
) -> pd.DataFrame:
    """Site frame after a soil amendment (a copy; the input is not changed).

    * pH: a raising amendment (lime, alkaline fly ash; ``ph_change > 0``) moves pH toward but not
      above ``ph_ceiling`` (default 7.5: liming aims at near-neutral, over-liming locks up
      micronutrients): ``pH' = max(pH, min(pH + change, ceiling))``, so a site already above the
      ceiling keeps its pH.  A lowering one (``ph_change < 0``, e.g. sulphur or acid organic
      matter on alkaline spoil) moves pH toward but not below ``ph_floor`` (default 6.5):
      ``pH' = min(pH, max(pH + change, floor))``.  Both defaults are assumptions.
    * depth: ``soil_depth_cm + depth_add_cm`` (topsoil cover); unknown depth stays unknown.
    * contamination: ``contaminated`` becomes False where ``remediates_contamination``.

    Parameters
    ----------
    sites : DataFrame
        Site frame as for :func:`suitability`.
    ph_change : array_like [pH units]
        Scalar or one value per site (amendments.csv ``ph_change``).
    depth_add_cm : array_like [cm]
        Scalar or one value per site, >= 0.
    remediates_contamination : array_like of bool
        Scalar or one value per site.
    ph_ceiling, ph_floor : float [pH]
        Limits of raising and lowering amendments.

    Returns
    -------
    DataFrame
        Same index and columns (``soil_ph``, ``soil_depth_cm``, ``contaminated`` added as
        unknown if absent and changed).
    """
    n = len(sites)
    change = np.broadcast_to(np.asarray(ph_change, dtype=float), (n,))
    add = np.broadcast_to(np.asarray(depth_add_cm, dtype=float), (n,))
    if np.any(add < 0):
        raise ValueError("depth_add_cm must be >= 0")
    cleans = np.broadcast_to(np.asarray(remediates_contamination, dtype=bool), (n,))
    out = sites.copy()
    ph = _numeric(sites, "soil_ph")
    raised = np.fmax(ph, np.fmin(ph + change, ph_ceiling))
    lowered = np.fmin(ph, np.fmax(ph + change, ph_floor))
    out["soil_ph"] = np.where(change > 0, raised, np.where(change < 0, lowered, ph))
    out["soil_ph"] = out["soil_ph"].where(~np.isnan(ph))
    out["soil_depth_cm"] = _numeric(sites, "soil_depth_cm") + add
    contaminated = _boolean(sites, "contaminated")
    out["contaminated"] = pd.array(np.where(cleans, 0.0, contaminated), dtype="Float64").astype("boolean")
    return out
