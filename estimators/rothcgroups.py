"""RothC over many rows at once: rows grouped by (clay, cover sequence), each group's year maps.

The machinery behind ``estimators.soil.soil_carbon_trajectory``. RothC is linear in carbon for a
fixed sequence of rate modifiers, so for each group of rows sharing clay (rounded) and the
year-by-year cover the twelve monthly matrices are multiplied once into a year map and unit-input
responses (``_group_maps``). Rows are then carried a whole year by one 4 x 4 product
(``_advance_group``); a plant input given as shared curves (``PlantInput``) is propagated once per
curve and combined per row at the kept years (``_plant_response``).
"""

from __future__ import annotations

from typing import NamedTuple, cast

import numpy as np
from numpy.typing import NDArray

from estimators.rothc import FYM_SPLIT, monthly_matrices, rothc_rate_modifiers, year_propagators

__all__ = ["PlantInput"]

Array = NDArray[np.float64]


class PlantInput(NamedTuple):
    """Plant input [t C/ha/yr] of n rows as combinations of shared curves:
    ``input[r, y] = sum_b coef[r, b] * curves[curve[r], b, y]`` (e.g. a woody and a grass litter
    curve per amendment x mix, scaled by each row's productivity).

    Given in this form, ``soil_carbon_trajectory`` propagates each shared curve once per RothC
    group and combines the rows' coefficients at the years asked for, instead of stepping every
    row through every year (the same carbon, to rounding).
    """

    curves: Array  # (C, B, Y) [t C/ha/yr]
    curve: NDArray[np.intp]  # (n,) row -> curve
    coef: Array  # (n, B) [-]

    def dense(self) -> Array:
        """The (n, Y) input of every row."""
        picked = self.curves[self.curve]  # (n, B, Y)
        out = self.coef[:, 0, None] * picked[:, 0]
        for b in range(1, self.coef.shape[1]):
            out = out + self.coef[:, b, None] * picked[:, b]
        return out


class _GroupMaps(NamedTuple):
    year: Array  # (G, Y, 4, 4) whole-year map
    dpm: Array  # (G, Y, 4) year-end carbon of 1 t C/ha/yr plant input into DPM
    rpm: Array  # (G, Y, 4) ... into RPM
    fym: Array  # (G, Y, 4) year-end carbon of 1 t C/ha manure in the amendment month
    rpm_once: Array  # (G, Y, 4) ... of 1 t C/ha into RPM in the amendment month


def _group_maps(clay: Array, covered: NDArray[np.bool_], tmp: Array, rain: Array, evap: Array, depth: float,
                weights: Array, amendment_month: int, rate_multiplier: float = 1.0) -> _GroupMaps:
    """Year maps and unit responses for each group (clay (G,), covered (G, Y))."""
    n_groups, n_years = covered.shape
    cover_m = np.repeat(covered, 12, axis=1)
    # the January deficit: one year of the climate under the first year's cover
    _, warm = rothc_rate_modifiers(clay, depth, tmp, rain, evap, cover_m[:, :12])
    rate, _ = rothc_rate_modifiers(clay, depth, np.tile(tmp, n_years), np.tile(rain, n_years),
                                   np.tile(evap, n_years), cover_m, warm[:, -1])
    rate = rate.reshape(n_groups, n_years, 12)
    if rate_multiplier != 1.0:
        rate = rate * rate_multiplier
    prop = year_propagators(monthly_matrices(rate, clay[:, None, None]))  # (G, Y, 13, 4, 4)
    spread = np.einsum("gymij,m->gyij", prop[:, :, 1:], weights)
    at = prop[:, :, amendment_month]
    return _GroupMaps(prop[:, :, 0], spread[..., 0], spread[..., 1], at @ FYM_SPLIT, at[..., 1])


def _group_rows(clay: Array, covered: NDArray[np.bool_],
                resolution: float) -> tuple[Array, NDArray[np.bool_], NDArray[np.intp]]:
    """Unique (rounded clay, cover sequence) keys: (clay of group, covered of group, inverse)."""
    code = np.round(clay / resolution).astype(np.int64)
    key = np.concatenate([code[:, None].view(np.uint8).reshape(len(code), 8),
                          np.packbits(covered, axis=1)], axis=1)
    key = np.ascontiguousarray(key).view(np.dtype((np.void, key.shape[1]))).ravel()
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    # int64 * float is float64 (the stubs only promise floating[Any])
    return cast(Array, code[first] * resolution), covered[first], inverse.ravel()


