"""Candidate rows of the option table: which (regrading, amendment, mix) fit each parcel.

An option is a (regrading, amendment, mix) triple of the catalogue.  For every parcel the
candidates are the regradings that apply to its landform and slope range, the amendments offered
on its soil, and the mixes whose every species is suitable on the treated site; natural recovery
(mix ``natural``) is always a candidate.

Highwall techniques (regrading.csv rows with a ``mixes`` list: spray seeding, vegetation bags,
planting troughs, climbers) carry their own planting surface (``planting_slope_deg``,
``planting_depth_cm``), add substrate (``substrate_add_cm`` at ``substrate_ph``), take no further
amendment and only the mixes they list; those mixes are reserved for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from estimators.erosion import regraded_geometry
from estimators.optioncost import is_terrace
from estimators.suitability import amended_sites, suitable

__all__ = ["Candidates", "BENCH_SLOPE_DEG", "candidate_rows", "option_codes", "option_id", "option_names",
           "regraded_landform", "site_frame", "wall_mixes", "is_wall"]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]

BENCH_SLOPE_DEG = 5.0  # [degrees] planting surface of level bench terraces (assumption: level benches
#                        with a slight inward tilt); the terrace keeps the overall gradient for erosion


def _num(table: pd.DataFrame, column: str, default: float) -> Array:
    """A numeric catalogue column, ``default`` where blank or absent."""
    if column not in table.columns:
        return np.full(len(table), default)
    return pd.to_numeric(table[column], errors="coerce").fillna(default).to_numpy(dtype=float)


def _lists(table: pd.DataFrame, column: str) -> list[list[str]]:
    """A ``;``-separated text column as lists (empty where blank or absent)."""
    if column not in table.columns:
        return [[] for _ in range(len(table))]
    return [[k.strip() for k in str(v).split(";") if k.strip()] for v in table[column].fillna("")]


def is_wall(regrading: pd.DataFrame) -> NDArray[np.bool_]:
    """Highwall techniques: regradings that list their own mixes."""
    return np.array([bool(m) for m in _lists(regrading, "mixes")], dtype=bool)


def wall_mixes(regrading: pd.DataFrame) -> set[str]:
    """Mixes reserved for highwall techniques."""
    return {m for ms in _lists(regrading, "mixes") for m in ms}


@dataclass(frozen=True)
class Candidates:
    """Feasible (parcel, regrading, amendment, mix) rows as integer positions, parcels outer."""

    parcel: IntArray
    regrading: IntArray
    amendment: IntArray
    mix: IntArray

    def take(self, keep: NDArray[np.bool_] | NDArray[np.integer]) -> "Candidates":
        """The rows where the mask ``keep`` is true (or at the positions ``keep``), in order."""
        return Candidates(self.parcel[keep], self.regrading[keep], self.amendment[keep], self.mix[keep])


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
    """(P, R): the regrading fits the landform and the parcel's slope is in its range
    (steeper than ``min_parcel_slope_deg``, not steeper than ``max_parcel_slope_deg``)."""
    landform = parcels["landform"].to_numpy(dtype=str)[:, None]
    applies = regrading["applies_to"].astype(str).str.split(";")
    fits = np.array([[lf in set(a) or "all" in a for a in applies] for lf in np.unique(landform)])
    lookup = {lf: i for i, lf in enumerate(np.unique(landform))}
    by_landform = fits[[lookup[lf] for lf in landform[:, 0]]]
    slope = parcels["slope_deg"].to_numpy(dtype=float)[:, None]
    steeper = slope > regrading["min_parcel_slope_deg"].to_numpy(dtype=float)[None, :]
    steeper &= slope <= _num(regrading, "max_parcel_slope_deg", np.inf)[None, :]
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
    curves: Any,
    native_only: bool = True,
    regraded_slope: Array | None = None,
) -> Candidates:
    """Feasible (parcel, regrading, amendment, mix) combinations, in deterministic order.

    A mix is feasible on a regraded, amended site when every species in it is suitable there
    (estimators.suitability); ``natural`` is always feasible.  Species are planted on the
    regraded slope, on the level benches of a terrace (``BENCH_SLOPE_DEG``) or on a highwall
    technique's planting surface; an imported topsoil cover (amendments.csv ``topsoil_ph``) or a
    sprayed substrate sets the root zone's pH.  Rows come out parcel by parcel, then regrading,
    amendment and mix in catalogue order.  ``regraded_slope`` (P, R) is ``regraded_landform``'s
    slope when the caller already has it.
    """
    n_p, n_r, n_a, n_m = len(parcels), len(regrading), len(amendments), len(curves.mixes)
    reg_ok = _regrading_applies(parcels, regrading)
    am_ok = _amendment_offered(parcels, amendments)
    if regraded_slope is None:
        regraded_slope, _ = regraded_landform(parcels, regrading)
    new_slope = np.where(is_terrace(regrading)[None, :], np.fmin(regraded_slope, BENCH_SLOPE_DEG), regraded_slope)
    plant_slope = _num(regrading, "planting_slope_deg", np.nan)
    new_slope = np.where(np.isnan(plant_slope)[None, :], new_slope, plant_slope[None, :])
    base = site_frame(parcels, region)
    site_of = np.repeat(np.arange(n_p), n_r * n_a)  # variant -> parcel, (parcel, regrading, amendment) order
    depth = base["soil_depth_cm"].to_numpy(dtype=float)[:, None, None] \
        + _num(regrading, "substrate_add_cm", 0.0)[None, :, None] + np.zeros((1, 1, n_a))
    plant_depth = _num(regrading, "planting_depth_cm", np.nan)[None, :, None]
    substrate_ph = np.repeat(np.tile(_num(regrading, "substrate_ph", np.nan), n_p), n_a)
    variants = pd.DataFrame({  # only the site columns a regrading or an amendment changes
        "slope_deg": np.repeat(new_slope.ravel(), n_a),
        "soil_depth_cm": np.where(np.isnan(plant_depth), depth, plant_depth).ravel(),
        "soil_ph": np.where(np.isnan(substrate_ph), base["soil_ph"].to_numpy(dtype=float)[site_of], substrate_ph),
        "contaminated": base["contaminated"].to_numpy(dtype=bool)[site_of],
    })
    amended = amended_sites(
        variants,
        ph_change=np.tile(amendments["ph_change"].to_numpy(dtype=float), n_p * n_r),
        depth_add_cm=np.tile(amendments["depth_add_cm"].to_numpy(dtype=float), n_p * n_r),
        remediates_contamination=np.tile(amendments["remediates_contamination"].to_numpy(dtype=bool), n_p * n_r),
    )
    topsoil_ph = _num(amendments, "topsoil_ph", np.nan)
    covered_ph = np.tile(topsoil_ph, n_p * n_r)
    amended["soil_ph"] = np.where(np.isnan(covered_ph), amended["soil_ph"].to_numpy(dtype=float), covered_ph)
    species_used = species.set_index("species").loc[curves.species].reset_index()
    ok = suitable(species_used, base, native_only=native_only, variants=amended, site_of=site_of)
    mix_ok = ~_misfit(ok, curves.shares > 0) | ~curves.planted[None, :]  # (P*R*A, M)
    valid = mix_ok.reshape(n_p, n_r, n_a, n_m)
    valid &= reg_ok[:, :, None, None] & am_ok[:, None, :, None]
    valid &= _technique_fits(regrading, amendments, list(curves.mixes))[None]
    p, r, a, m = np.nonzero(valid)
    return Candidates(p.astype(np.int64), r.astype(np.int64), a.astype(np.int64), m.astype(np.int64))


def _misfit(ok: NDArray[np.bool_], in_mix: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """(V, M): some species of mix m is unsuitable on variant v (``ok`` (V, S), ``in_mix`` (M, S)),
    by AND-ing packed bit rows (a byte holds eight species)."""
    bad = np.packbits(~ok, axis=1)  # (V, bytes)
    member = np.packbits(in_mix, axis=1)  # (M, bytes)
    out = np.zeros((ok.shape[0], in_mix.shape[0]), dtype=bool)
    for b in range(bad.shape[1]):
        out |= (bad[:, b, None] & member[None, :, b]) != 0
    return out


def _technique_fits(regrading: pd.DataFrame, amendments: pd.DataFrame, mixes: list[str]) -> NDArray[np.bool_]:
    """(R, A, M): highwall techniques take only amendment ``none`` and their listed mixes
    (``natural`` always allowed with ``none`` regrading only); other regradings take every
    mix not reserved for walls."""
    reserved = wall_mixes(regrading)
    listed = _lists(regrading, "mixes")
    no_amendment = (amendments["amendment"] == "none").to_numpy()
    out = np.ones((len(regrading), len(amendments), len(mixes)), dtype=bool)
    for r, allowed in enumerate(listed):
        if allowed:
            out[r] &= no_amendment[:, None] & np.isin(mixes, allowed)[None, :]
        else:
            out[r] &= ~np.isin(mixes, sorted(reserved))[None, :]
    return out


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


def option_codes(cand: Candidates, n_amendments: int, n_mixes: int) -> NDArray[np.int64]:
    """Code of every row's (regrading, amendment, mix) triple: (r x A + a) x M + m."""
    return (cand.regrading * n_amendments + cand.amendment) * n_mixes + cand.mix


