"""Nonlinear least-squares fitting of the growth forms in ``estimators.growth``.

``fit(age, value, model)`` needs no starting values: it derives several starts from the data
(asymptote candidates from the largest value, rates from a linearisation of each form, e.g. the
log-logit line of the logistic), runs Levenberg-Marquardt from each (``scipy.optimize
.least_squares``, tolerances 1e-12) on log-transformed positive parameters and keeps the lowest
residual sum of squares.  Statistics follow R's ``nls``/``AIC``:

    sigma^2 = RSS / (n - p),   cov = sigma^2 (J'J)^-1,   se = sqrt(diag(cov))
    AIC = n ln(2 pi) + n ln(RSS / n) + n + 2 (p + 1)
    RMSE = sqrt(RSS / n),      R^2 = 1 - RSS / TSS

Fits that cannot be trusted come back with ``warnings`` rather than silently: a standard error
larger than its estimate, a near-singular J'J, an asymptote far beyond the data, no residual
degrees of freedom, or no convergence.  Richards is fitted with its lag ``t0`` held fixed
(default 0), so it has three free parameters.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import least_squares

from estimators.growth import MODELS, evaluate
from estimators.growth_jacobian import jacobian

log = logging.getLogger(__name__)

Array = NDArray[np.float64]

#: Parameters kept positive during the search (fitted as their logarithm).
POSITIVE = frozenset({"a", "k", "c"})
#: b is positive in every form except mitscherlich (b > 1 gives a negative intercept).
FREE_B = frozenset({"mitscherlich"})

REL_SE_LIMIT = 1.0  # warn when se / |estimate| exceeds this
COND_LIMIT = 1e10  # warn when the column-scaled J'J is this ill-conditioned
ASYMPTOTE_LIMIT = 3.0  # warn when a exceeds this multiple of the largest observation
TOL = 1e-12
DIVERGED = 1e4  # an asymptote this many times the data is a limit, not an optimum


@dataclass
class FitResult:
    """One growth-curve fit.

    Attributes
    ----------
    model : growth form name (a key of ``MODELS``)
    params : fitted parameter values (NaN when the fit failed); richards includes ``t0`` (fixed)
    se : standard errors of the fitted parameters (NaN when unavailable)
    rss : residual sum of squares [stock units^2]
    rmse : sqrt(RSS / n) [stock units]
    aic : Akaike information criterion as R's ``AIC()`` of an ``nls`` fit
    r2 : 1 - RSS / TSS [-]
    n : number of observations
    converged : the optimiser reported convergence and the estimates are finite
    warnings : plain-language reasons to distrust the fit
    """

    model: str
    params: dict[str, float]
    se: dict[str, float]
    rss: float
    rmse: float
    aic: float
    r2: float
    n: int
    converged: bool
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The ``fit-growth --json`` record (DESIGN.md section 5); NaN/inf become ``None``."""
        return {
            "model": self.model,
            "params": {k: _jsonable(v) for k, v in self.params.items()},
            "se": {k: _jsonable(v) for k, v in self.se.items()},
            "rss": _jsonable(self.rss),
            "rmse": _jsonable(self.rmse),
            "aic": _jsonable(self.aic),
            "r2": _jsonable(self.r2),
            "n": self.n,
            "converged": bool(self.converged),
            "warnings": list(self.warnings),
        }

    def predict(self, t: ArrayLike) -> Array:
        """Evaluate the fitted curve at ages ``t`` [years]."""
        return evaluate(self.model, t, self.params)


