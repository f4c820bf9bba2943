"""STL decomposition: a known weekly pattern, a trend and one planted spike."""

import numpy as np
import pandas as pd
import pytest

from behaviorseg.timeseries import (
    DECOMPOSITION_COLUMNS,
    complete_daily_series,
    decompose_many,
    decompose_series,
    robust_z_scores,
)

WEEKLY_PATTERN = np.array([10.0, 5.0, 0.0, -5.0, -10.0, -2.0, 2.0])  # sums to 0
START = pd.Timestamp("2024-01-01")  # a Monday
SPIKE_DAY = 70


def synthetic_series(days: int = 140, seed: int = 7, spike: float = 12.0) -> pd.DataFrame:
    """trend 100 + 0.5 t, the weekly pattern, N(0, 1) noise and one spike on SPIKE_DAY."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    values = 100 + 0.5 * t + WEEKLY_PATTERN[t % 7] + rng.normal(0, 1, days)
    if days > SPIKE_DAY:
        values[SPIKE_DAY] += spike
    return pd.DataFrame({"date": pd.date_range(START, periods=days), "value": values})


def test_seasonal_component_recovers_the_weekly_pattern():
    result = decompose_series(synthetic_series())
    assert list(result.columns) == list(DECOMPOSITION_COLUMNS)
    assert result["is_decomposed"].all()
    profile = result.groupby(np.arange(len(result)) % 7)["seasonal"].mean().to_numpy()
    np.testing.assert_allclose(profile, WEEKLY_PATTERN, atol=0.75)
    t = np.arange(len(result))
    np.testing.assert_allclose(result["trend"], 100 + 0.5 * t, atol=1.5)
    components = result["trend"] + result["seasonal"] + result["resid"]
    np.testing.assert_allclose(components, result["value"])


def test_the_spike_and_almost_nothing_else_is_flagged():
    # Robust STL fits ordinary days tightly, so the residual MAD is a little small and a day
    # of ~2.7 sigma noise can pass 3.5: over these 20 series 0.75% of ordinary days are flagged.
    false_flags = 0
    for seed in range(20):
        result = decompose_series(synthetic_series(seed=seed))
        flagged = set(np.flatnonzero(result["is_anomaly"].to_numpy()))
        assert SPIKE_DAY in flagged, seed
        assert result.loc[SPIKE_DAY, "resid_z"] > 8
        # The robust fit keeps the spike out of the trend.
        assert abs(result.loc[SPIKE_DAY, "trend"] - (100 + 0.5 * SPIKE_DAY)) < 1.5
        false_flags += len(flagged - {SPIKE_DAY})
    assert false_flags / (20 * 139) < 0.015


def test_missing_days_are_filled_with_zero_for_counts_or_interpolated():
    series = synthetic_series(days=42, spike=0.0).drop(index=[10, 11])
    filled = complete_daily_series(series)
    assert len(filled) == 42
    assert filled.loc[[10, 11], "value"].tolist() == [0.0, 0.0]
    interpolated = complete_daily_series(series, fill_value=None)
    assert interpolated.loc[10, "value"] == pytest.approx(
        series.loc[9, "value"] + (series.loc[12, "value"] - series.loc[9, "value"]) / 3
    )
    # A day with no activity in a count series is an anomaly worth flagging.
    result = decompose_series(series)
    assert result.loc[[10, 11], "is_anomaly"].all()


def test_short_series_are_returned_undecomposed():
    series = synthetic_series(days=13, spike=0.0)
    result = decompose_series(series)
    assert len(result) == 13
    assert not result["is_decomposed"].any()
    assert not result["is_anomaly"].any()
    assert result["trend"].isna().all()
    assert decompose_series(synthetic_series(days=14, spike=0.0))["is_decomposed"].all()
    assert decompose_series(series.iloc[0:0]).empty


def test_robust_z_scores_handle_constant_residuals():
    assert robust_z_scores(np.zeros(10)).tolist() == [0.0] * 10
    z = robust_z_scores(np.array([0.0] * 9 + [5.0]))  # MAD 0: falls back to mean abs deviation
    assert z[-1] > 3.5
    assert (z[:-1] == 0).all()
    np.testing.assert_allclose(
        robust_z_scores(np.array([1.0, 2.0, 3.0])), [-1 / 1.4826, 0.0, 1 / 1.4826]
    )


def test_decompose_many_keeps_series_apart():
    first = synthetic_series().assign(segment_id="a", metric="sessions")
    second = synthetic_series(days=10).assign(segment_id="b", metric="orders")
    result = decompose_many(pd.concat([second, first], ignore_index=True))
    assert list(result.columns) == ["segment_id", "metric", *DECOMPOSITION_COLUMNS]
    assert result.groupby(["segment_id", "metric"]).size().to_dict() == {
        ("a", "sessions"): 140,
        ("b", "orders"): 10,
    }
    a_rows = result.loc[result["segment_id"] == "a"].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        a_rows.loc[:, list(DECOMPOSITION_COLUMNS)], decompose_series(first)
    )
    assert not result.loc[result["segment_id"] == "b", "is_decomposed"].any()


def sparse_series(days: int = 120, event_days: tuple[int, ...] = (15, 60, 100)) -> pd.DataFrame:
    """A count series that is 0 on every day but three, each with one event."""
    values = np.zeros(days)
    values[list(event_days)] = 1.0
    return pd.DataFrame({"date": pd.date_range(START, periods=days), "value": values})


def test_a_sparse_series_keeps_z_finite_and_is_marked_too_thin_to_judge():
    result = decompose_series(sparse_series())
    assert result["is_decomposed"].all()
    assert np.isfinite(result["resid_z"]).all()
    assert result["resid_z"].abs().max() <= 1000
    # 3 active days in 120: no 29-day window holds the 7 active days judging needs.
    assert not result["has_enough_data"].any()
    assert not result["is_anomaly"].any()


def test_float_noise_residuals_do_not_become_huge_z_scores():
    # MAD 0 and residuals of 1e-13: the 1%-of-level floor (level 1/120) bounds the scale.
    residuals = np.zeros(120)
    residuals[5] = 1e-13
    assert robust_z_scores(residuals, min_scale=0.01 / 120)[5] == pytest.approx(1.2e-9)
    # An outlier a billion MADs out is capped at 1,000.
    assert robust_z_scores(np.array([1.0, 2.0, 3.0, 1e9]))[-1] == 1000


def test_a_dense_series_has_enough_data_and_keeps_its_spike():
    result = decompose_series(synthetic_series())
    assert result["has_enough_data"].all()
    assert result.loc[SPIKE_DAY, "is_anomaly"]


def test_a_series_that_goes_quiet_is_judged_only_while_it_has_data():
    values = np.r_[np.full(60, 20.0), np.zeros(60)]
    values[:60] += np.tile([1.0, -1.0, 2.0, 0.0, -2.0, 1.0, -1.0], 9)[:60]
    frame = pd.DataFrame({"date": pd.date_range(START, periods=120), "value": values})
    judged = decompose_series(frame)["has_enough_data"].to_numpy()
    assert judged[:60].all()
    assert not judged[90:].any()
