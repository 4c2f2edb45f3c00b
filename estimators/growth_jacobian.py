"""Analytic derivatives of the growth forms with respect to their fitted parameters.

Used by ``estimators.fitting`` for Levenberg-Marquardt steps and for R-style standard errors
(``sigma^2 (J'J)^-1`` needs an accurate J; finite differences would cost digits).  Columns are in
the order of ``estimators.fitting.free_params(model)`` (richards' ``t0`` is held fixed).

Derivatives, with e = exp(-k t):

* richards, u = 1 - exp(-k (t - t0)): dy/da = u^c, dy/dk = a c u^(c-1) (t - t0) (1 - u),
  dy/dc = a u^c ln u (all 0 for t <= t0)
* logistic, D = 1 + b e: 1/D, -a e / D^2, a b t e / D^2
* gompertz, y = a exp(-b e): y/a, -y e, y b t e
* korf, s = t^(-c): y/a, -y s, y b s ln t (0 for t <= 0); schumacher is korf's first two
* mitscherlich: 1 - b e, -a e, a b t e
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def jacobian(model: str, t: ArrayLike, params: Mapping[str, float], t0: float = 0.0) -> Array:
    """Derivatives of ``model`` at ages ``t`` with respect to its fitted parameters.

    Parameters
    ----------
    model : str
        Growth form name.
    t : array_like [years], 1-D
        Ages.
    params : mapping
        Parameter values by name.
    t0 : float [years]
        Fixed richards lag.

    Returns
    -------
    ndarray, shape (len(t), n_params)
    """
    t = np.asarray(t, dtype=float).ravel()
    return np.column_stack(_COLUMNS[model](t, params, t0))


def _richards(t: Array, p: Mapping[str, float], t0: float) -> list[Array]:
    a, k, c = p["a"], p["k"], p["c"]
    dt = t - t0
    live = dt > 0
    dts = np.where(live, dt, 1.0)
    u = -np.expm1(-k * dts)
    uc = np.power(u, c)
    cols = [uc, a * c * np.power(u, c - 1.0) * dts * (1.0 - u), a * uc * np.log(u)]
    return [np.where(live, col, 0.0) for col in cols]


def _logistic(t: Array, p: Mapping[str, float], t0: float) -> list[Array]:
    a, b, k = p["a"], p["b"], p["k"]
    e = np.exp(-k * t)
    d = 1.0 + b * e
    return [1.0 / d, -a * e / d**2, a * b * t * e / d**2]


def _gompertz(t: Array, p: Mapping[str, float], t0: float) -> list[Array]:
    a, b, k = p["a"], p["b"], p["k"]
    e = np.exp(-k * t)
    g = np.exp(-b * e)
    return [g, -a * g * e, a * g * b * t * e]


def _korf_cols(t: Array, a: float, b: float, c: float) -> list[Array]:
    live = t > 0
    ts = np.where(live, t, 1.0)
    s = np.power(ts, -c)
    g = np.exp(-b * s)
    cols = [g, -a * g * s, a * g * b * s * np.log(ts)]
    return [np.where(live, col, 0.0) for col in cols]


def _korf(t: Array, p: Mapping[str, float], t0: float) -> list[Array]:
    return _korf_cols(t, p["a"], p["b"], p["c"])


def _schumacher(t: Array, p: Mapping[str, float], t0: float) -> list[Array]:
    return _korf_cols(t, p["a"], p["b"], 1.0)[:2]


def _mitscherlich(t: Array, p: Mapping[str, float], t0: float) -> list[Array]:
    a, b, k = p["a"], p["b"], p["k"]
    e = np.exp(-k * t)
    return [1.0 - b * e, -a * e, a * b * t * e]


_COLUMNS = {
    "richards": _richards,
    "logistic": _logistic,
    "gompertz": _gompertz,
    "korf": _korf,
    "schumacher": _schumacher,
    "mitscherlich": _mitscherlich,
}
