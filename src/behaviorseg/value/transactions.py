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
from dataclasses import dataclass

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


@dataclass(frozen=True)
class CustomerDays:
    """One row per customer-day with a purchase, sorted by customer then day, as arrays: the
    customer's position in ``customer_ids`` (sorted), the day (days since 1970-01-01) and the
    day's summed amount (NaN when no row of the day has one). Array code, not pandas groupby:
    a million customers' ids factorise once instead of once per aggregate."""

    customer_ids: np.ndarray
    customer: np.ndarray
    day: np.ndarray
    amount: np.ndarray


def _run_starts(*keys: np.ndarray) -> np.ndarray:
    """Positions where a run of equal keys starts, in arrays sorted by the keys."""
    if len(keys[0]) == 0:
        return np.zeros(0, dtype=int)
    changed = np.zeros(len(keys[0]), dtype=bool)
    changed[0] = True
    for key in keys:
        changed[1:] |= key[1:] != key[:-1]
    return np.flatnonzero(changed)


def _run_sums(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sum of each run (np.add.reduceat, empty input allowed)."""
    return np.add.reduceat(values, starts) if len(starts) else np.zeros(0, dtype=values.dtype)


def transaction_days(transactions: pd.DataFrame) -> CustomerDays:
    """The transactions as CustomerDays (rows of the same customer and day summed)."""
    customer, customer_ids = pd.factorize(transactions["customer_id"].astype(str), sort=True)
    day = (
        pd.to_datetime(transactions["transaction_date"])
        .to_numpy(dtype="datetime64[D]")
        .astype(np.int64)
    )
    amount = pd.to_numeric(transactions["amount"], errors="coerce").to_numpy(float)
    order = np.lexsort((day, customer))
    customer, day, amount = customer[order], day[order], amount[order]
    starts = _run_starts(customer, day)
    known = ~np.isnan(amount)
    summed = _run_sums(np.where(known, amount, 0.0), starts)
    with_amount = _run_sums(known.astype(int), starts)
    return CustomerDays(
        customer_ids=np.asarray(customer_ids, dtype=object),
        customer=customer[starts],
        day=day[starts],
        amount=np.where(with_amount > 0, summed, np.nan),
    )


def _epoch_day(date: dt.date) -> int:
    return (date - dt.date(1970, 1, 1)).days


def _mean_or_nan(total: np.ndarray, count: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def purchase_summary(
    transactions: pd.DataFrame, cutoff: dt.date, period_days: float
) -> pd.DataFrame:
    """Per customer with a transaction on or before ``cutoff`` (sorted by id): the
    SUMMARY_COLUMNS."""
    days = transaction_days(transactions)
    inside = days.day <= _epoch_day(cutoff)
    customer, day, amount = days.customer[inside], days.day[inside], days.amount[inside]
    starts = _run_starts(customer)
    counts = np.diff(np.append(starts, len(customer)))
    first, last = day[starts], day[starts + counts - 1]
    known = ~np.isnan(amount)
    value = np.where(known, amount, 0.0)
    # A customer's first day is not a repeat: take it out of the repeat sums.
    repeat_total = _run_sums(value, starts) - value[starts]
    repeat_count = _run_sums(known.astype(int), starts) - known[starts].astype(int)
    value_days = _run_sums(known.astype(int), starts)
    epoch = pd.Timestamp("1970-01-01")
    return pd.DataFrame(
        {
            "customer_id": days.customer_ids[customer[starts]],
            "frequency": counts - 1,
            "recency": (last - first) / float(period_days),
            "T": (_epoch_day(cutoff) - first) / float(period_days),
            "first_transaction_date": epoch + pd.to_timedelta(first, unit="D"),
            "last_transaction_date": epoch + pd.to_timedelta(last, unit="D"),
            "repeat_value_days": repeat_count,
            "mean_repeat_value": _mean_or_nan(repeat_total, repeat_count),
            "value_days": value_days,
            "mean_transaction_value": _mean_or_nan(_run_sums(value, starts), value_days),
        },
        columns=list(SUMMARY_COLUMNS),
    )


def holdout_transactions(transactions: pd.DataFrame, after: dt.date, through: dt.date) -> pd.Series:
    """Transaction days per customer in (after, through]: what a validation compares with."""
    days = transaction_days(transactions)
    inside = (days.day > _epoch_day(after)) & (days.day <= _epoch_day(through))
    counts = np.bincount(days.customer[inside], minlength=len(days.customer_ids))
    present = counts > 0
    return pd.Series(counts[present], index=days.customer_ids[present], dtype="int64")


def frequency_bucket(frequency: pd.Series, top: int) -> pd.Series:
    """'0', '1', ... and '<top>+' for ``top`` or more repeat transactions."""
    clipped = np.minimum(frequency.astype(int), top)
    return pd.Series(
        np.where(clipped >= top, f"{top}+", clipped.astype(str)), index=frequency.index
    )
