"""Feature preparation: customer_features -> an imputed, log-transformed, standardised matrix.

Every behavioral feature the segmentation uses is declared once in ``DEFAULT_FEATURES`` with
its group (the source it comes from), its imputation rule and whether it is log-transformed.
A group whose features are all null or constant (an orders-only export has no clickstream,
app or support data) is dropped and reported, so the caller can log it.

Imputation rules (``Imputation``):

- ``zero``: a missing value means "none of it" (no sessions -> 0 sessions per week).
- ``median``: the value is undefined or unknown, so it takes the population median (neutral).
  Used for per-session and per-order means and rates (pages per session, average order value,
  app share, cart abandonment, ...): their absence is already carried by a count feature
  (sessions_per_week = 0, frequency = 0), and a 0 would count the same absence five times and
  make "no sessions" the strongest axis of every clustering.
- ``window_plus_one``: "never" for recency: ``rfm_window_days + 1`` (366 by default).
- ``max_plus_one``: "never" for an open-ended day count: the largest observed value + 1.

Transforms are applied in this order: impute, signed log1p (heavy-tailed counts, amounts and
day counts), standardise (mean 0, population standard deviation 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

DEFAULT_RFM_WINDOW_DAYS = 365


class Imputation(StrEnum):
    """How a null value of a feature is filled (see the module docstring)."""

    ZERO = "zero"
    MEDIAN = "median"
    WINDOW_PLUS_ONE = "window_plus_one"
    MAX_PLUS_ONE = "max_plus_one"


class NoUsableFeatureError(ValueError):
    """Every declared feature is null or constant: there is nothing to standardise."""


@dataclass(frozen=True)
class FeatureSpec:
    """One behavioral feature: where it comes from and how it is prepared."""

    name: str
    group: str
    imputation: Imputation
    log_transform: bool
    description: str


def _spec(name: str, group: str, imputation: Imputation, log: bool, text: str) -> FeatureSpec:
    return FeatureSpec(name, group, imputation, log, text)


Z, MED, WIN, MAX = (
    Imputation.ZERO,
    Imputation.MEDIAN,
    Imputation.WINDOW_PLUS_ONE,
    Imputation.MAX_PLUS_ONE,
)

DEFAULT_FEATURES: tuple[FeatureSpec, ...] = (
    # rfm (orders): always present when there are orders.
    _spec("recency_days", "rfm", WIN, True, "days since the last order; never -> window + 1"),
    _spec("frequency", "rfm", Z, True, "completed orders in the RFM window"),
    _spec("monetary", "rfm", Z, True, "net revenue in the RFM window"),
    # lifecycle: how long the customer has been known (sign-up, first session or order).
    _spec("tenure_days", "lifecycle", MED, True, "days since first seen"),
    # order value (orders).
    _spec("average_order_value", "order_value", MED, True, "monetary / frequency"),
    _spec("discounted_order_share", "order_value", MED, False, "share of discounted orders"),
    # purchase velocity (orders): null with fewer than two orders means "never reordered".
    _spec("mean_days_between_orders", "purchase_velocity", MAX, True, "mean reorder gap"),
    # engagement (web + app sessions).
    _spec("sessions_per_week", "engagement", Z, True, "sessions per week in the window"),
    _spec("days_since_last_session", "engagement", MAX, True, "no session -> max observed + 1"),
    _spec("avg_session_duration_s", "engagement", MED, True, "mean session length, seconds"),
    _spec("pages_per_session", "engagement", MED, True, "mean page views per session"),
    _spec("avg_scroll_depth", "engagement", MED, False, "mean scroll depth, percent"),
    _spec("distinct_categories_viewed", "engagement", Z, True, "product categories seen"),
    # app usage (app events).
    _spec("app_share", "app_usage", MED, False, "share of events from the app"),
    _spec("distinct_features_used", "app_usage", Z, True, "distinct app features used"),
    # conversion funnel (sessions joined to orders): unknown -> neutral median.
    _spec("days_first_session_to_first_order", "conversion_funnel", MED, True, "time to convert"),
    _spec("browse_to_buy_minutes", "conversion_funnel", MED, True, "session start to purchase"),
    _spec("cart_abandonment_rate", "conversion_funnel", MED, False, "carts left unbought"),
    # support (tickets).
    _spec("support_tickets", "support", Z, True, "tickets opened"),
    _spec("mean_csat", "support", MED, False, "mean CSAT 1-5; no tickets -> median"),
    _spec("days_since_last_ticket", "support", MAX, True, "no ticket -> max observed + 1"),
)

DEFAULT_FEATURE_NAMES: tuple[str, ...] = tuple(spec.name for spec in DEFAULT_FEATURES)
# Groups measured from clickstream tracking: empty for customers who refused tracking.
TRACKING_GROUPS: frozenset[str] = frozenset({"engagement", "app_usage", "conversion_funnel"})


@dataclass(frozen=True)
class PreparedFeatures:
    """The clustering input and everything needed to explain or reproduce it.

    ``matrix`` rows follow ``customer_ids``; columns follow ``feature_names``. ``scaler_means``
    and ``scaler_stds`` are in the transformed (imputed, log1p) space.
    """

    matrix: np.ndarray
    customer_ids: np.ndarray
    feature_names: list[str]
    feature_groups: dict[str, str]
    dropped_groups: list[str]
    dropped_features: dict[str, str]
    imputation_values: dict[str, float]
    log_transformed: list[str]
    scaler_means: dict[str, float]
    scaler_stds: dict[str, float]
    specs: tuple[FeatureSpec, ...] = field(repr=False, default=DEFAULT_FEATURES)

    def as_frame(self) -> pd.DataFrame:
        """The standardised matrix as a DataFrame indexed by customer_id."""
        return pd.DataFrame(
            self.matrix,
            columns=self.feature_names,
            index=pd.Index(self.customer_ids, name="customer_id"),
        )

    def preparation_log(self) -> pd.DataFrame:
        """One row per declared feature: group, used or dropped (why), imputation, scaling."""
        rows = []
        for spec in self.specs:
            rows.append(
                {
                    "feature": spec.name,
                    "feature_group": spec.group,
                    "is_used": spec.name in self.feature_groups,
                    "drop_reason": self.dropped_features.get(spec.name),
                    "imputation_rule": str(spec.imputation),
                    "imputation_value": self.imputation_values.get(spec.name),
                    "is_log_transformed": spec.name in self.log_transformed,
                    "scaler_mean": self.scaler_means.get(spec.name),
                    "scaler_std": self.scaler_stds.get(spec.name),
                }
            )
        return pd.DataFrame(rows)


def numeric_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as float64 with NaN for nulls (decimals, nullable ints, missing column -> NaN)."""
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def imputation_value(
    values: pd.Series, rule: Imputation, rfm_window_days: int = DEFAULT_RFM_WINDOW_DAYS
) -> float:
    """The value that replaces nulls of one feature under ``rule`` (NaN when undefined)."""
    observed = values.dropna()
    if rule is Imputation.ZERO:
        return 0.0
    if rule is Imputation.WINDOW_PLUS_ONE:
        return float(rfm_window_days + 1)
    if observed.empty:
        return float("nan")
    if rule is Imputation.MEDIAN:
        return float(observed.median())
    return float(observed.max() + 1)


