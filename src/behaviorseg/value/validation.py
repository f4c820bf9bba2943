"""Holdout validation of the purchase-count model: predicted against actual transactions.

The validation fit saw the history up to the calibration end (``clv_holdout_days`` before the
as-of date). Every customer with a transaction by then gets the model's expected transactions
in the holdout (the days after the calibration end up to the fit's as-of date), which is
compared with the transaction days they actually had there. One row per calibration frequency
bucket (``0``, ``1``, ... ``7+`` repeat transactions, FHL 2005's conditional-expectation
chart) and a row ``all``:

- ``predicted`` and ``actual``: mean transactions per customer in the holdout;
- ``mae``: mean absolute error per customer;
- ``auc`` (row ``all`` only): the area under the ROC curve of expected purchases for telling
  apart the customers who bought again in the holdout (null when all or none did).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from behaviorseg.dbt_bridge import typed_table
from behaviorseg.value.btyd import ModelFit, expected_purchases, grouped_counts
from behaviorseg.value.settings import ValueSettings
from behaviorseg.value.transactions import frequency_bucket, holdout_transactions, purchase_summary

ALL_BUCKET = "all"
TOP_FREQUENCY_BUCKET = 7
VALIDATION_COLUMNS: tuple[str, ...] = (
    "frequency_bucket",
    "customers",
    "predicted",
    "actual",
    "mae",
    "auc",
    "predicted_total",
    "actual_total",
    "purchase_model",
    "calibration_end_date",
    "holdout_end_date",
    "period_days",
)


def holdout_predictions(
    transactions: pd.DataFrame,
    fit: ModelFit,
    calibration_end: dt.date,
    holdout_end: dt.date,
    settings: ValueSettings,
) -> pd.DataFrame:
    """Per customer of the calibration period: frequency, predicted and actual holdout
    transactions."""
    summary = purchase_summary(transactions, calibration_end, settings.period_days)
    horizon = (holdout_end - calibration_end).days / settings.period_days
    counts, index = grouped_counts(summary["frequency"], summary["recency"], summary["T"])
    predicted = expected_purchases(fit, horizon, counts.frequency, counts.recency, counts.age)
    actual = holdout_transactions(transactions, calibration_end, holdout_end)
    return pd.DataFrame(
        {
            "customer_id": summary["customer_id"],
            "frequency": summary["frequency"].astype(int),
            "predicted": predicted[index] if len(summary) else np.zeros(0),
            "actual": actual.reindex(summary["customer_id"]).fillna(0).to_numpy(float),
        }
    )


def ranking_auc(bought_again: np.ndarray, score: np.ndarray) -> float | None:
    """ROC AUC of a score for a yes/no outcome; None when only one outcome occurs."""
    if len(np.unique(bought_again)) < 2:
        return None
    return float(roc_auc_score(bought_again, score))


def validation_table(
    transactions: pd.DataFrame,
    fit: ModelFit | None,
    calibration_end: dt.date | None,
    holdout_end: dt.date | None,
    settings: ValueSettings,
) -> pd.DataFrame:
    """The VALIDATION_COLUMNS rows (empty without a validation fit)."""
    if fit is None or calibration_end is None or holdout_end is None:
        return typed_validation(pd.DataFrame(columns=list(VALIDATION_COLUMNS)))
    customers = holdout_predictions(transactions, fit, calibration_end, holdout_end, settings)
    customers["frequency_bucket"] = frequency_bucket(customers["frequency"], TOP_FREQUENCY_BUCKET)
    customers["error"] = (customers["predicted"] - customers["actual"]).abs()
    rows = []
    buckets = [*sorted(customers["frequency_bucket"].unique(), key=bucket_order), ALL_BUCKET]
    for bucket in buckets:
        inside = (
            customers
            if bucket == ALL_BUCKET
            else customers[customers["frequency_bucket"] == bucket]
        )
        rows.append(
            {
                "frequency_bucket": bucket,
                "customers": len(inside),
                "predicted": inside["predicted"].mean(),
                "actual": inside["actual"].mean(),
                "mae": inside["error"].mean(),
                "auc": ranking_auc(
                    (inside["actual"] > 0).to_numpy(), inside["predicted"].to_numpy()
                )
                if bucket == ALL_BUCKET
                else None,
                "predicted_total": inside["predicted"].sum(),
                "actual_total": inside["actual"].sum(),
            }
        )
    table = pd.DataFrame(rows).assign(
        purchase_model=fit.model,
        calibration_end_date=calibration_end,
        holdout_end_date=holdout_end,
        period_days=settings.period_days,
    )
    return typed_validation(table[list(VALIDATION_COLUMNS)])


def bucket_order(bucket: str) -> int:
    """'0' < '1' < ... < '7+'."""
    return int(bucket.rstrip("+"))


def typed_validation(table: pd.DataFrame) -> pd.DataFrame:
    """The validation table with stable column types (also when empty)."""
    return typed_table(
        table,
        {
            "frequency_bucket": "object",
            "customers": "int64",
            "predicted": "float64",
            "actual": "float64",
            "mae": "float64",
            "auc": "float64",
            "predicted_total": "float64",
            "actual_total": "float64",
            "purchase_model": "object",
            "period_days": "float64",
        },
        date_columns=("calibration_end_date", "holdout_end_date"),
    )