def option_names(codes: NDArray[np.integer], regrading: Sequence[str], amendments: Sequence[str],
                 mixes: Sequence[str]) -> NDArray[np.object_]:
    """Option ids of ``option_codes`` codes (give each distinct code once)."""
    n_a, n_m = len(amendments), len(mixes)
    r, rest = np.divmod(np.asarray(codes), n_a * n_m)
    a, m = np.divmod(rest, n_m)
    return np.asarray(option_id(np.asarray(regrading, dtype=object)[r], np.asarray(amendments, dtype=object)[a],
                                np.asarray(mixes, dtype=object)[m]), dtype=object)


def _option_ids(cand: Candidates, regrading: Sequence[str], amendments: Sequence[str],
                mixes: Sequence[str]) -> pd.api.extensions.ExtensionArray:
    """Option id of every row (a pandas string array), built once per distinct
    (regrading, amendment, mix) triple and gathered by code."""
    unique, inverse = np.unique(option_codes(cand, len(amendments), len(mixes)), return_inverse=True)
    return gather_str(option_names(unique, regrading, amendments, mixes), inverse.ravel())


def gather_str(names: Sequence[str] | NDArray[np.object_],
               codes: NDArray[np.integer]) -> pd.api.extensions.ExtensionArray:
    """``names[codes]`` as a pandas string array: converts the few names once, then gathers
    (converting a million Python strings one by one costs a hundred times more)."""
    return pd.array(np.asarray(names, dtype=object).astype(str), dtype="str").take(np.asarray(codes, dtype=np.intp))


