"""Buy-till-you-die purchase-count models: BG/NBD and Pareto/NBD, fitted by maximum likelihood.

A customer is summarised by (x, t_x, T): ``x`` repeat transactions (transaction days after the
first), ``t_x`` the time of the last one and ``T`` the time since the first, both counted from
the first transaction in periods (weeks by default). The closed forms are the published ones:

- BG/NBD: Fader, Hardie & Lee (2005), "Counting your customers the easy way", equations (6)
  (likelihood), (10) (conditional expectation) and the P(alive) of their note "Computing
  P(alive) using the BG/NBD model".
- Pareto/NBD: Fader & Hardie (2005), "A note on deriving the Pareto/NBD model and related
  expressions" (likelihood, P(alive), conditional expectation).

Both fits run over the distinct (x, t_x, T) triples, each weighted by how many customers share
it: recency and age come from whole days, so a million customers collapse to a few hundred
thousand triples at most and the fit costs seconds. The Gauss hypergeometric functions are
evaluated after Euler's transformation, whose series stays bounded however many purchases a
customer has (the textbook form overflows beyond a few hundred).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import digamma, expit, gammaln, hyp2f1

BG_NBD = "bg_nbd"
PARETO_NBD = "pareto_nbd"
BG_NBD_PARAMETERS: tuple[str, ...] = ("r", "alpha", "a", "b")
PARETO_NBD_PARAMETERS: tuple[str, ...] = ("r", "alpha", "s", "beta")
# Parameters are searched on the log scale within these bounds (about 6e-6 .. 1.6e5); a fit
# that ends on a bound is the limit of a degenerate model (e.g. nobody drops out) and is
# reported as not converged.
LOG_PARAMETER_BOUNDS = (-12.0, 12.0)
# A parameter within this distance of a bound on the log scale (5%) counts as on it.
BOUND_TOLERANCE = 0.05
# Where a closed form divides by (a - 1) or (s - 1), a parameter this close to 1 is moved off
# it: the expression's limit at 1 is finite and the nudge changes it by less than 1e-6.
SINGULARITY_NUDGE = 1e-7


@dataclass(frozen=True)
class PurchaseCounts:
    """Distinct (x, t_x, T) triples of a population and how many customers share each."""

    frequency: np.ndarray
    recency: np.ndarray
    age: np.ndarray
    weight: np.ndarray

    @property
    def customers(self) -> int:
        return int(self.weight.sum())

    @property
    def repeat_customers(self) -> int:
        return int(self.weight[self.frequency > 0].sum())


@dataclass(frozen=True)
class ModelFit:
    """A fitted model: parameters, log-likelihood of the whole population, customers, and
    whether the optimiser converged to an interior maximum."""

    model: str
    params: dict[str, float]
    log_likelihood: float
    customers: int
    converged: bool

    def values(self) -> tuple[float, ...]:
        return tuple(self.params.values())


def grouped_counts(
    frequency: Sequence[float], recency: Sequence[float], age: Sequence[float]
) -> tuple[PurchaseCounts, np.ndarray]:
    """The distinct triples with their weights, and for every customer the index of their
    triple (so per-triple predictions map back to customers)."""
    triples = pd.DataFrame(
        {
            "frequency": np.asarray(frequency, dtype=float),
            "recency": np.asarray(recency, dtype=float),
            "age": np.asarray(age, dtype=float),
        }
    )
    # A hash groupby (sorted, so the triples' order never depends on the customers' order):
    # ten times faster than np.unique(axis=0) at a million customers.
    groups = triples.groupby(["frequency", "recency", "age"], sort=True)
    codes = groups.ngroup().to_numpy()
    sizes = groups.size()
    counts = PurchaseCounts(
        frequency=sizes.index.get_level_values("frequency").to_numpy(float),
        recency=sizes.index.get_level_values("recency").to_numpy(float),
        age=sizes.index.get_level_values("age").to_numpy(float),
        weight=sizes.to_numpy(float),
    )
    return counts, codes


# --- BG/NBD -----------------------------------------------------------------------------------


def bg_nbd_log_likelihood(
    params: Sequence[float], x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Log-likelihood of each (x, t_x, T) under BG/NBD (r, alpha, a, b): FHL 2005, eq. (6)."""
    r, alpha, a, b = params
    common = (
        gammaln(r + x)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(a + b)
        + gammaln(b + x)
        - gammaln(b)
        - gammaln(a + b + x)
    )
    alive_to_now = -(r + x) * np.log(alpha + age)
    repeat = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        dropped_after_last = np.where(
            repeat,
            np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return common + np.logaddexp(alive_to_now, dropped_after_last)


def bg_nbd_log_likelihood_gradient(
    params: Sequence[float], x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Derivatives of each row's BG/NBD log-likelihood with respect to (r, alpha, a, b), shape
    (4, rows): the two terms of the likelihood weighted by their share of it."""
    r, alpha, a, b = params
    repeat = x > 0
    alive_to_now = -(r + x) * np.log(alpha + age)
    with np.errstate(divide="ignore", invalid="ignore"):
        repeat_b = np.where(repeat, b + x - 1, 1.0)
        dropped_after_last = np.where(
            repeat, np.log(a) - np.log(repeat_b) - (r + x) * np.log(alpha + t_x), -np.inf
        )
    share_dropped = np.exp(dropped_after_last - np.logaddexp(alive_to_now, dropped_after_last))
    share_alive = 1 - share_dropped
    d_r = (
        digamma(r + x)
        - digamma(r)
        + np.log(alpha)
        - share_alive * np.log(alpha + age)
        - share_dropped * np.log(alpha + t_x)
    )
    d_alpha = r / alpha - (r + x) * (share_alive / (alpha + age) + share_dropped / (alpha + t_x))
    d_a = digamma(a + b) - digamma(a + b + x) + share_dropped / a
    d_b = (
        digamma(a + b)
        + digamma(b + x)
        - digamma(b)
        - digamma(a + b + x)
        - np.where(repeat, share_dropped / repeat_b, 0.0)
    )
    return np.vstack([d_r, d_alpha, d_a, d_b])


def bg_nbd_p_alive(
    params: Sequence[float], x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """P(alive at T | x, t_x, T): 1 for a customer without repeat purchases (BG/NBD lets a
    customer drop out only right after a purchase)."""
    r, alpha, a, b = params
    x, t_x, age = (np.asarray(v, dtype=float) for v in (x, t_x, age))
    repeat = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        log_odds_dead = (
            np.log(a)
            - np.log(np.where(repeat, b + x - 1, 1.0))
            + (r + x) * (np.log(alpha + age) - np.log(alpha + t_x))
        )
    return np.where(repeat, expit(-log_odds_dead), 1.0)


def bg_nbd_expected_purchases(
    params: Sequence[float], horizon: float, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Expected transactions in (T, T + horizon] given (x, t_x, T): FHL 2005, eq. (10).

    ``((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)`` is evaluated as
    ``(1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)`` (Euler's transformation, z = t/(alpha+T+t)),
    which is bounded for any x.
    """
    r, alpha, a, b = params
    if abs(a - 1) < SINGULARITY_NUDGE:
        a = 1 + SINGULARITY_NUDGE
    x, t_x, age = (np.asarray(v, dtype=float) for v in (x, t_x, age))
    if horizon <= 0:
        return np.zeros_like(x)
    z = horizon / (alpha + age + horizon)
    with np.errstate(all="ignore"):
        survives = (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        unconditional = (a + b + x - 1) / (a - 1) * (1 - survives)
    # With a and b in the hundreds of thousands (a fit on tiny data running to its bounds: every
    # customer drops out with the same probability p = a / (a + b)) the series overflows; its
    # limit is (1 - ((alpha+T) / (alpha+T+p t))^(r+x)) / p, the same model with one p.
    same_dropout = a / (a + b)
    limit = (
        -np.expm1((r + x) * (np.log(alpha + age) - np.log(alpha + age + same_dropout * horizon)))
        / same_dropout
    )
    unconditional = np.where(np.isfinite(unconditional), unconditional, limit)
    return unconditional * bg_nbd_p_alive((r, alpha, a, b), x, t_x, age)


# --- Pareto/NBD -------------------------------------------------------------------------------


def _pareto_log_a0(
    params: Sequence[float], x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """log A0 of the Pareto/NBD likelihood (Fader & Hardie 2005, eq. (22)/(23)), each
    hypergeometric term after Euler's transformation (``2F1(1, .; r+s+x+1; z)``, bounded)."""
    r, alpha, s, beta = params
    rsx = r + s + x
    if alpha >= beta:
        larger, difference = alpha, alpha - beta

        def log_f(at: np.ndarray) -> np.ndarray:
            z = difference / (larger + at)
            return -s * np.log1p(-z) + np.log(hyp2f1(1.0, r + x, rsx + 1, z))

    else:
        larger, difference = beta, beta - alpha

        def log_f(at: np.ndarray) -> np.ndarray:
            z = difference / (larger + at)
            return (1 - r - x) * np.log1p(-z) + np.log(hyp2f1(1.0, s + 1, rsx + 1, z))

    at_last = log_f(t_x) - rsx * np.log(larger + t_x)
    at_now = log_f(age) - rsx * np.log(larger + age)
    with np.errstate(divide="ignore"):
        # A0 = f(t_x) - f(T) >= 0 (zero when the last purchase is now); rounding may give a
        # difference a hair above 0, which means A0 = 0.
        return at_last + np.log(-np.expm1(np.minimum(at_now - at_last, 0.0)))


def pareto_nbd_log_likelihood(
    params: Sequence[float], x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Log-likelihood of each (x, t_x, T) under Pareto/NBD (r, alpha, s, beta)."""
    r, alpha, s, beta = params
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + age) - s * np.log(beta + age)
    dropped = np.log(s) - np.log(r + s + x) + _pareto_log_a0(params, x, t_x, age)
    return common + np.logaddexp(alive, dropped)


def pareto_nbd_p_alive(
    params: Sequence[float], x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """P(alive at T | x, t_x, T) under Pareto/NBD."""
    r, alpha, s, beta = params
    x, t_x, age = (np.asarray(v, dtype=float) for v in (x, t_x, age))
    log_odds_dead = (
        np.log(s)
        - np.log(r + s + x)
        + (r + x) * np.log(alpha + age)
        + s * np.log(beta + age)
        + _pareto_log_a0(params, x, t_x, age)
    )
    return expit(-log_odds_dead)


def pareto_nbd_expected_purchases(
    params: Sequence[float], horizon: float, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Expected transactions in (T, T + horizon] given (x, t_x, T) under Pareto/NBD."""
    r, alpha, s, beta = params
    x, t_x, age = (np.asarray(v, dtype=float) for v in (x, t_x, age))
    if horizon <= 0:
        return np.zeros_like(x)
    # (1 - ((beta+T)/(beta+T+t))^(s-1)) / (s-1), which tends to log((beta+T+t)/(beta+T)).
    log_ratio = np.log(beta + age) - np.log(beta + age + horizon)
    if abs(s - 1) < SINGULARITY_NUDGE:
        lifetime_share = -log_ratio
    else:
        lifetime_share = -np.expm1((s - 1) * log_ratio) / (s - 1)
    rate = (r + x) * (beta + age) / (alpha + age)
    return rate * lifetime_share * pareto_nbd_p_alive(params, x, t_x, age)


# --- fitting ----------------------------------------------------------------------------------

LogLikelihood = Callable[[Sequence[float], np.ndarray, np.ndarray, np.ndarray], np.ndarray]
LOG_LIKELIHOODS: dict[str, tuple[LogLikelihood, tuple[str, ...]]] = {
    BG_NBD: (bg_nbd_log_likelihood, BG_NBD_PARAMETERS),
    PARETO_NBD: (pareto_nbd_log_likelihood, PARETO_NBD_PARAMETERS),
}
# Analytic gradients where they are short; Pareto/NBD's (through 2F1) uses finite differences.
GRADIENTS: dict[str, Callable[..., np.ndarray]] = {BG_NBD: bg_nbd_log_likelihood_gradient}


def maximise_likelihood(
    total_log_likelihood: Callable[[np.ndarray], float],
    start: Sequence[float],
    gradient: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, float, bool]:
    """Parameters (positive) maximising a total log-likelihood, searched on the log scale by
    L-BFGS-B (with the analytic ``gradient`` of the total with respect to the parameters when
    given, else finite differences). Returns (parameters, log-likelihood, converged): not
    converged when the optimiser failed or a parameter ended on a bound."""
    low, high = LOG_PARAMETER_BOUNDS
    start_log = np.log(np.asarray(start, dtype=float))
    scale = max(abs(total_log_likelihood(np.exp(start_log))), 1.0)

    def objective(log_params: np.ndarray) -> float:
        value = total_log_likelihood(np.exp(log_params))
        return -value / scale if np.isfinite(value) else np.inf

    def objective_gradient(log_params: np.ndarray) -> np.ndarray:
        params = np.exp(log_params)
        return -gradient(params) * params / scale  # chain rule: d/d(log p) = p d/dp

    result = minimize(
        objective,
        start_log,
        jac=objective_gradient if gradient is not None else None,
        method="L-BFGS-B",
        bounds=[LOG_PARAMETER_BOUNDS] * len(start_log),
        options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-9},
    )
    log_params = np.clip(result.x, low, high)
    on_bound = bool(
        np.any((log_params < low + BOUND_TOLERANCE) | (log_params > high - BOUND_TOLERANCE))
    )
    # A line search that cannot improve further at a flat optimum is not a failure.
    stalled = "ABNORMAL" in str(result.message) and np.isfinite(result.fun)
    converged = bool(np.isfinite(result.fun) and (result.success or stalled) and not on_bound)
    return np.exp(log_params), float(-result.fun * scale), converged


def fit_purchase_model(counts: PurchaseCounts, model: str = BG_NBD) -> ModelFit | None:
    """The maximum-likelihood fit of ``model`` (``bg_nbd`` or ``pareto_nbd``) to the
    population; None without customers or without a single repeat purchase (then the
    parameters are not identified: every customer's history is one transaction)."""
    if counts.customers == 0 or counts.repeat_customers == 0:
        return None
    log_likelihood, names = LOG_LIKELIHOODS[model]

    data = (counts.frequency, counts.recency, counts.age)

    def total(params: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            return float(np.dot(counts.weight, log_likelihood(params, *data)))

    row_gradient = GRADIENTS.get(model)

    def gradient(params: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return row_gradient(params, *data) @ counts.weight

    # Start at unit heterogeneity with the purchase rate's scale at the typical age.
    typical_age = float(np.average(counts.age, weights=counts.weight))
    start = {"r": 1.0, "alpha": max(typical_age, 1e-3), "a": 1.0, "b": 1.0, "s": 1.0}
    start["beta"] = start["alpha"]
    params, value, converged = maximise_likelihood(
        total, [start[name] for name in names], gradient if row_gradient else None
    )
    return ModelFit(
        model=model,
        params=dict(zip(names, (float(p) for p in params), strict=True)),
        log_likelihood=value,
        customers=counts.customers,
        converged=converged,
    )


def p_alive(fit: ModelFit, x: np.ndarray, t_x: np.ndarray, age: np.ndarray) -> np.ndarray:
    """P(alive) under a fitted model."""
    function = bg_nbd_p_alive if fit.model == BG_NBD else pareto_nbd_p_alive
    return function(fit.values(), x, t_x, age)


def expected_purchases(
    fit: ModelFit, horizon: float, x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Expected transactions in the next ``horizon`` periods under a fitted model."""
    function = bg_nbd_expected_purchases if fit.model == BG_NBD else pareto_nbd_expected_purchases
    return function(fit.values(), horizon, x, t_x, age)
