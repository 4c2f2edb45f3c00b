"""Stand growth curves: six published forms, vectorised, plus the least-squares fitter.

Every form gives the stock ``y`` (volume [m3/ha], biomass [t/ha] or carbon [t C/ha], the basis
is the caller's business) at stand age ``t`` [years].  Parameters broadcast against ``t``, so
``richards(t, a[:, None], k[:, None], c[:, None])`` with ``t`` of shape ``(n_years,)`` gives an
``(n_species, n_years)`` array.

Parameterisations follow Fekedulegn, Mac Siurtain & Colbert (1999), Silva Fennica 33(4):327-336,
as tabulated in docs reference vegetation.md section 2:

========================  =====================================================
richards                  y = a (1 - exp(-k (t - t0)))^c  for t > t0, else 0
logistic                  y = a / (1 + b exp(-k t))
gompertz                  y = a exp(-b exp(-k t))
schumacher                y = a exp(-b / t)
korf                      y = a exp(-b t^(-c))
mitscherlich              y = a (1 - b exp(-k t))
========================  =====================================================

The fitter (``fit``, ``fit_all``, ``FitResult``) lives in ``estimators.fitting`` and is
re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "MODELS",
    "OPTIONAL",
    "richards",
    "logistic",
    "gompertz",
    "schumacher",
    "korf",
    "mitscherlich",
    "evaluate",
    "fit",
    "fit_all",
    "FitResult",
]

#: Model name -> parameter names, in the order the functions take them.
MODELS: dict[str, tuple[str, ...]] = {
    "richards": ("a", "k", "c", "t0"),
    "logistic": ("a", "b", "k"),
    "gompertz": ("a", "b", "k"),
    "schumacher": ("a", "b"),
    "korf": ("a", "b", "c"),
    "mitscherlich": ("a", "b", "k"),
}

#: Parameters that may be omitted (with their default).
OPTIONAL: dict[str, dict[str, float]] = {"richards": {"t0": 0.0}}


def _f(x: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(x, dtype=float)


def richards(t: ArrayLike, a: ArrayLike, k: ArrayLike, c: ArrayLike, t0: ArrayLike = 0.0) -> NDArray[np.float64]:
    """Chapman-Richards growth with an optional lag.

    y = a (1 - exp(-k (t - t0)))^c for t > t0, else 0.

    Parameters
    ----------
    t : array_like [years]
        Stand age.
    a : array_like [stock units]
        Asymptote.
    k : array_like [1/years]
        Rate.
    c : array_like [-]
        Shape exponent (c = 1/(1-m) in the 4-parameter Richards of Zhang Bin et al. 2016).
    t0 : array_like [years], optional
        Lag before growth starts (t0 = ln(B)/K for Zhang Bin's B > 1).

    Returns
    -------
    ndarray [stock units]
        Broadcast shape of all arguments.

    References
    ----------
    Fekedulegn et al. 1999, Silva Fennica 33(4):327-336; Zhang Bin et al. 2016, Chinese Journal
    of Eco-Agriculture 24(3):392-402.
    """
    t, a, k, c, t0 = map(_f, (t, a, k, c, t0))
    dt = t - t0
    base = -np.expm1(-k * np.where(dt > 0, dt, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        y = a * np.power(np.clip(base, 0.0, None), c)
    return np.where(dt > 0, y, 0.0)


def logistic(t: ArrayLike, a: ArrayLike, b: ArrayLike, k: ArrayLike) -> NDArray[np.float64]:
    """Logistic growth: y = a / (1 + b exp(-k t)).

    Parameters
    ----------
    t : array_like [years]
        Stand age.
    a : array_like [stock units]
        Asymptote.
    b : array_like [-]
        Location (R's SSlogis: b = exp(xmid/scal)).
    k : array_like [1/years]
        Rate (R's SSlogis: k = 1/scal).

    Returns
    -------
    ndarray [stock units]

    References
    ----------
    Fekedulegn et al. 1999, Silva Fennica 33(4):327-336.
    """
    t, a, b, k = map(_f, (t, a, b, k))
    return a / (1.0 + b * np.exp(-k * t))


def gompertz(t: ArrayLike, a: ArrayLike, b: ArrayLike, k: ArrayLike) -> NDArray[np.float64]:
    """Gompertz growth: y = a exp(-b exp(-k t)).

    Parameters
    ----------
    t : array_like [years]
        Stand age.
    a : array_like [stock units]
        Asymptote (R's SSgompertz Asym).
    b : array_like [-]
        Displacement (R's SSgompertz b2).
    k : array_like [1/years]
        Rate (R's SSgompertz: k = -ln(b3)).

    Returns
    -------
    ndarray [stock units]

    References
    ----------
    Fekedulegn et al. 1999, Silva Fennica 33(4):327-336.
    """
    t, a, b, k = map(_f, (t, a, b, k))
    return a * np.exp(-b * np.exp(-k * t))


def korf(t: ArrayLike, a: ArrayLike, b: ArrayLike, c: ArrayLike) -> NDArray[np.float64]:
    """Korf growth: y = a exp(-b t^(-c)), with y = 0 at t <= 0.

    Parameters
    ----------
    t : array_like [years]
        Stand age.
    a : array_like [stock units]
        Asymptote.
    b : array_like [years^c]
        Scale.
    c : array_like [-]
        Shape exponent (c = 1 is Schumacher).

    Returns
    -------
    ndarray [stock units]

    References
    ----------
    Fekedulegn et al. 1999, Silva Fennica 33(4):327-336.
    """
    t, a, b, c = map(_f, (t, a, b, c))
    positive = t > 0
    safe_t = np.where(positive, t, 1.0)
    with np.errstate(over="ignore"):
        y = a * np.exp(-b * np.power(safe_t, -c))
    return np.where(positive, y, 0.0)


def schumacher(t: ArrayLike, a: ArrayLike, b: ArrayLike) -> NDArray[np.float64]:
    """Schumacher growth: y = a exp(-b / t), with y = 0 at t <= 0 (Korf with c = 1).

    Parameters
    ----------
    t : array_like [years]
        Stand age.
    a : array_like [stock units]
        Asymptote.
    b : array_like [years]
        Scale.

    Returns
    -------
    ndarray [stock units]

    References
    ----------
    Fekedulegn et al. 1999, Silva Fennica 33(4):327-336; Zhang Jinglu et al. 2023 (Schumacher
    best for Tianshan spruce).
    """
    return korf(t, a, b, 1.0)


def mitscherlich(t: ArrayLike, a: ArrayLike, b: ArrayLike, k: ArrayLike) -> NDArray[np.float64]:
    """Mitscherlich (monomolecular) growth: y = a (1 - b exp(-k t)).

    Parameters
    ----------
    t : array_like [years]
        Stand age.
    a : array_like [stock units]
        Asymptote (R's SSasymp Asym).
    b : array_like [-]
        b = 1 passes through the origin (R's SSasymp: b = (Asym - R0)/Asym).
    k : array_like [1/years]
        Rate (R's SSasymp: k = exp(lrc)).

    Returns
    -------
    ndarray [stock units]

    References
    ----------
    Fekedulegn et al. 1999, Silva Fennica 33(4):327-336.
    """
    t, a, b, k = map(_f, (t, a, b, k))
    return a * (1.0 - b * np.exp(-k * t))


_FUNCS: dict[str, Callable[..., NDArray[np.float64]]] = {
    "richards": richards,
    "logistic": logistic,
    "gompertz": gompertz,
    "schumacher": schumacher,
    "korf": korf,
    "mitscherlich": mitscherlich,
}


def evaluate(model: str, t: ArrayLike, params: Mapping[str, ArrayLike]) -> NDArray[np.float64]:
    """Evaluate growth form ``model`` at ages ``t`` with named parameters.

    Parameters
    ----------
    model : str
        A key of ``MODELS``.
    t : array_like [years]
        Stand age.
    params : mapping of str to array_like
        Parameter name -> value (scalars or arrays, broadcast against ``t``); optional
        parameters (richards ``t0``) may be missing or NaN, meaning their default.
        Extra keys are ignored.

    Returns
    -------
    ndarray [stock units]

    Raises
    ------
    ValueError
        Unknown model or a required parameter missing.
    """
    if model not in MODELS:
        raise ValueError(f"unknown growth model '{model}' (valid: {', '.join(MODELS)})")
    defaults = OPTIONAL.get(model, {})
    args = []
    for name in MODELS[model]:
        if name in params:
            value = _f(params[name])
            if name in defaults:
                value = np.where(np.isnan(value), defaults[name], value)
            args.append(value)
        elif name in defaults:
            args.append(_f(defaults[name]))
        else:
            raise ValueError(f"growth model '{model}' needs parameter '{name}'")
    return _FUNCS[model](t, *args)


_FITTING = ("fit", "fit_all", "FitResult")


def __getattr__(name: str) -> object:
    """Re-export the fitter from ``estimators.fitting`` (lazily: it imports this module)."""
    if name in _FITTING:
        from estimators import fitting

        return getattr(fitting, name)
    raise AttributeError(f"module 'estimators.growth' has no attribute '{name}'")
