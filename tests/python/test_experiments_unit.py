"""A/B statistics and segment results on hand-made outcomes with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from behaviorseg.experiments import segment_experiment_results, two_proportion_test, welch_test


def test_two_proportion_test_matches_the_textbook_formulas() -> None:
    # 200/1000 vs 260/1000: pooled p = 0.23, z = 0.06 / sqrt(0.23 * 0.77 * 0.002).
    difference, low, high, p_value = two_proportion_test(200, 1000, 260, 1000)
    assert difference == pytest.approx(0.06)
    z = 0.06 / np.sqrt(0.23 * 0.77 * 0.002)
    assert p_value == pytest.approx(2 * stats.norm.sf(z))
    se = np.sqrt(0.2 * 0.8 / 1000 + 0.26 * 0.74 / 1000)
    assert (low, high) == pytest.approx((0.06 - 1.959964 * se, 0.06 + 1.959964 * se), abs=1e-6)


def test_equal_rates_are_not_significant_and_empty_arms_are_nan() -> None:
    assert two_proportion_test(50, 100, 50, 100)[3] == pytest.approx(1.0)
    assert np.isnan(two_proportion_test(0, 0, 5, 10)[0])


def test_welch_test_agrees_with_scipy() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(10, 2, 300), rng.normal(11, 3, 250)
    difference, _, _, p_value = welch_test(a, b)
    assert difference == pytest.approx(b.mean() - a.mean())
    assert p_value == pytest.approx(stats.ttest_ind(b, a, equal_var=False).pvalue)


def outcomes(segment: str, variant: str, n: int, conversions: int) -> pd.DataFrame:
    converted = np.arange(n) < conversions
    return pd.DataFrame(
        {
            "experiment_id": "exp",
            "customer_id": [f"{segment}-{variant}-{i}" for i in range(n)],
            "variant": variant,
            "segment_id": segment,
            "segment_name": f"Segment {segment}",
            "converted": converted,
            "revenue": np.where(converted, 50.0, 0.0),
        }
    )


def test_results_compare_each_segment_with_its_own_control() -> None:
    frame = pd.concat(
        [
            outcomes("1", "control", 1000, 300),
            outcomes("1", "treatment", 1000, 420),  # planted uplift
            outcomes("2", "control", 1000, 300),
            outcomes("2", "treatment", 1000, 300),  # no effect
        ]
    )
    results = segment_experiment_results(frame).set_index("segment_id")
    assert list(results.index) == ["1", "2", "all"]
    assert results.loc["1", "uplift"] == pytest.approx(0.12)
    assert results.loc["1", "uplift_relative"] == pytest.approx(0.4)
    assert results.loc["1", "p_value"] < 1e-6 and results.loc["1", "is_significant"]
    assert results.loc["2", "uplift"] == 0 and not results.loc["2", "is_significant"]
    assert results.loc["1", "revenue_uplift"] == pytest.approx(0.12 * 50)
    assert results.loc["all", "n_control"] == 2000
    assert results.loc["all", "conversions_treatment"] == 720