def _advance_group(state: Array, to_dpm: Array | None, to_rpm: Array | None, fym_yearly: Array | None,
                   fym_once: Array, rpm_once: Array, maps: _GroupMaps, slot: NDArray[np.intp]) -> Array:
    """Year-end carbon of one group's rows by component, shape (r, K, 3, 2).

    ``state`` (r, 3, 4): active pools (DPM, RPM, BIO, HUM) of the three components - 0 the
    starting stock, 1 plant input, 2 amendments - which RothC, linear in carbon for given rate
    modifiers, carries independently.  The last axis of the result is (all active pools, HUM).
    Year y + 1 is stored in column ``slot[y]`` (-1: not kept).

    Only the plant input arrives every year, so only component 1 is stepped year by year; the
    starting stock and a one-off amendment are carried to the kept years by the product of the
    group's year maps (one 4 x 4 product a year for the group, not one per row).  Products use
    stacked (r, 1, 4) x (4, 4) matmuls, whose result per row does not depend on how many rows
    there are (a 2-D BLAS product may round differently for different row counts).
    Without ``to_dpm`` (a factored plant input: ``_plant_response``) component 1 is left zero.
    """
    n_years = len(slot)
    out = np.zeros((state.shape[0], int(slot.max()) + 1, 3, 2))
    year_t = maps.year.transpose(0, 2, 1)
    once = (fym_once[:, None] * maps.fym[0] + rpm_once[:, None] * maps.rpm_once[0])[:, None, :]
    start = state[:, 0][:, None, :]
    plant = state[:, 1][:, None, :]
    amended = state[:, 2][:, None, :] @ year_t[0] + once
    since_start = year_t[0]  # product of the year maps from year 1 to y + 1
    since_once = np.eye(4)  # ... from year 2 to y + 1 (the amendment lands during year 1)
    for y in range(n_years):
        if to_dpm is not None and to_rpm is not None:
            plant = plant @ year_t[y]
            plant[:, 0] += to_dpm[:, y, None] * maps.dpm[y] + to_rpm[:, y, None] * maps.rpm[y]
        if y > 0:
            since_start = since_start @ year_t[y]
            since_once = since_once @ year_t[y]
            if fym_yearly is not None:
                amended = amended @ year_t[y]
        if fym_yearly is not None:
            amended[:, 0] += fym_yearly[:, y, None] * maps.fym[y]
        if slot[y] >= 0:
            parts = (start @ since_start, plant, amended if fym_yearly is not None else amended @ since_once)
            for c, part in enumerate(parts):
                out[:, slot[y], c, 0] = part[:, 0].sum(axis=1)
                out[:, slot[y], c, 1] = part[:, 0, 3]
    return out


def _shape(plant: PlantInput | None) -> tuple[int, int]:
    """(rows, years) of a factored plant input."""
    assert plant is not None
    return len(plant.curve), plant.curves.shape[2]


def _unit_responses(maps: _GroupMaps, slot: NDArray[np.intp]) -> Array:
    """Carbon at each kept year-end of 1 t C/ha/yr of plant input in one year, into DPM or RPM.

    Returns (Y, S, 2, 2): input year j, kept column ``slot`` (S = slot.max() + 1; column 0, the
    start, stays zero), into DPM / RPM, (all active pools, HUM).  Input of year j is carried by
    the year maps of the years after it, as ``_advance_group`` steps it."""
    n_years = len(slot)
    year_t = maps.year.transpose(0, 2, 1)
    carried = np.zeros((n_years, 2, 4))
    out = np.zeros((n_years, int(slot.max()) + 1, 2, 2))
    for y in range(n_years):
        carried = carried @ year_t[y]
        carried[y, 0], carried[y, 1] = maps.dpm[y], maps.rpm[y]
        if slot[y] >= 0:
            out[:, slot[y], :, 0] = carried.sum(axis=2)
            out[:, slot[y], :, 1] = carried[:, :, 3]
    return out


def _plant_response(plant: PlantInput, rows: NDArray[np.intp], frac: Array, maps: _GroupMaps,
                    slot: NDArray[np.intp]) -> Array:
    """Plant-input carbon of one group's ``rows`` at the kept year-ends, shape (r, S, 2) (all
    active pools, HUM), from a factored input: every shared curve is propagated once for the
    group (``_unit_responses``), then each row combines its coefficients, DPM share ``frac``.

    Every curve of ``plant.curves`` is propagated, whichever rows the group has, and the rows
    combine elementwise: a row's numbers do not depend on which other rows are estimated."""
    units = _unit_responses(maps, slot)  # (Y, S, 2, 2)
    n_curves, n_basis, n_years = plant.curves.shape
    resp = (plant.curves.reshape(n_curves * n_basis, n_years) @ units.reshape(n_years, -1)).reshape(
        n_curves, n_basis, *units.shape[1:])  # (C, B, S, 2 [dpm, rpm], 2)
    curve = plant.curve[rows]
    out = np.zeros((len(rows), units.shape[1], 2))
    for b in range(n_basis):
        coef = plant.coef[rows, b]
        to_dpm, to_rpm = (coef * frac)[:, None], (coef * (1.0 - frac))[:, None]
        for k in range(1, units.shape[1]):
            out[:, k] += to_dpm * resp[curve, b, k, 0] + to_rpm * resp[curve, b, k, 1]
    return out
