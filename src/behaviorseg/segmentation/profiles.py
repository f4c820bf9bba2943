"""Kruskal-Wallis tests of whether segments differ on each profile feature.

The segment profiles themselves (sizes, business metrics, per-feature counts, means, medians
and z-score means) are plain group-bys and live in SQL (int_segment_profiles,
int_segment_feature_profiles); what needs a statistics library stays here. The Kruskal-Wallis
H test compares the distribution of each feature across segments (nulls skipped); a tiny
p-value says the segments differ on that feature.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import kruskal

FEATURE_TEST_COLUMNS = ["feature", "kruskal_h", "p_value", "segments_tested"]


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


def segment_feature_tests(feature_values: pd.DataFrame) -> pd.DataFrame:
    """One row per feature: Kruskal-Wallis H and p-value across segments.

    ``feature_values`` is long, one row per customer and feature (columns feature, segment_id,
    value; null values allowed), as int_customer_feature_values holds it.
    """
    rows = []
    for feature, group in feature_values.groupby("feature", sort=True):
        values = pd.to_numeric(group["value"], errors="coerce").astype("float64")
        statistic, p_value, tested = kruskal_test(
            values.reset_index(drop=True), group["segment_id"].reset_index(drop=True)
        )
        rows.append((str(feature), statistic, p_value, tested))
    tests = pd.DataFrame(rows, columns=FEATURE_TEST_COLUMNS)
    types = {"feature": "string", "kruskal_h": "float64", "p_value": "float64"}
    return tests.astype({**types, "segments_tested": "int64"})
