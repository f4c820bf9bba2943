"""Gamma-Gamma model of order value (Fader & Hardie 2013, "The Gamma-Gamma model of monetary
value"; Colombo & Jiang 1999).

A customer's transaction values are gamma(p, nu) around their own mean; nu varies across
customers as gamma(q, v). Fitted by maximum likelihood on the repeat buyers' (x, mean value)
with x the number of repeat transactions and the mean over those repeat transactions, as in
the note (the first purchase is left out: it often differs, e.g. a starter order). It predicts
a customer's expected order value as a weighted mean of the population mean ``p v / (q - 1)``
and their own observed mean, the more of their own the more they bought.

The model needs variation: with (almost) identical values across customers the likelihood has
no interior maximum (p and q run to infinity), and with q <= 1 the population mean does not
exist. Then ``fit_gamma_gamma`` returns None and the callers use the observed mean order value
of everyone, flagged ``population_mean``. When the spread of the customers' means does not
shrink with their number of purchases (customers differ far more from each other than their
own orders do), p runs to its bound: the fit is kept, flagged not converged, and is the limit
model in which a repeat buyer's expected value is close to their own mean.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import digamma, gammaln

from behaviorseg.value.btyd import ModelFit, maximise_likelihood

GAMMA_GAMMA = "gamma_gamma"
GAMMA_GAMMA_PARAMETERS: tuple[str, ...] = ("p", "q", "v")
# Order values whose spread across repeat buyers is below this coefficient of variation are
# treated as constant: a price list with one price, or amounts rounded to one value. No model
# of spread can be fitted to them (see the module docstring).
MIN_SPEND_VARIATION = 1e-6
# A repeat buyer is needed at least per parameter to fit three parameters at all.
MIN_REPEAT_BUYERS = len(GAMMA_GAMMA_PARAMETERS)


def gamma_gamma_log_likelihood(
    params: Sequence[float], x: np.ndarray, mean_value: np.ndarray
) -> np.ndarray:
    """Log-density of each repeat buyer's mean value given x transactions (the note's eq. 3)."""
    p, q, v = params
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(v)
        + (p * x - 1) * np.log(mean_value)
        + p * x * np.log(x)
        - (p * x + q) * np.log(x * mean_value + v)
    )


def gamma_gamma_log_likelihood_gradient(
    params: Sequence[float], x: np.ndarray, mean_value: np.ndarray
) -> np.ndarray:
    """Derivatives of each repeat buyer's log-density with respect to (p, q, v), shape (3, n)."""
    p, q, v = params
    log_total = np.log(x * mean_value + v)
    d_p = x * (digamma(p * x + q) - digamma(p * x) + np.log(mean_value) + np.log(x) - log_total)
    d_q = digamma(p * x + q) - digamma(q) + np.log(v) - log_total
    d_v = q / v - (p * x + q) / (x * mean_value + v)
    return np.vstack([d_p, d_q, d_v])


def usable_spend(x: np.ndarray, mean_value: np.ndarray) -> np.ndarray:
    """Repeat buyers whose mean value can enter the model (x > 0, value > 0 and finite)."""
    x = np.asarray(x, dtype=float)
    mean_value = np.asarray(mean_value, dtype=float)
    return (x > 0) & np.isfinite(mean_value) & (mean_value > 0)


def fit_gamma_gamma(x: Sequence[float], mean_value: Sequence[float]) -> ModelFit | None:
    """The maximum-likelihood Gamma-Gamma fit on repeat buyers, or None when it cannot be
    fitted: fewer than three usable repeat buyers, (near) constant values, or q <= 1 (no
    population mean)."""
    x = np.asarray(x, dtype=float)
    mean_value = np.asarray(mean_value, dtype=float)
    usable = usable_spend(x, mean_value)
    x, mean_value = x[usable], mean_value[usable]
    if len(x) < MIN_REPEAT_BUYERS:
        return None
    if np.std(mean_value) < MIN_SPEND_VARIATION * np.mean(mean_value):
        return None

    def total(params: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            return float(np.sum(gamma_gamma_log_likelihood(params, x, mean_value)))

    def gradient(params: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return gamma_gamma_log_likelihood_gradient(params, x, mean_value).sum(axis=1)

    # Start near the moments: shape 1 per transaction, q = 2 gives a population mean p v.
    start = (1.0, 2.0, float(np.mean(mean_value)))
    params, value, converged = maximise_likelihood(total, start, gradient)
    fit = ModelFit(
        model=GAMMA_GAMMA,
        params=dict(zip(GAMMA_GAMMA_PARAMETERS, (float(p) for p in params), strict=True)),
        log_likelihood=value,
        customers=len(x),
        converged=converged,
    )
    if not np.isfinite(value) or fit.params["q"] <= 1:
        return None
    return fit


def population_mean_value(fit: ModelFit) -> float:
    """The model's mean order value of a customer not yet seen buying again: p v / (q - 1)."""
    p, q, v = fit.values()
    return p * v / (q - 1)


def expected_order_value(
    fit: ModelFit, x: Sequence[float], mean_value: Sequence[float]
) -> np.ndarray:
    """E[order value | x, mean value] = (p (v + x m)) / (p x + q - 1); the population mean
    for a customer without usable repeat purchases."""
    p, q, v = fit.values()
    x = np.asarray(x, dtype=float)
    mean_value = np.asarray(mean_value, dtype=float)
    usable = usable_spend(x, mean_value)
    own = np.where(usable, mean_value, 0.0)
    weighted = p * (v + x * own) / (p * x + q - 1)
    return np.where(usable, weighted, population_mean_value(fit))
