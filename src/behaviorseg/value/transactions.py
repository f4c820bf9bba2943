"""From transaction days to the (frequency, recency, T) the purchase-count models read.

A transaction is a customer-day with a purchase (completed orders, or purchase events when
there is no orders entity): several orders on one day count once, the literature's convention
(FHL 2005 counts CDNOW's transactions so). As of a cutoff date (inclusive), per customer:

- ``frequency``: repeat transaction days, the days after the first one;
- ``recency``: periods from the first to the last transaction day (0 without repeats);
- ``T``: periods from the first transaction day to the cutoff;

with a period of ``period_days`` days (7: weeks, as the literature reports its parameters).
A customer's repeat value is the mean amount of their repeat days (the Gamma-Gamma input);
``value_days`` counts the days with an amount (purchase events may carry none).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

SUMMARY_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "frequency",
    "recency",
    "T",
    "first_transaction_date",
    "last_transaction_date",
    "repeat_value_days",
    "mean_repeat_value",
    "value_days",
    "mean_transaction_value",
)


def transaction_days(transactions: pd.DataFrame) -> pd.DataFrame:
    """customer_id, transaction_date (datetime64, midnight), amount: one row per customer-day
    (rows of the same day summed; the amount stays null when no row of the day has one)."""
    days = pd.DataFrame(
        {
            "customer_id": transactions["customer_id"].astype(str),
            "transaction_date": pd.to_datetime(transactions["transaction_date"]).dt.normalize(),
            "amount": pd.to_numeric(transactions["amount"], errors="coerce").astype(float),
        }
    )
    return (
        days.groupby(["customer_id", "transaction_date"], as_index=False)["amount"]
        .sum(min_count=1)
        .sort_values(["customer_id", "transaction_date"], kind="stable")
        .reset_index(drop=True)
    )


def purchase_summary(
    transactions: pd.DataFrame, cutoff: dt.date, period_days: float
) -> pd.DataFrame:
    """Per customer with a transaction on or before ``cutoff``: the SUMMARY_COLUMNS."""
    days = transaction_days(transactions)
    days = days[days["transaction_date"] <= pd.Timestamp(cutoff)]
    if days.empty:
        return pd.DataFrame({column: pd.Series(dtype=float) for column in SUMMARY_COLUMNS}).astype(
            {"customer_id": object}
        )
    customer = days.groupby("customer_id", sort=True)
    first = customer["transaction_date"].transform("min")
    days = days.assign(is_repeat=days["transaction_date"] > first)
    repeats = days[days["is_repeat"]].groupby("customer_id")["amount"]
    summary = pd.DataFrame(
        {
            "first_transaction_date": customer["transaction_date"].min(),
            "last_transaction_date": customer["transaction_date"].max(),
            "transaction_days": customer.size(),
            "value_days": customer["amount"].count(),
            "mean_transaction_value": customer["amount"].mean(),
        }
    )
    summary["repeat_value_days"] = repeats.count().reindex(summary.index).fillna(0).astype(int)
    summary["mean_repeat_value"] = repeats.mean().reindex(summary.index)
    summary["frequency"] = summary["transaction_days"] - 1
    summary["recency"] = elapsed_periods(
        summary["first_transaction_date"], summary["last_transaction_date"], period_days
    )
    summary["T"] = elapsed_periods(
        summary["first_transaction_date"], pd.Timestamp(cutoff), period_days
    )
    return summary.reset_index()[list(SUMMARY_COLUMNS)]


def elapsed_periods(
    start: pd.Series, end: pd.Series | pd.Timestamp, period_days: float
) -> pd.Series:
    """Whole days from ``start`` to ``end`` in periods of ``period_days``."""
    return (end - start).dt.days.astype(float) / float(period_days)


def holdout_transactions(transactions: pd.DataFrame, after: dt.date, through: dt.date) -> pd.Series:
    """Transaction days per customer in (after, through]: what a validation compares with."""
    days = transaction_days(transactions)
    inside = days[
        (days["transaction_date"] > pd.Timestamp(after))
        & (days["transaction_date"] <= pd.Timestamp(through))
    ]
    return inside.groupby("customer_id").size().astype(int)


def frequency_bucket(frequency: pd.Series, top: int) -> pd.Series:
    """'0', '1', ... and '<top>+' for ``top`` or more repeat transactions."""
    clipped = np.minimum(frequency.astype(int), top)
    return pd.Series(
        np.where(clipped >= top, f"{top}+", clipped.astype(str)), index=frequency.index
    )