def _jsonable(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def free_params(model: str) -> tuple[str, ...]:
    """Parameters estimated by ``fit`` (richards' ``t0`` is held fixed)."""
    if model not in MODELS:
        raise ValueError(f"unknown growth model '{model}' (valid: {', '.join(MODELS)})")
    return tuple(p for p in MODELS[model] if p != "t0")


def _positive_mask(model: str, names: Sequence[str]) -> NDArray[np.bool_]:
    return np.array([n in POSITIVE or (n == "b" and model not in FREE_B) for n in names])


# ----------------------------------------------------------------------------- starting values


def _line(x: Array, z: Array) -> tuple[float, float]:
    """Least-squares line z = p0 + p1 x on finite points: (intercept, slope)."""
    ok = np.isfinite(x) & np.isfinite(z)
    if ok.sum() < 2 or np.ptp(x[ok]) == 0:
        return math.nan, math.nan
    slope, intercept = np.polyfit(x[ok], z[ok], 1)
    return float(intercept), float(slope)


def _starts(model: str, t: Array, y: Array) -> list[dict[str, float]]:
    """Candidate starting values derived from the data (no user guesses)."""
    ymax = float(np.max(y))
    if ymax <= 0:
        ymax = float(np.max(np.abs(y))) or 1.0
    span = float(np.ptp(t)) or 1.0
    pos = (y > 0) & (t > 0)
    starts: list[dict[str, float]] = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for mult in (1.02, 1.1, 1.3, 1.7, 2.5, 4.0):
            a = ymax * mult
            frac = np.where(pos, y / a, np.nan)
            starts.extend(_linearised(model, a, t, frac, span))
    if model == "schumacher":  # exact linearisation: ln y = ln a - b / t
        c0, c1 = _line(1.0 / np.where(pos, t, np.nan), np.log(np.where(pos, y, np.nan)))
        starts.append({"a": math.exp(c0) if math.isfinite(c0) else ymax, "b": -c1})
    good = [s for s in starts if all(math.isfinite(v) for v in s.values())]
    good = [s for s in good if all(v > 0 for k, v in s.items() if k != "b" or model not in FREE_B)]
    if not good:  # generic fallback
        rate = 3.0 / span
        good = [{"a": ymax * 1.2, "b": 1.0, "k": rate, "c": 1.0}]
        good = [{k: v for k, v in g.items() if k in free_params(model)} for g in good]
        if model == "logistic":
            good[0]["b"] = 10.0
    return good


def _linearised(model: str, a: float, t: Array, frac: Array, span: float) -> list[dict[str, float]]:
    """Starts for asymptote ``a`` from each form's straight-line transform of y/a."""
    out: list[dict[str, float]] = []
    if model == "logistic":  # ln(a/y - 1) = ln b - k t
        c0, c1 = _line(t, np.log(1.0 / frac - 1.0))
        out.append({"a": a, "b": math.exp(c0), "k": -c1})
    elif model == "gompertz":  # ln(-ln(y/a)) = ln b - k t
        c0, c1 = _line(t, np.log(-np.log(frac)))
        out.append({"a": a, "b": math.exp(c0), "k": -c1})
    elif model == "mitscherlich":  # ln(1 - y/a) = ln b - k t
        c0, c1 = _line(t, np.log1p(-frac))
        out.append({"a": a, "b": math.exp(c0), "k": -c1})
    elif model == "korf":  # ln(-ln(y/a)) = ln b - c ln t
        c0, c1 = _line(np.log(t), np.log(-np.log(frac)))
        out.append({"a": a, "b": math.exp(c0), "c": -c1})
    elif model == "schumacher":  # ln(a/y) = b / t, through the origin
        inv = 1.0 / t
        z = -np.log(frac)
        ok = np.isfinite(z) & np.isfinite(inv)
        if ok.any():
            out.append({"a": a, "b": float(np.sum(inv[ok] * z[ok]) / np.sum(inv[ok] ** 2))})
    elif model == "richards":  # -ln(1 - (y/a)^(1/c)) = k t, through the origin
        for c in (0.7, 1.0, 1.5, 2.5, 4.0):
            z = -np.log1p(-np.power(frac, 1.0 / c))
            ok = np.isfinite(z) & (t > 0)
            k = float(np.sum(t[ok] * z[ok]) / np.sum(t[ok] ** 2)) if ok.any() else 3.0 / span
            out.append({"a": a, "k": k, "c": c})
    return out


# ----------------------------------------------------------------------------- optimisation


def _solve(model: str, t: Array, y: Array, start: dict[str, float], t0: float) -> tuple[Array, bool]:
    """Levenberg-Marquardt from one start; returns natural-scale estimates and success."""
    names = free_params(model)
    positive = _positive_mask(model, names)
    p0 = np.array([start[n] for n in names], dtype=float)
    theta0 = np.where(positive, np.log(np.where(positive, p0, 1.0)), p0)

    def natural(theta: Array) -> Array:
        return np.where(positive, np.exp(np.clip(theta, -700, 700)), theta)

    def resid(theta: Array) -> Array:
        values = _model_values(model, t, natural(theta), names, t0)
        return np.nan_to_num(values - y, nan=1e100, posinf=1e100, neginf=-1e100)

    def jac(theta: Array) -> Array:
        p = natural(theta)
        j = jacobian(model, t, dict(zip(names, p)), t0) * np.where(positive, p, 1.0)
        return np.nan_to_num(j, nan=0.0, posinf=1e100, neginf=-1e100)

    method = "lm" if len(y) >= len(names) else "trf"
    with np.errstate(all="ignore"):
        res = least_squares(resid, theta0, jac=jac, method=method, xtol=TOL, ftol=TOL, gtol=TOL,
                            max_nfev=2000 * len(names), x_scale="jac")
    est = natural(res.x)
    return est, bool(res.status > 0 and np.all(np.isfinite(est)))


def _model_values(model: str, t: Array, p: Array, names: Sequence[str], t0: float) -> Array:
    params: dict[str, Any] = dict(zip(names, p))
    if model == "richards":
        params["t0"] = t0
    return evaluate(model, t, params)


def _check_data(age: ArrayLike, value: ArrayLike) -> tuple[Array, Array]:
    t = np.asarray(age, dtype=float).ravel()
    y = np.asarray(value, dtype=float).ravel()
    if t.shape != y.shape:
        raise ValueError(f"age and value differ in length ({t.size} vs {y.size})")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(y))):
        raise ValueError("age and value must be finite numbers")
    if np.any(t < 0):
        raise ValueError("ages must be >= 0")
    return t, y


