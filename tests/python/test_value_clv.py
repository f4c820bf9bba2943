"""Customer lifetime value and its holdout validation on hand-made and simulated data: known
answers for discounting, deciles, order values without a spend model, and degenerate inputs
(single purchases, constant amounts, no amounts, no repeat purchase, tiny populations)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from behaviorseg.value.btyd import BG_NBD, ModelFit, bg_nbd_expected_purchases
from behaviorseg.value.lifetime_value import (
    LIVE,
    VALIDATION,
    customer_lifetime_value_table,
    fits_from_table,
    model_parameters_table,
    stamp_of_parameters,
    value_deciles,
)
from behaviorseg.value.settings import ValueSettings
from behaviorseg.value.simulate import simulate_transactions
from behaviorseg.value.spend import GAMMA_GAMMA
from behaviorseg.value.validation import validation_table

AS_OF = dt.date(1972, 6, 30)
BG = ModelFit(BG_NBD, {"r": 0.5, "alpha": 6.0, "a": 0.8, "b": 2.5}, -1.0, 3, True)


def transactions(rows: list[tuple[str, str, float | None]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "transaction_date", "amount"])


HAND_MADE = transactions(
    [
        ("A", "1972-01-03", 40.0),
        ("A", "1972-02-07", 60.0),
        ("A", "1972-05-01", 50.0),
        ("B", "1972-03-06", 20.0),
        ("C", "1972-06-26", 90.0),
        ("C", "1972-06-26", 10.0),
    ]
)


def test_undiscounted_value_is_expected_purchases_times_order_value() -> None:
    settings = ValueSettings(annual_discount_rate=0.0)
    table = customer_lifetime_value_table(HAND_MADE, AS_OF, {BG_NBD: BG}, settings)
    # No Gamma-Gamma fit: everyone's order value is the mean of all transaction days.
    assert (table["expected_order_value"] == 270 / 5).all()
    assert set(table["expected_order_value_method"]) == {"population_mean"}
    assert table["predicted_clv"].to_numpy() == pytest.approx(
        table["expected_purchases"].to_numpy() * 270 / 5
    )
    row = table.set_index("customer_id").loc["A"]
    horizon = 365 / 7
    expected = bg_nbd_expected_purchases(
        BG.values(), horizon, np.array([2.0]), np.array([119 / 7]), np.array([179 / 7])
    )[0]
    assert row["expected_purchases"] == pytest.approx(expected)
    assert (row["frequency"], row["recency"], row["T"]) == (2, pytest.approx(17.0), 179 / 7)


def test_discounting_one_period_at_a_known_rate() -> None:
    settings = ValueSettings(horizon_days=7, annual_discount_rate=0.2)
    discounted = customer_lifetime_value_table(HAND_MADE, AS_OF, {BG_NBD: BG}, settings)
    plain = customer_lifetime_value_table(
        HAND_MADE, AS_OF, {BG_NBD: BG}, ValueSettings(horizon_days=7, annual_discount_rate=0)
    )
    factor = 1.2 ** (-3.5 / 365)  # the week's purchases discounted from its middle
    assert discounted["predicted_clv"].to_numpy() == pytest.approx(
        plain["predicted_clv"].to_numpy() * factor
    )
    # Over a year, discounting removes less than the full year's rate.
    year = customer_lifetime_value_table(
        HAND_MADE, AS_OF, {BG_NBD: BG}, ValueSettings(annual_discount_rate=0.2)
    )
    undiscounted = year["expected_purchases"] * year["expected_order_value"]
    ratio = year["predicted_clv"] / undiscounted
    assert ((ratio > 1 / 1.2) & (ratio < 1)).all()


def test_same_day_orders_are_one_transaction_and_a_single_purchase_is_alive() -> None:
    table = customer_lifetime_value_table(
        HAND_MADE, AS_OF, {BG_NBD: BG}, ValueSettings()
    ).set_index("customer_id")
    assert table.loc["C", "frequency"] == 0
    assert table.loc["C", "observed_order_value"] == 100.0
    assert table.loc["C", "p_alive"] == 1.0 and table.loc["B", "p_alive"] == 1.0
    assert table.loc["A", "p_alive"] < 1.0


def test_deciles_by_cumulative_distribution() -> None:
    assert value_deciles(pd.Series([5.0, 1.0, 3.0])).tolist() == [10, 4, 7]
    assert value_deciles(pd.Series([1.0, 1.0, 2.0, 2.0])).tolist() == [5, 5, 10, 10]
    many = value_deciles(pd.Series(np.arange(100.0)))
    assert many.value_counts().to_dict() == dict.fromkeys(range(1, 11), 10)
    with_null = value_deciles(pd.Series([np.nan, 2.0]))
    assert with_null.isna().tolist() == [True, False] and with_null.iloc[1] == 10


def test_constant_amounts_get_the_constant_not_a_blown_up_spend_model() -> None:
    # One price for everything (a subscription box): every transaction day costs 25.
    frame = (
        simulate_transactions(400, dt.date(1971, 1, 1), 540, seed=3)
        .drop_duplicates(["customer_id", "transaction_date"])
        .assign(amount=25.0)
    )
    settings = ValueSettings()
    parameters = model_parameters_table(frame, AS_OF, settings)
    assert GAMMA_GAMMA not in set(parameters["model"])
    table = customer_lifetime_value_table(frame, AS_OF, fits_from_table(parameters, LIVE), settings)
    assert (table["expected_order_value"] == 25.0).all()
    assert set(table["expected_order_value_method"]) == {"population_mean"}
    assert np.isfinite(table["predicted_clv"]).all()


def test_without_amounts_value_is_unknown_but_purchases_are_predicted() -> None:
    frame = simulate_transactions(400, dt.date(1971, 1, 1), 540, seed=4).assign(amount=None)
    settings = ValueSettings()
    parameters = model_parameters_table(frame, AS_OF, settings)
    assert set(parameters["model"]) == {BG_NBD}
    table = customer_lifetime_value_table(frame, AS_OF, fits_from_table(parameters, LIVE), settings)
    assert table["expected_purchases"].notna().all()
    assert table["expected_order_value"].isna().all() and table["predicted_clv"].isna().all()
    assert table["clv_decile"].isna().all()


def test_without_a_repeat_purchase_nothing_is_predicted() -> None:
    frame = transactions([("A", "1972-01-03", 10.0), ("B", "1972-02-01", 12.0)])
    parameters = model_parameters_table(frame, AS_OF, ValueSettings())
    assert parameters.empty
    table = customer_lifetime_value_table(
        frame, AS_OF, fits_from_table(parameters, LIVE), ValueSettings()
    )
    assert len(table) == 2
    assert table[["p_alive", "expected_purchases", "predicted_clv"]].isna().all().all()
    assert table["purchase_model"].isna().all()


def test_tiny_population_gets_deciles_and_no_error() -> None:
    frame = transactions(
        [
            ("A", "1972-01-03", 10.0),
            ("A", "1972-03-03", 12.0),
            ("B", "1972-02-01", 30.0),
            ("C", "1972-04-01", 5.0),
            ("C", "1972-04-20", 8.0),
            ("C", "1972-06-01", 9.0),
        ]
    )
    parameters = model_parameters_table(frame, AS_OF, ValueSettings())
    table = customer_lifetime_value_table(
        frame, AS_OF, fits_from_table(parameters, LIVE), ValueSettings()
    )
    assert len(table) == 3
    assert table["clv_decile"].max() == 10 and table["clv_decile"].between(1, 10).all()


def test_parameter_table_round_trips_and_stamps_the_live_fit() -> None:
    frame = simulate_transactions(3000, dt.date(1971, 1, 1), 546, seed=5)
    settings = ValueSettings(holdout_days=100)
    parameters = model_parameters_table(frame, AS_OF, settings)
    assert set(parameters["fit"]) == {LIVE, VALIDATION}
    validation_end = {
        str(d) for d in parameters[parameters["fit"] == VALIDATION]["fitted_as_of_date"]
    }
    assert validation_end == {str(AS_OF - dt.timedelta(days=100))}
    live = fits_from_table(parameters, LIVE)
    assert set(live) == {BG_NBD, GAMMA_GAMMA}
    assert list(live[BG_NBD].params) == ["r", "alpha", "a", "b"]
    stamp = stamp_of_parameters(parameters)
    assert stamp.fitted_as_of_date == AS_OF and stamp.fit_settings == settings.fit_settings
    # The horizon and the discount rate change predictions only; the holdout changes the fit.
    assert ValueSettings(horizon_days=30, annual_discount_rate=0).fit_settings == (
        ValueSettings().fit_settings
    )
    assert ValueSettings(holdout_days=30).fit_settings != ValueSettings().fit_settings


def test_validation_buckets_count_the_holdout_exactly() -> None:
    frame = transactions(
        [
            ("A", "1972-01-03", 1.0),
            ("A", "1972-01-10", 1.0),
            ("A", "1972-04-03", 1.0),
            ("A", "1972-04-05", 1.0),
            ("B", "1972-02-01", 1.0),
            ("C", "1972-03-20", 1.0),
            ("C", "1972-05-01", 1.0),
            ("D", "1972-04-15", 1.0),  # arrives in the holdout: not a calibration customer
        ]
    )
    for number in range(9):
        frame.loc[len(frame)] = ("E", f"1972-02-{number + 10:02d}", 1.0)
    calibration_end = dt.date(1972, 3, 31)
    table = validation_table(frame, BG, calibration_end, AS_OF, ValueSettings()).set_index(
        "frequency_bucket"
    )
    assert list(table.index) == ["0", "1", "7+", "all"]
    assert table.loc["0", "customers"] == 2  # B and C
    assert table.loc["0", "actual"] == 0.5  # C bought once more
    assert table.loc["1", "actual"] == 2.0  # A's two holdout days
    assert table.loc["7+", "actual"] == 0.0  # E bought 9 days, then stopped
    assert table.loc["all", "customers"] == 4
    assert table.loc["all", "actual_total"] == 3
    assert table.loc["all", "predicted_total"] == pytest.approx(
        table.drop(index="all")["predicted_total"].sum()
    )
    assert 0 <= table.loc["all", "auc"] <= 1
    assert table.drop(index="all")["auc"].isna().all()
    assert (table["mae"] >= (table["predicted"] - table["actual"]).abs() - 1e-12).all()


def test_validation_auc_is_null_when_nobody_bought_again() -> None:
    frame = transactions([("A", "1972-01-03", 1.0), ("A", "1972-02-03", 1.0)])
    table = validation_table(frame, BG, dt.date(1972, 3, 31), AS_OF, ValueSettings())
    assert table.set_index("frequency_bucket")["auc"].isna().all()


def test_settings_reject_impossible_values() -> None:
    with pytest.raises(ValueError, match="clv_period_days"):
        ValueSettings(period_days=0)
    with pytest.raises(ValueError, match="clv_purchase_model"):
        ValueSettings(purchase_model="bg_bb")
    with pytest.raises(ValueError, match="churn_horizon_days"):
        ValueSettings(churn_horizon_days=0)
