"""The purchase-count and spend models against published values, an independent
implementation and populations with known parameters.

Published (Fader, Hardie & Lee 2005; Fader & Hardie 2005 and 2013) on the CDNOW calibration
summary that ships in the lifetimes wheel: BG/NBD r 0.243, alpha 4.414, a 0.793, b 2.426,
log-likelihood -9582.4, and a customer with x = 2, t_x = 30.43, T = 38.86 expects 1.226
transactions in the next 39 weeks; Pareto/NBD r 0.553, alpha 10.58, s 0.606, beta 11.67,
log-likelihood -9595.0; Gamma-Gamma on the 946 repeat buyers p 6.25, q 3.74, v 15.44.
The P(alive) and conditional-expectation values at those estimates are lifetimes 0.11.3's
(its BetaGeoFitter and ParetoNBDFitter, run once with the parameters set), an implementation
written independently of this one.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from cdnow_data import cdnow_summary, cdnow_transactions
from scipy.special import hyp2f1

from behaviorseg.value.btyd import (
    BG_NBD,
    PARETO_NBD,
    bg_nbd_expected_purchases,
    bg_nbd_log_likelihood,
    bg_nbd_p_alive,
    fit_purchase_model,
    grouped_counts,
    pareto_nbd_expected_purchases,
    pareto_nbd_p_alive,
)
from behaviorseg.value.simulate import SimulatedPopulation, simulate_transactions
from behaviorseg.value.spend import expected_order_value, fit_gamma_gamma, population_mean_value
from behaviorseg.value.transactions import holdout_transactions, purchase_summary

# The maximum-likelihood estimates on the CDNOW summary (full precision, as lifetimes was run).
BG_NBD_CDNOW = (0.24259290882108134, 4.413531711543501, 0.7928861016088097, 2.425753509154532)
PARETO_NBD_CDNOW = (0.5532755269901128, 10.577612983760224, 0.6062134979263372, 11.667909142485595)
# (x, t_x, T) -> (P(alive), expected transactions in 39 weeks), from lifetimes 0.11.3.
LIFETIMES_BG_NBD = {
    (2, 30.43, 38.86): (0.7266092, 1.2259105),
    (0, 0.0, 38.86): (1.0, 0.1947808),
    (7, 29.43, 35.71): (0.7559441, 4.1794662),
    (25, 37.0, 38.0): (0.9480503, 16.9670946),
    (1, 1.71, 38.86): (0.2122274, 0.2032507),
}
LIFETIMES_PARETO_NBD = {
    (2, 30.43, 38.86): (0.8691187, 1.4551130),
    (0, 0.0, 38.86): (0.2950972, 0.1070598),
    (7, 29.43, 35.71): (0.8580932, 4.4948526),
    (25, 37.0, 38.0): (0.9838814, 16.7343916),
    (1, 1.71, 38.86): (0.1678720, 0.1709805),
}


@pytest.fixture(scope="module")
def calibration(cdnow_wheel) -> pd.DataFrame:
    return cdnow_summary(cdnow_wheel)


def counts_of(summary: pd.DataFrame):
    counts, _ = grouped_counts(summary["x"], summary["t_x"], summary["T"])
    return counts


def test_bg_nbd_fit_reproduces_the_paper(calibration: pd.DataFrame) -> None:
    fit = fit_purchase_model(counts_of(calibration), BG_NBD)
    assert fit is not None and fit.converged
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert fit.params[name] == pytest.approx(value, abs=0.0006), name
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.05)
    assert fit.customers == 2357


def test_pareto_nbd_fit_reproduces_the_note(calibration: pd.DataFrame) -> None:
    fit = fit_purchase_model(counts_of(calibration), PARETO_NBD)
    assert fit is not None and fit.converged
    published = {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}
    for name, value in published.items():
        assert fit.params[name] == pytest.approx(value, rel=0.005), name
    assert fit.log_likelihood == pytest.approx(-9595.0, abs=0.05)


def test_gamma_gamma_fit_reproduces_the_note(calibration: pd.DataFrame) -> None:
    repeat = calibration[calibration["x"] > 0]
    assert len(repeat) == 946
    fit = fit_gamma_gamma(repeat["x"], repeat["zbar"])
    assert fit is not None and fit.converged
    for name, value in {"p": 6.25, "q": 3.74, "v": 15.44}.items():
        assert fit.params[name] == pytest.approx(value, rel=0.005), name
    assert fit.customers == 946


def test_raw_cdnow_transactions_give_the_published_calibration(cdnow_wheel) -> None:
    transactions = cdnow_transactions(cdnow_wheel)
    summary = purchase_summary(transactions, dt.date(1997, 9, 30), 7)
    index = transactions.drop_duplicates("customer_id").set_index("customer_id")
    summary["ID"] = summary["customer_id"].map(index["customer_index"])
    published = cdnow_summary(cdnow_wheel).set_index("ID").loc[summary["ID"]]
    assert len(summary) == 2357 == len(published)
    assert (summary["frequency"].to_numpy() == published["x"].to_numpy()).all()
    # The published summary rounds weeks and dollars to two decimals.
    assert np.abs(summary["recency"].to_numpy() - published["t_x"].to_numpy()).max() < 0.006
    assert np.abs(summary["T"].to_numpy() - published["T"].to_numpy()).max() < 0.006
    repeat = summary["frequency"].to_numpy() > 0
    spend_gap = (
        summary["mean_repeat_value"].to_numpy()[repeat] - published["zbar"].to_numpy()[repeat]
    )
    assert np.abs(spend_gap).max() < 0.006


@pytest.mark.parametrize(("history", "expected"), LIFETIMES_BG_NBD.items())
def test_bg_nbd_predictions_match_lifetimes(history, expected) -> None:
    x, t_x, age = (np.array([value], dtype=float) for value in history)
    assert bg_nbd_p_alive(BG_NBD_CDNOW, x, t_x, age)[0] == pytest.approx(expected[0], abs=1e-6)
    assert bg_nbd_expected_purchases(BG_NBD_CDNOW, 39, x, t_x, age)[0] == pytest.approx(
        expected[1], abs=1e-6
    )


@pytest.mark.parametrize(("history", "expected"), LIFETIMES_PARETO_NBD.items())
def test_pareto_nbd_predictions_match_lifetimes(history, expected) -> None:
    x, t_x, age = (np.array([value], dtype=float) for value in history)
    assert pareto_nbd_p_alive(PARETO_NBD_CDNOW, x, t_x, age)[0] == pytest.approx(
        expected[0], abs=1e-6
    )
    assert pareto_nbd_expected_purchases(PARETO_NBD_CDNOW, 39, x, t_x, age)[0] == pytest.approx(
        expected[1], abs=1e-6
    )


def test_the_papers_example_customer_expects_1_226_transactions() -> None:
    one = np.array([2.0]), np.array([30.43]), np.array([38.86])
    assert bg_nbd_expected_purchases((0.243, 4.414, 0.793, 2.426), 39, *one)[0] == pytest.approx(
        1.226, abs=0.001
    )


def test_expected_purchases_stay_finite_for_very_frequent_buyers() -> None:
    # The textbook form (alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z) overflows near
    # x = 1000; the Euler-transformed form must agree where the textbook one is finite.
    r, alpha, a, b = BG_NBD_CDNOW
    x = np.array([0, 5, 50, 150, 2000, 5000], dtype=float)
    t_x, age, horizon = x * 0.02 + 1, np.full(6, 110.0), 52.0
    expected = bg_nbd_expected_purchases(BG_NBD_CDNOW, horizon, x, t_x, age)
    assert np.isfinite(expected).all() and (expected >= 0).all()
    z = horizon / (alpha + age + horizon)
    with np.errstate(invalid="ignore", over="ignore"):
        textbook = (
            (a + b + x - 1)
            / (a - 1)
            * (1 - (1 - z) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
            * bg_nbd_p_alive(BG_NBD_CDNOW, x, t_x, age)
        )
    assert expected[:4] == pytest.approx(textbook[:4], rel=1e-9)
    # Longer horizons never expect fewer purchases.
    longer = bg_nbd_expected_purchases(BG_NBD_CDNOW, 2 * horizon, x, t_x, age)
    assert (longer >= expected).all()


def test_homogeneous_dropout_limit_replaces_the_overflowing_series() -> None:
    # A fit on tiny data can run a and b to their bounds (one dropout probability for all):
    # the series overflows there and its limit with p = a / (a + b) takes over.
    x, t_x, age = np.array([0.0, 2, 10]), np.array([0.0, 8.7, 20]), np.array([21.0, 12.9, 25])
    p, r, alpha = 0.4, 2.0, 27.0

    def expected(scale: float) -> np.ndarray:
        return bg_nbd_expected_purchases((r, alpha, p * scale, (1 - p) * scale), 52, x, t_x, age)

    limit = (1 - ((alpha + age) / (alpha + age + p * 52)) ** (r + x)) / p
    huge = expected(1e6)
    alive = bg_nbd_p_alive((r, alpha, p * 1e6, (1 - p) * 1e6), x, t_x, age)
    assert huge == pytest.approx(limit * alive, rel=1e-9)
    # ... and the series approaches it as a + b grows.
    assert expected(1e3) == pytest.approx(huge, rel=0.03)


def test_a_customer_without_repeat_purchases_is_alive_under_bg_nbd() -> None:
    assert bg_nbd_p_alive(BG_NBD_CDNOW, np.zeros(3), np.zeros(3), np.array([1.0, 10, 100]))[
        0
    ] == pytest.approx(1.0)


def test_grouped_fit_equals_the_fit_over_every_customer(calibration: pd.DataFrame) -> None:
    counts = counts_of(calibration)
    assert len(counts.frequency) < len(calibration) and counts.customers == len(calibration)
    fit = fit_purchase_model(counts, BG_NBD)
    per_customer = bg_nbd_log_likelihood(
        fit.values(),
        calibration["x"].to_numpy(float),
        calibration["t_x"].to_numpy(float),
        calibration["T"].to_numpy(float),
    ).sum()
    assert fit.log_likelihood == pytest.approx(per_customer, rel=1e-10)


def test_fits_recover_the_parameters_a_population_was_drawn_with() -> None:
    # Not CDNOW-shaped on purpose: more frequent buyers who drop out faster, dearer orders.
    truth = SimulatedPopulation(r=0.9, alpha=3.0, a=1.8, b=4.0, p=3.0, q=5.0, v=200.0)
    transactions = simulate_transactions(30_000, dt.date(1985, 1, 1), 365, population=truth, seed=7)
    summary = purchase_summary(transactions, dt.date(1985, 12, 31), 7)
    counts, _ = grouped_counts(summary["frequency"], summary["recency"], summary["T"])
    fit = fit_purchase_model(counts, BG_NBD)
    for name in ("r", "alpha", "a", "b"):
        assert fit.params[name] == pytest.approx(getattr(truth, name), rel=0.1), name
    spend = fit_gamma_gamma(summary["repeat_value_days"], summary["mean_repeat_value"])
    # Same-day purchases merge into one transaction day, so spend is summed per day: compare
    # the population mean order value, which that barely moves.
    assert population_mean_value(spend) == pytest.approx(
        truth.p * truth.v / (truth.q - 1), rel=0.05
    )


def test_no_repeat_purchase_means_no_purchase_model() -> None:
    counts, _ = grouped_counts(np.zeros(5), np.zeros(5), np.arange(1.0, 6.0))
    assert fit_purchase_model(counts, BG_NBD) is None


def test_gamma_gamma_declines_constant_amounts_and_too_few_buyers() -> None:
    assert fit_gamma_gamma(np.array([1, 3, 2, 5.0]), np.full(4, 19.99)) is None
    assert fit_gamma_gamma(np.array([1, 3.0]), np.array([10.0, 30.0])) is None


def test_gamma_gamma_shrinks_toward_the_population_mean(calibration: pd.DataFrame) -> None:
    repeat = calibration[calibration["x"] > 0]
    fit = fit_gamma_gamma(repeat["x"], repeat["zbar"])
    mean = population_mean_value(fit)
    one_purchase, many = expected_order_value(fit, np.array([1.0, 20.0]), np.array([100.0, 100]))
    assert mean < one_purchase < many < 100
    assert expected_order_value(fit, np.array([0.0]), np.array([np.nan]))[0] == mean


def test_transaction_days_count_same_day_orders_once() -> None:
    transactions = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "A", "B"],
            "transaction_date": pd.to_datetime(
                ["1970-01-01", "1970-01-01", "1970-01-15", "1970-02-12", "1970-02-01"]
            ),
            "amount": [10.0, 5.0, 30.0, 20.0, 7.0],
        }
    )
    summary = purchase_summary(transactions, dt.date(1970, 2, 26), 7).set_index("customer_id")
    assert summary.loc["A", "frequency"] == 2
    assert summary.loc["A", "recency"] == pytest.approx(6.0)  # 42 days
    assert summary.loc["A", "T"] == pytest.approx(8.0)  # 56 days
    assert summary.loc["A", "mean_repeat_value"] == pytest.approx(25.0)
    assert summary.loc["A", "mean_transaction_value"] == pytest.approx(65 / 3)
    assert summary.loc["B", "frequency"] == 0 and summary.loc["B", "recency"] == 0
    assert np.isnan(summary.loc["B", "mean_repeat_value"])
    # A cutoff before a customer's first purchase leaves them out.
    early = purchase_summary(transactions, dt.date(1970, 1, 20), 1)
    assert list(early["customer_id"]) == ["A"] and early["T"].iloc[0] == 19
    holdout = holdout_transactions(transactions, dt.date(1970, 1, 20), dt.date(1970, 2, 26))
    assert holdout.to_dict() == {"A": 1, "B": 1}
