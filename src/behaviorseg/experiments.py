"""A/B test results per segment: each treatment variant against the same segment's control.

Conversion is compared with a two-proportion z-test (pooled standard error for the p-value,
unpooled for the 95% confidence interval of the difference); revenue per customer with Welch's
t-test and its confidence interval. Uplift is treatment minus control (absolute; relative
uplift divides by the control rate).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from scipy import stats

ALL_SEGMENTS = "all"
RESULT_COLUMNS: tuple[str, ...] = (
    "experiment_id",
    "segment_id",
    "segment_name",
    "variant",
    "control_variant",
    "n_control",
    "n_treatment",
    "conversions_control",
    "conversions_treatment",
    "conversion_rate_control",
    "conversion_rate_treatment",
    "uplift",
    "uplift_relative",
    "uplift_ci_low",
    "uplift_ci_high",
    "p_value",
    "revenue_per_customer_control",
    "revenue_per_customer_treatment",
    "revenue_uplift",
    "revenue_uplift_ci_low",
    "revenue_uplift_ci_high",
    "revenue_p_value",
    "is_significant",
)


def two_proportion_test(
    conversions_a: int, n_a: int, conversions_b: int, n_b: int, confidence: float = 0.95
) -> tuple[float, float, float, float]:
    """(difference b - a, CI low, CI high, two-sided p-value) of two conversion rates.

    The p-value uses the pooled standard error (the null hypothesis: equal rates); the
    confidence interval of the difference the unpooled one. NaN when an arm is empty.
    """
    if n_a == 0 or n_b == 0:
        return (np.nan, np.nan, np.nan, np.nan)
    rate_a, rate_b = conversions_a / n_a, conversions_b / n_b
    difference = rate_b - rate_a
    pooled = (conversions_a + conversions_b) / (n_a + n_b)
    pooled_se = np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if pooled_se > 0:
        p_value = float(2 * stats.norm.sf(abs(difference) / pooled_se))
    else:
        p_value = 1.0 if difference == 0 else 0.0
    se = np.sqrt(rate_a * (1 - rate_a) / n_a + rate_b * (1 - rate_b) / n_b)
    z = stats.norm.ppf(0.5 + confidence / 2)
    return (float(difference), float(difference - z * se), float(difference + z * se), p_value)


def welch_test(
    values_a: np.ndarray, values_b: np.ndarray, confidence: float = 0.95
) -> tuple[float, float, float, float]:
    """(mean difference b - a, CI low, CI high, two-sided p-value) by Welch's t-test."""
    values_a = np.asarray(values_a, dtype=float)
    values_b = np.asarray(values_b, dtype=float)
    if len(values_a) < 2 or len(values_b) < 2:
        return (np.nan, np.nan, np.nan, np.nan)
    difference = float(values_b.mean() - values_a.mean())
    var_a, var_b = values_a.var(ddof=1) / len(values_a), values_b.var(ddof=1) / len(values_b)
    se = np.sqrt(var_a + var_b)
    if se == 0:
        return (difference, difference, difference, 1.0 if difference == 0 else 0.0)
    dof = (var_a + var_b) ** 2 / (var_a**2 / (len(values_a) - 1) + var_b**2 / (len(values_b) - 1))
    t = stats.t.ppf(0.5 + confidence / 2, dof)
    p_value = float(2 * stats.t.sf(abs(difference) / se, dof))
    return (difference, float(difference - t * se), float(difference + t * se), p_value)


def _scopes(outcomes: pd.DataFrame) -> Iterator[tuple[str, str, pd.DataFrame]]:
    """(segment_id, segment_name, rows) per segment, then all segments together."""
    segmented = outcomes.dropna(subset=["segment_id"])
    for (segment_id, segment_name), rows in segmented.groupby(
        ["segment_id", "segment_name"], sort=True
    ):
        yield str(segment_id), str(segment_name), rows
    yield ALL_SEGMENTS, "All customers", outcomes


def segment_experiment_results(
    outcomes: pd.DataFrame,
    *,
    control_variant: str = "control",
    confidence: float = 0.95,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """One row per experiment, segment (and 'all') and treatment variant, against control.

    ``outcomes`` has one row per exposed customer: experiment_id, variant, segment_id,
    segment_name, converted (bool) and revenue. Experiments without a ``control_variant`` arm
    are left out.
    """
    rows = []
    for experiment_id, experiment in outcomes.groupby("experiment_id", sort=True):
        if control_variant not in set(experiment["variant"]):
            continue
        for segment_id, segment_name, scope in _scopes(experiment):
            control = scope[scope["variant"] == control_variant]
            for variant, treatment in scope.groupby("variant", sort=True):
                if variant == control_variant:
                    continue
                rows.append(
                    _comparison(
                        str(experiment_id),
                        segment_id,
                        segment_name,
                        str(variant),
                        control_variant,
                        control,
                        treatment,
                        confidence,
                        alpha,
                    )
                )
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS))


def _comparison(
    experiment_id: str,
    segment_id: str,
    segment_name: str,
    variant: str,
    control_variant: str,
    control: pd.DataFrame,
    treatment: pd.DataFrame,
    confidence: float,
    alpha: float,
) -> dict[str, object]:
    """One result row: conversion and revenue of a treatment arm against control."""
    n_control, n_treatment = len(control), len(treatment)
    conversions_control = int(control["converted"].astype(bool).sum())
    conversions_treatment = int(treatment["converted"].astype(bool).sum())
    uplift, low, high, p_value = two_proportion_test(
        conversions_control, n_control, conversions_treatment, n_treatment, confidence
    )
    rate_control = conversions_control / n_control if n_control else np.nan
    revenue_control = control["revenue"].to_numpy(dtype=float)
    revenue_treatment = treatment["revenue"].to_numpy(dtype=float)
    revenue_uplift, revenue_low, revenue_high, revenue_p = welch_test(
        revenue_control, revenue_treatment, confidence
    )
    return {
        "experiment_id": experiment_id,
        "segment_id": segment_id,
        "segment_name": segment_name,
        "variant": variant,
        "control_variant": control_variant,
        "n_control": n_control,
        "n_treatment": n_treatment,
        "conversions_control": conversions_control,
        "conversions_treatment": conversions_treatment,
        "conversion_rate_control": rate_control,
        "conversion_rate_treatment": conversions_treatment / n_treatment if n_treatment else np.nan,
        "uplift": uplift,
        "uplift_relative": uplift / rate_control if rate_control else np.nan,
        "uplift_ci_low": low,
        "uplift_ci_high": high,
        "p_value": p_value,
        "revenue_per_customer_control": revenue_control.mean() if n_control else np.nan,
        "revenue_per_customer_treatment": revenue_treatment.mean() if n_treatment else np.nan,
        "revenue_uplift": revenue_uplift,
        "revenue_uplift_ci_low": revenue_low,
        "revenue_uplift_ci_high": revenue_high,
        "revenue_p_value": revenue_p,
        "is_significant": bool(p_value < alpha) if not np.isnan(p_value) else False,
    }
