"""Segment drift, population stability: PSI of customer features between two periods.

Population stability index between a previous and a current period, per segment and feature:
bins are the deciles (``bins=10``) of the previous period (ties merged, outer bins open),
empty bins get ``epsilon`` (1e-4) share, PSI = sum((cur - prev) * ln(cur / prev)). Severity:
PSI < 0.1 ``none``, 0.1 <= PSI <= 0.25 ``warning``, PSI > 0.25 ``critical``; fewer than
``min_rows`` (30) customers in either period: ``insufficient_data`` (PSI still reported).
PSI alerts use the alert columns with rule ``psi``, value = PSI and limit = the threshold
crossed (0.1 or 0.25).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from behaviorseg.drift.alerts import ALERT_COLUMNS

RULE_PSI = "psi"
PSI_BINS = 10
PSI_EPSILON = 1e-4
PSI_WARNING = 0.1
PSI_CRITICAL = 0.25
PSI_MIN_ROWS = 30

PSI_COLUMNS: tuple[str, ...] = (
    "segment_id",
    "feature",
    "psi",
    "severity",
    "n_previous",
    "n_current",
)


# --- Population stability index ------------------------------------------------------------


def quantile_bin_edges(previous: np.ndarray, bins: int = PSI_BINS) -> np.ndarray:
    """Interior bin edges at the previous period's quantiles (ties merged)."""
    quantiles = np.quantile(previous, np.linspace(0, 1, bins + 1)[1:-1])
    return np.unique(quantiles)


def population_stability_index(
    previous: Sequence[float] | np.ndarray,
    current: Sequence[float] | np.ndarray,
    *,
    bins: int = PSI_BINS,
    epsilon: float = PSI_EPSILON,
) -> float:
    """PSI of ``current`` against ``previous`` on the previous period's quantile bins.

    Non-finite values are ignored; NaN when either period has no values.
    """
    previous = _finite(previous)
    current = _finite(current)
    if previous.size == 0 or current.size == 0:
        return float("nan")
    edges = quantile_bin_edges(previous, bins)
    expected = _bin_shares(previous, edges, epsilon)
    actual = _bin_shares(current, edges, epsilon)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def _finite(values: Sequence[float] | np.ndarray) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return array[np.isfinite(array)]


def _bin_shares(values: np.ndarray, edges: np.ndarray, epsilon: float) -> np.ndarray:
    """Share of values per bin (bins open at both ends), empty bins floored at epsilon."""
    counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=edges.size + 1)
    return np.maximum(counts / values.size, epsilon)


def psi_severity(
    psi: float,
    *,
    warning: float = PSI_WARNING,
    critical: float = PSI_CRITICAL,
) -> str:
    """'none' below ``warning``, 'warning' up to ``critical``, 'critical' above it."""
    if not np.isfinite(psi):
        return "insufficient_data"
    if psi > critical:
        return "critical"
    if psi >= warning:
        return "warning"
    return "none"


def default_psi_features(
    previous: pd.DataFrame, current: pd.DataFrame, segment_col: str
) -> list[str]:
    """Numeric (and boolean) columns in both frames, minus the segment and ``*_id`` columns."""
    numeric = [
        column
        for column in previous.columns
        if column in current.columns
        and column != segment_col
        and not column.endswith("_id")
        and (
            pd.api.types.is_numeric_dtype(previous[column])
            or pd.api.types.is_bool_dtype(previous[column])
        )
    ]
    return sorted(numeric)


def psi_by_segment(
    previous: pd.DataFrame,
    current: pd.DataFrame,
    *,
    features: Sequence[str] | None = None,
    segment_col: str = "segment_id",
    bins: int = PSI_BINS,
    epsilon: float = PSI_EPSILON,
    min_rows: int = PSI_MIN_ROWS,
    warning: float = PSI_WARNING,
    critical: float = PSI_CRITICAL,
) -> pd.DataFrame:
    """PSI per segment and feature between two customer-level frames (``PSI_COLUMNS``).

    Each frame holds one row per customer with its segment in the period; a segment is
    compared with the rows labelled with it in each period.
    """
    features = (
        list(features)
        if features is not None
        else default_psi_features(previous, current, segment_col)
    )
    segments = _sorted_ids(set(previous[segment_col]) | set(current[segment_col]))
    rows = []
    for segment_id in segments:
        before = previous.loc[previous[segment_col] == segment_id]
        after = current.loc[current[segment_col] == segment_id]
        for feature in features:
            psi = population_stability_index(
                before[feature].astype(float),
                after[feature].astype(float),
                bins=bins,
                epsilon=epsilon,
            )
            enough = min(len(before), len(after)) >= min_rows
            severity = (
                psi_severity(psi, warning=warning, critical=critical)
                if enough
                else "insufficient_data"
            )
            rows.append((segment_id, feature, psi, severity, len(before), len(after)))
    return pd.DataFrame(rows, columns=list(PSI_COLUMNS))


def _sorted_ids(ids: set) -> list:
    """Segment ids in natural order (numbers numerically), mixed types by their text."""
    try:
        return sorted(ids)
    except TypeError:
        return sorted(ids, key=str)


def psi_alerts(
    psi_frame: pd.DataFrame,
    alert_date: pd.Timestamp | str,
    *,
    warning: float = PSI_WARNING,
    critical: float = PSI_CRITICAL,
) -> pd.DataFrame:
    """PSI rows with severity warning/critical as alerts (``ALERT_COLUMNS``, rule 'psi')."""
    flagged = psi_frame.loc[psi_frame["severity"].isin(["warning", "critical"])]
    return pd.DataFrame(
        {
            "segment_id": flagged["segment_id"].to_numpy(),
            "metric": flagged["feature"].to_numpy(),
            "alert_date": pd.Timestamp(alert_date),
            "rule": RULE_PSI,
            "value": flagged["psi"].to_numpy(dtype=float),
            "limit": np.where(flagged["severity"] == "critical", critical, warning),
            "severity": flagged["severity"].to_numpy(),
        },
        columns=list(ALERT_COLUMNS),
    )