def signed_log1p(values: np.ndarray) -> np.ndarray:
    """sign(x) * log(1 + |x|): log1p for heavy tails that also tolerates negative values."""
    return np.sign(values) * np.log1p(np.abs(values))


def _drop_reason(raw: pd.Series, imputed: pd.Series) -> str | None:
    if raw.isna().all():
        return "all null"
    if imputed.nunique(dropna=True) <= 1:
        return "constant"
    return None


def prepare_features(
    customer_features: pd.DataFrame,
    *,
    specs: Sequence[FeatureSpec] = DEFAULT_FEATURES,
    rfm_window_days: int = DEFAULT_RFM_WINDOW_DAYS,
    id_column: str = "customer_id",
    log_transform: bool = True,
) -> PreparedFeatures:
    """Impute, log-transform and standardise the declared features of ``customer_features``.

    ``log_transform=False`` skips log1p for every feature (the anomaly model wants extreme
    values kept extreme).

    A feature that is entirely null, or constant after imputation, is dropped (reason in
    ``dropped_features``); a group whose features are all dropped is listed in
    ``dropped_groups``. Raises NoUsableFeatureError (a ValueError) when no feature is left.

    Rows come out sorted by ``id_column``: a warehouse returns rows in no fixed order, and
    K-Means initialisation, samples and float sums depend on it, so sorting is what makes a
    re-run on the same data identical. ``customer_ids`` gives the output order.
    """
    customer_features = customer_features.sort_values(id_column, kind="stable").reset_index(
        drop=True
    )
    columns: dict[str, np.ndarray] = {}
    groups: dict[str, str] = {}
    dropped: dict[str, str] = {}
    imputations: dict[str, float] = {}
    logged: list[str] = []
    for spec in specs:
        raw = numeric_column(customer_features, spec.name)
        fill = imputation_value(raw, spec.imputation, rfm_window_days)
        imputed = raw.fillna(fill)
        reason = _drop_reason(raw, imputed)
        if reason is not None:
            dropped[spec.name] = reason
            continue
        imputations[spec.name] = fill
        values = imputed.to_numpy(dtype="float64")
        if spec.log_transform and log_transform:
            values = signed_log1p(values)
            logged.append(spec.name)
        columns[spec.name] = values
        groups[spec.name] = spec.group
    if not columns:
        raise NoUsableFeatureError("no usable feature: every declared feature is null or constant")
    names = list(columns)
    transformed = np.column_stack([columns[name] for name in names])
    means = transformed.mean(axis=0)
    stds = transformed.std(axis=0)
    kept_groups = set(groups.values())
    dropped_groups = sorted({spec.group for spec in specs} - kept_groups)
    return PreparedFeatures(
        matrix=(transformed - means) / stds,
        customer_ids=customer_features[id_column].to_numpy(),
        feature_names=names,
        feature_groups=groups,
        dropped_groups=dropped_groups,
        dropped_features=dropped,
        imputation_values=imputations,
        log_transformed=logged,
        scaler_means=dict(zip(names, means.tolist(), strict=True)),
        scaler_stds=dict(zip(names, stds.tolist(), strict=True)),
        specs=tuple(specs),
    )