def fit(age: ArrayLike, value: ArrayLike, model: str, *, t0: float = 0.0) -> FitResult:
    """Fit one growth form by nonlinear least squares with self-starting values.

    Parameters
    ----------
    age : array_like [years]
        Stand ages, >= 0.
    value : array_like [stock units]
        Observed stock (volume, biomass or carbon), same length as ``age``.
    model : str
        A key of ``MODELS``.
    t0 : float [years], optional
        Fixed lag of the richards form (not estimated); ignored by the other forms.

    Returns
    -------
    FitResult
        Estimates, R-style standard errors, RSS, RMSE, AIC, R^2 and warnings.

    Raises
    ------
    ValueError
        Unknown model, bad data, or fewer points than parameters (no fit possible).
    """
    names = free_params(model)
    t, y = _check_data(age, value)
    n, p = y.size, len(names)
    if n < p:
        raise ValueError(f"{model} has {p} parameters but only {n} point(s): no fit possible")
    if np.ptp(y) == 0 or np.unique(t).size < min(p, 2):
        raise ValueError(f"{model}: the values (or ages) do not vary: no fit possible")
    best: tuple[float, Array, bool] | None = None
    for start in _starts(model, t, y):
        est, ok = _solve(model, t, y, start, t0)
        rss = float(np.sum((_model_values(model, t, est, names, t0) - y) ** 2))
        if math.isfinite(rss) and (best is None or (ok, -rss) > (best[2], -best[0])):
            best = (rss, est, ok)
    if best is None:
        return failed(model, n, "no starting value led to a finite fit")
    rss, est, ok = best
    if ok and _diverged(est, float(np.max(np.abs(y)))):
        ok = False
    return _summarise(model, t, y, est, ok, t0)


def _diverged(est: Array, ymax: float) -> bool:
    """Estimates ran off to a limit of the form (asymptote -> infinity or a rate/shape -> 0)."""
    tiny = np.abs(est) < 1e-10
    return bool(est[0] > DIVERGED * max(ymax, 1e-300) or np.any(tiny))


def _summarise(model: str, t: Array, y: Array, est: Array, ok: bool, t0: float) -> FitResult:
    """Statistics and warnings of a finished fit (R's nls conventions)."""
    names = free_params(model)
    n, p = y.size, len(names)
    rss = float(np.sum((_model_values(model, t, est, names, t0) - y) ** 2))
    tss = float(np.sum((y - y.mean()) ** 2))
    with np.errstate(divide="ignore"):
        aic = n * math.log(2 * math.pi) + n * np.log(rss / n) + n + 2 * (p + 1)
    warnings: list[str] = [] if ok else ["the optimiser did not converge to a finite optimum "
                                         "(estimates ran off to a limit of the form)"]
    with np.errstate(all="ignore"):
        jac = jacobian(model, t, dict(zip(names, est)), t0)
    se, cond = _standard_errors(jac, rss, n, p)
    warnings += _warnings(model, names, est, se, cond, n, p, float(np.max(y)))
    params = {k: float(v) for k, v in zip(names, est)}
    if model == "richards":
        params["t0"] = float(t0)
    return FitResult(model=model, params=params, se={k: float(s) for k, s in zip(names, se)},
                     rss=rss, rmse=math.sqrt(rss / n), aic=float(aic),
                     r2=1.0 - rss / tss if tss > 0 else math.nan, n=n, converged=ok, warnings=warnings)


