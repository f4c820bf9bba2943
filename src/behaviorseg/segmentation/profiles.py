"""Segment profiles: size, business metrics, feature profiles, RFM mix, tests of difference.

Business metric definitions (per segment, from customer_features):

- ``conversion_rate``: share of customers with ``frequency > 0`` (bought in the RFM window).
- ``average_order_value``: sum(monetary) / sum(frequency), null when nobody ordered.
- last activity: ``min(days_since_last_session, recency_days)`` over the non-null values
  (null when the customer has neither a session nor an order).
- ``retention_30d`` / ``_60d`` / ``_90d``: share of customers whose last activity is at most
  30 / 60 / 90 days before as_of_date (no activity counts as not retained).
- ``churn_rate``: share whose last activity is more than ``churn_days`` (90) days ago or who
  have none, i.e. 1 - retention at ``churn_days``.

Feature profiles are in original units (nulls skipped) plus ``z_mean``, the segment mean of the
standardised feature used by the clustering (null for features it did not use). The
Kruskal-Wallis H test compares the distribution of each feature across segments (nulls
skipped); a tiny p-value says the segments differ on that feature.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import kruskal

from behaviorseg.segmentation.features import PreparedFeatures, numeric_column

PROFILE_FEATURES: tuple[str, ...] = (
    "recency_days",
    "frequency",
    "monetary",
    "lifetime_completed_orders",
    "lifetime_net_revenue",
    "tenure_days",
    "sessions_per_week",
    "days_since_last_session",
    "avg_session_duration_s",
    "pages_per_session",
    "avg_scroll_depth",
    "distinct_features_used",
    "distinct_categories_viewed",
    "app_share",
    "engagement_score",
    "days_first_session_to_first_order",
    "mean_days_between_orders",
    "browse_to_buy_minutes",
    "cart_abandonment_rate",
    "average_order_value",
    "discounted_order_share",
    "unfulfilled_order_share",
    "max_orders_in_a_day",
    "support_tickets",
    "mean_csat",
    "days_since_last_ticket",
)
RETENTION_DAYS: tuple[int, ...] = (30, 60, 90)
CHURN_DAYS = 90
SEGMENT_KEYS = ["segment_id", "segment_name"]

SEGMENT_PROFILE_COLUMNS = [
    "segment_id",
    "segment_name",
    "customers",
    "share",
    "conversion_rate",
    "average_order_value",
    *[f"retention_{days}d" for days in RETENTION_DAYS],
    "churn_rate",
    "mean_recency_days",
    "mean_frequency",
    "mean_monetary",
]
FEATURE_PROFILE_COLUMNS = [
    "segment_id",
    "segment_name",
    "feature",
    "customers_with_value",
    "mean",
    "median",
    "z_mean",
]
FEATURE_TEST_COLUMNS = ["feature", "kruskal_h", "p_value", "segments_tested"]
RFM_MIX_COLUMNS = ["segment_id", "segment_name", "rfm_segment", "customers", "share"]


def _joined(customer_features: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """customer_features with segment_id and segment_name (inner join on customer_id)."""
    return customer_features.merge(
        assignments[["customer_id", *SEGMENT_KEYS]], on="customer_id", how="inner"
    )


def last_activity_days(customer_features: pd.DataFrame) -> pd.Series:
    """min(days_since_last_session, recency_days), ignoring nulls; null when both are."""
    session = numeric_column(customer_features, "days_since_last_session")
    order = numeric_column(customer_features, "recency_days")
    return pd.concat([session, order], axis=1).min(axis=1, skipna=True)


def business_metrics(
    customer_features: pd.DataFrame,
    *,
    retention_days: Sequence[int] = RETENTION_DAYS,
    churn_days: int = CHURN_DAYS,
) -> pd.DataFrame:
    """Per-customer inputs of the segment metrics (one row per customer_features row)."""
    activity = last_activity_days(customer_features)
    metrics = pd.DataFrame(
        {
            "frequency": numeric_column(customer_features, "frequency").fillna(0.0),
            "monetary": numeric_column(customer_features, "monetary").fillna(0.0),
            "recency_days": numeric_column(customer_features, "recency_days"),
            "is_converted": (numeric_column(customer_features, "frequency") > 0).astype(float),
            "is_churned": (~(activity <= churn_days)).astype(float),
        },
        index=customer_features.index,
    )
    for days in retention_days:
        metrics[f"is_retained_{days}d"] = (activity <= days).astype(float)
    return metrics


def segment_profiles(
    customer_features: pd.DataFrame,
    assignments: pd.DataFrame,
    *,
    retention_days: Sequence[int] = RETENTION_DAYS,
    churn_days: int = CHURN_DAYS,
) -> pd.DataFrame:
    """One row per segment: size, share and the business metrics (module docstring)."""
    joined = _joined(customer_features, assignments)
    metrics = business_metrics(joined, retention_days=retention_days, churn_days=churn_days)
    metrics[SEGMENT_KEYS] = joined[SEGMENT_KEYS]
    grouped = metrics.groupby(SEGMENT_KEYS, sort=True, dropna=False)
    frame = grouped.agg(
        customers=("frequency", "size"),
        conversion_rate=("is_converted", "mean"),
        orders=("frequency", "sum"),
        revenue=("monetary", "sum"),
        churn_rate=("is_churned", "mean"),
        mean_recency_days=("recency_days", "mean"),
        mean_frequency=("frequency", "mean"),
        mean_monetary=("monetary", "mean"),
        **{f"retention_{d}d": (f"is_retained_{d}d", "mean") for d in retention_days},
    ).reset_index()
    frame["share"] = frame["customers"] / frame["customers"].sum()
    frame["average_order_value"] = frame["revenue"] / frame["orders"].where(frame["orders"] > 0)
    columns = [c for c in SEGMENT_PROFILE_COLUMNS if c in frame.columns]
    columns += [c for c in frame.columns if c.startswith("retention_") and c not in columns]
    return frame[columns]


def segment_feature_profiles(
    customer_features: pd.DataFrame,
    assignments: pd.DataFrame,
    prepared: PreparedFeatures | None = None,
    features: Sequence[str] = PROFILE_FEATURES,
) -> pd.DataFrame:
    """Long profile: (segment, feature) -> non-null count, mean, median (original units), z_mean.

    ``z_mean`` is the mean of the standardised feature from ``prepared`` (rows matched on
    customer_id); null for features the clustering did not use.
    """
    joined = _joined(customer_features, assignments)
    present = [f for f in features if f in joined.columns]
    values = pd.DataFrame({f: numeric_column(joined, f) for f in present})
    values[SEGMENT_KEYS] = joined[SEGMENT_KEYS]
    grouped = values.groupby(SEGMENT_KEYS, sort=True, dropna=False)
    stats = {
        "customers_with_value": grouped[present].count(),
        "mean": grouped[present].mean(),
        "median": grouped[present].median(),
    }
    long = pd.concat(
        {name: frame.stack(future_stack=True) for name, frame in stats.items()}, axis=1
    )
    long.index = long.index.set_names([*SEGMENT_KEYS, "feature"])
    long = long.reset_index()
    long["z_mean"] = np.nan
    if prepared is not None:
        z_means = _z_means(joined, prepared)
        long = long.drop(columns="z_mean").merge(z_means, on=[*SEGMENT_KEYS, "feature"], how="left")
    order = {feature: position for position, feature in enumerate(present)}
    long = long.sort_values(
        ["segment_id", "feature"], key=lambda s: s.map(order) if s.name == "feature" else s
    )
    return long[FEATURE_PROFILE_COLUMNS].reset_index(drop=True)


def _z_means(joined: pd.DataFrame, prepared: PreparedFeatures) -> pd.DataFrame:
    standardised = prepared.as_frame()
    standardised = standardised[~standardised.index.duplicated()]
    rows = standardised.reindex(joined["customer_id"].to_numpy())
    rows[SEGMENT_KEYS] = joined[SEGMENT_KEYS].to_numpy()
    means = rows.groupby(SEGMENT_KEYS, sort=True, dropna=False)[prepared.feature_names].mean()
    return (
        means.stack(future_stack=True)
        .rename("z_mean")
        .rename_axis([*SEGMENT_KEYS, "feature"])
        .reset_index()
    )


def kruskal_test(values: pd.Series, groups: pd.Series) -> tuple[float, float, int]:
    """Kruskal-Wallis H across groups (nulls skipped): (H, p-value, groups tested).

    NaN when fewer than two groups have values or every value is identical.
    """
    present = values.notna()
    samples = [v.to_numpy() for _, v in values[present].groupby(groups[present], sort=True)]
    samples = [s for s in samples if len(s) > 0]
    if len(samples) < 2 or np.unique(np.concatenate(samples)).size < 2:
        return float("nan"), float("nan"), len(samples)
    statistic, p_value = kruskal(*samples)
    return float(statistic), float(p_value), len(samples)


def segment_feature_tests(
    customer_features: pd.DataFrame,
    assignments: pd.DataFrame,
    features: Sequence[str] = PROFILE_FEATURES,
) -> pd.DataFrame:
    """One row per feature: Kruskal-Wallis H and p-value across segments."""
    joined = _joined(customer_features, assignments)
    rows = []
    for feature in features:
        if feature not in joined.columns:
            continue
        statistic, p_value, tested = kruskal_test(
            numeric_column(joined, feature), joined["segment_id"]
        )
        rows.append((feature, statistic, p_value, tested))
    return pd.DataFrame(rows, columns=FEATURE_TEST_COLUMNS)


def segment_rfm_mix(customer_features: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """Customers and within-segment share per (segment, rfm_segment)."""
    joined = _joined(customer_features, assignments)
    counts = (
        joined.groupby([*SEGMENT_KEYS, "rfm_segment"], sort=True, dropna=False)
        .size()
        .rename("customers")
        .reset_index()
    )
    counts["share"] = counts["customers"] / counts.groupby("segment_id")["customers"].transform(
        "sum"
    )
    return counts[RFM_MIX_COLUMNS]