def _standard_errors(jac: Array, rss: float, n: int, p: int) -> tuple[Array, float]:
    """se = sqrt(diag(sigma^2 (J'J)^-1)), sigma^2 = RSS/(n-p); and cond of column-scaled J'J."""
    if not np.all(np.isfinite(jac)):
        return np.full(p, np.nan), math.inf
    norms = np.linalg.norm(jac, axis=0)
    if np.any(norms == 0):
        return np.full(p, np.nan), math.inf
    scaled = jac / norms
    cond = float(np.linalg.cond(scaled.T @ scaled))
    if n <= p:
        return np.full(p, np.nan), cond
    try:
        inv = np.linalg.inv(scaled.T @ scaled)
    except np.linalg.LinAlgError:
        return np.full(p, np.nan), math.inf
    var = rss / (n - p) * np.diag(inv) / norms**2
    return np.sqrt(np.where(var > 0, var, np.nan)), cond


def _warnings(model: str, names: Sequence[str], est: Array, se: Array, cond: float, n: int, p: int,
              ymax: float) -> list[str]:
    """Plain-language reasons to distrust a fit."""
    out: list[str] = []
    if n <= p:
        out.append(f"{n} points for {p} parameters: no residual degrees of freedom, "
                   "standard errors unavailable")
    if cond > COND_LIMIT:
        out.append(f"ill-conditioned fit (condition number of J'J {cond:.2g}): "
                   "parameters are not separately identifiable from these data")
    for name, value, s in zip(names, est, se):
        if math.isfinite(s) and s > REL_SE_LIMIT * abs(value):
            out.append(f"parameter {name} = {value:.4g} is poorly determined "
                       f"(standard error {s:.3g} exceeds it)")
    a = float(est[list(names).index("a")])
    if ymax > 0 and a > ASYMPTOTE_LIMIT * ymax:
        out.append(f"asymptote a = {a:.4g} is more than {ASYMPTOTE_LIMIT:g}x the largest observation "
                   f"({ymax:.4g}): the data show no saturation, extrapolation is unreliable")
    return out


def failed(model: str, n: int, reason: str) -> FitResult:
    """A placeholder result for a form that could not be fitted."""
    names = free_params(model)
    return FitResult(model=model, params={k: math.nan for k in names}, se={k: math.nan for k in names},
                     rss=math.nan, rmse=math.nan, aic=math.inf, r2=math.nan, n=n, converged=False,
                     warnings=[reason])


def rank_key(result: FitResult) -> tuple[int, float]:
    """Sort key: converged finite-AIC fits first, then by AIC."""
    good = result.converged and math.isfinite(result.aic)
    return (0 if good else 1, result.aic if not math.isnan(result.aic) else math.inf)


def fit_all(age: ArrayLike, value: ArrayLike, models: Iterable[str] | None = None) -> list[FitResult]:
    """Fit several growth forms and rank them by AIC, best first.

    Parameters
    ----------
    age : array_like [years]
    value : array_like [stock units]
    models : iterable of str, optional
        Forms to try (default: all of ``MODELS``).

    Returns
    -------
    list of FitResult
        Converged fits by increasing AIC, then failed fits (``converged`` False, a warning saying
        why).  One bad form never raises.

    Raises
    ------
    ValueError
        Unknown model name or bad data (non-finite, negative ages, unequal lengths).
    """
    names = list(MODELS) if models is None else list(models)
    for name in names:
        free_params(name)  # unknown names raise
    t, y = _check_data(age, value)
    results = [_fit_or_fail(name, t, y) for name in names]
    return sorted(results, key=rank_key)


def _fit_or_fail(model: str, t: Array, y: Array) -> FitResult:
    try:
        return fit(t, y, model)
    except (ValueError, np.linalg.LinAlgError, FloatingPointError) as err:
        log.debug("fit of %s failed: %s", model, err)
        return failed(model, y.size, str(err))

