"""Prophet forecasts and the rolling-origin backtest. Few, small fits (~0.2-1 s each)."""

import subprocess
import sys
import textwrap
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from behaviorseg.forecasting import (
    BACKTEST_COLUMNS,
    FIT_LOG_COLUMNS,
    FORECAST_COLUMNS,
    ForecastSettings,
    backtest_many,
    backtest_origins,
    backtest_series,
    country_holidays_frame,
    forecast_many,
    forecast_series,
    seasonal_naive,
    smape,
)

START = pd.Timestamp("2023-01-02")


def synthetic_series(
    days: int = 400, *, seed: int = 0, slope: float = 0.3, noise: float = 3.0
) -> pd.DataFrame:
    """Level 100 + slope * t, a weekly sine of amplitude 10, N(0, noise) noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    values = 100 + slope * t + 10 * np.sin(2 * np.pi * t / 7) + rng.normal(0, noise, days)
    return pd.DataFrame({"date": pd.date_range(START, periods=days), "value": values})


# --- Metric and baseline, no Prophet -----------------------------------------------------------


def test_smape_of_known_arrays():
    # |10| / 105 -> 2*10/210; 0 vs 0 -> 0 by convention; 50 vs 0 -> 2*50/50 = 2
    assert smape([100, 0, 50], [110, 0, 0]) == pytest.approx(100 * (20 / 210 + 0 + 2) / 3)
    assert smape([1, 2, 3], [1, 2, 3]) == 0.0
    assert smape([0, 0], [0, 0]) == 0.0
    assert smape([10, np.nan], [5, 1]) == pytest.approx(100 * (10 / 15))
    assert np.isnan(smape([], []))
    with pytest.raises(ValueError):
        smape([1, 2], [1])


def test_seasonal_naive_repeats_the_last_week():
    history = np.arange(1, 11, dtype=float)  # 1..10: the last week is 4..10
    assert seasonal_naive(history, 9).tolist() == [4, 5, 6, 7, 8, 9, 10, 4, 5]
    assert seasonal_naive(np.array([1.0, 2.0, 3.0]), 4).tolist() == [1, 2, 3, 1]


def test_backtest_origins_end_on_the_last_day():
    assert backtest_origins(400) == [316, 344, 372]
    assert backtest_origins(120, folds=3, horizon_days=28, min_train_days=56) == [64, 92]
    assert backtest_origins(60) == []


def test_country_holidays_come_from_the_holidays_package():
    frame = country_holidays_frame("US", 2024, 2024)
    assert list(frame.columns) == ["holiday", "ds"]
    assert pd.Timestamp("2024-07-04") in set(frame["ds"])
    assert pd.Timestamp("2024-12-25") in set(frame["ds"])
    with pytest.raises(ValueError, match="no holiday calendar"):
        country_holidays_frame("XX", 2024, 2024)


# --- Prophet -----------------------------------------------------------------------------------


def test_forecast_covers_the_horizon_with_ordered_intervals():
    history = synthetic_series()
    result = forecast_series(history)
    frame = result.frame

    assert result.model == "prophet"
    assert result.fit_seconds > 0
    assert list(frame.columns) == list(FORECAST_COLUMNS)
    future = frame.loc[frame["is_future"]]
    assert len(future) == 56
    expected_days = pd.date_range(history["date"].iloc[-1] + pd.Timedelta(days=1), periods=56)
    assert future["ds"].tolist() == expected_days.tolist()
    assert future["y"].isna().all()
    np.testing.assert_allclose(frame.loc[~frame["is_future"], "y"], history["value"])
    assert (frame["yhat_lower"] <= frame["yhat"]).all()
    assert (frame["yhat"] <= frame["yhat_upper"]).all()
    assert (frame["yhat_upper"] > frame["yhat_lower"]).any()
    # The trend carries on: the last forecast week sits ~0.3 * 56 above the last observed week.
    rise = future["yhat"].tail(7).mean() - history["value"].tail(7).mean()
    assert rise == pytest.approx(0.3 * 56, abs=6)


def test_count_forecasts_are_clipped_at_zero_and_deterministic():
    rng = np.random.default_rng(3)
    days = 120
    t = np.arange(days)
    expected = np.clip(6 - 0.05 * t, 0.2, None) * np.where(t % 7 >= 5, 0.3, 1.0)
    history = pd.DataFrame(
        {"date": pd.date_range(START, periods=days), "value": rng.poisson(expected)}
    )
    settings = ForecastSettings(horizon_days=28, country=None)
    first = forecast_series(history, settings).frame
    assert (first[["yhat", "yhat_lower", "yhat_upper"]] >= 0).all().all()
    assert (first["yhat_lower"] <= first["yhat"]).all()
    assert (first["yhat"] <= first["yhat_upper"]).all()
    assert first["is_future"].sum() == 28
    pd.testing.assert_frame_equal(first, forecast_series(history, settings).frame)


def test_a_count_whose_trend_dives_below_zero_falls_back_to_seasonal_naive():
    # A segment dying out: 100 a day falling by 0.85 a day, down to a trickle at the end.
    rng = np.random.default_rng(5)
    days = 120
    t = np.arange(days)
    history = pd.DataFrame(
        {
            "date": pd.date_range(START, periods=days),
            "value": rng.poisson(np.clip(100 - 0.85 * t, 0.5, None)),
        }
    )
    settings = ForecastSettings(horizon_days=28, country=None, uncertainty_samples=0)
    counted = forecast_series(history, settings)
    assert counted.model == "seasonal_naive"
    assert "below zero" in counted.note
    future = counted.frame[counted.frame["is_future"]]
    np.testing.assert_array_equal(
        future["yhat"].to_numpy(), seasonal_naive(history["value"].to_numpy(float), 28)
    )
    # A metric allowed below zero keeps Prophet's trend; so does a count that grows.
    signed = forecast_series(history, replace(settings, nonnegative=False))
    assert signed.model == "prophet"
    assert (signed.frame.loc[signed.frame["is_future"], "yhat"] < 0).mean() > 0.5
    assert forecast_series(synthetic_series(120), settings).model == "prophet"


def test_an_intermittent_series_is_forecast_by_seasonal_naive():
    # Orders of a churned segment: zero on 16 of the last 28 days (57%), a few on the others.
    rng = np.random.default_rng(8)
    values = np.concatenate([rng.poisson(20, 92), np.tile([0, 1, 0, 2, 0, 0, 3], 4)])
    history = pd.DataFrame({"date": pd.date_range(START, periods=120), "value": values})
    assert (history["value"].tail(28) == 0).mean() == pytest.approx(16 / 28)
    settings = ForecastSettings(horizon_days=14, country=None, uncertainty_samples=0)
    forecast = forecast_series(history, settings)
    assert forecast.model == "seasonal_naive"
    assert forecast.note == "intermittent: zero on 57% of the last 4 weeks"
    future = forecast.frame[forecast.frame["is_future"]]
    np.testing.assert_array_equal(future["yhat"].to_numpy(), np.resize(values[-7:], 14))
    # Fewer zero days than the setting allows: Prophet.
    assert forecast_series(history, replace(settings, max_recent_zero_share=0.6)).model == "prophet"


def test_backtest_prophet_beats_seasonal_naive_on_a_trend():
    history = synthetic_series(seed=1)
    result = backtest_series(history)
    assert result.folds == 3
    assert result.horizon_days == 28
    assert result.mape_model < result.mape_seasonal_naive
    assert result.model_beats_baseline is True

    # The baseline number, recomputed by hand from the same three windows.
    values = history["value"].to_numpy()
    actual, predicted = [], []
    for origin in (316, 344, 372):
        actual.extend(values[origin : origin + 28])
        predicted.extend(np.resize(values[origin - 7 : origin], 28))
    assert result.mape_seasonal_naive == pytest.approx(smape(actual, predicted))


def test_backtest_numbers_on_a_straight_line():
    # y = 100 + t: seasonal naive misses by 7 * (h // 7 + 1) on the h-th held-out day.
    # (>= 100 training days: Prophet's Newton optimiser, used below that, is slow on exact data.)
    days = 140
    history = pd.DataFrame(
        {"date": pd.date_range(START, periods=days), "value": 100.0 + np.arange(days)}
    )
    result = backtest_series(
        history,
        ForecastSettings(country=None),
        folds=2,
        horizon_days=14,
        min_train_days=100,
    )
    errors = []
    for origin in (112, 126):
        for h in range(14):
            actual = 100.0 + origin + h
            forecast = actual - 7 * (h // 7 + 1)
            errors.append(200 * abs(actual - forecast) / (actual + forecast))
    assert result.folds == 2
    assert result.mape_seasonal_naive == pytest.approx(np.mean(errors))
    assert result.mape_model < 0.5  # Prophet extends a straight line almost exactly
    assert result.model_beats_baseline is True


def test_forecast_many_in_parallel_with_a_cap_and_a_short_series():
    long_a = synthetic_series(days=90, seed=2).assign(segment_id="a", metric="sessions")
    short_b = synthetic_series(days=10, seed=3).assign(segment_id="b", metric="orders")
    capped_c = synthetic_series(days=90, seed=4).assign(segment_id="c", metric="orders")
    frame = pd.concat([long_a, short_b, capped_c], ignore_index=True)
    settings = ForecastSettings(horizon_days=14)

    run = forecast_many(frame, settings, n_jobs=2, max_series=2)
    assert list(run.forecasts.columns) == ["segment_id", "metric", *FORECAST_COLUMNS]
    assert list(run.fit_log.columns) == ["segment_id", "metric", *FIT_LOG_COLUMNS]
    log = run.fit_log.set_index("segment_id")
    assert log.loc["a", "model"] == "prophet"
    assert log.loc["b", "model"] == "seasonal_naive"
    assert log.loc["c", "model"] == "skipped"
    assert (log.loc[["a", "b"], "fit_seconds"] > 0).all()
    future = run.forecasts.loc[run.forecasts["is_future"]]
    assert future.groupby("segment_id").size().to_dict() == {"a": 14, "b": 14}
    b_future = future.loc[future["segment_id"] == "b", "yhat"].to_numpy()
    np.testing.assert_allclose(b_future[:7], short_b["value"].to_numpy()[-7:])
    # Threads (the default backend) give exactly the serial answer.
    serial = forecast_many(frame, settings, n_jobs=1, max_series=2)
    pd.testing.assert_frame_equal(run.forecasts, serial.forecasts)

    backtest = backtest_many(frame, settings, n_jobs=1, max_series=2)
    assert list(backtest.columns) == ["segment_id", "metric", *BACKTEST_COLUMNS]
    rows = backtest.set_index("segment_id")
    assert rows.loc["a", "folds"] == 1  # 90 days: only the last 28-day window leaves 56 to train
    assert rows.loc["b", "folds"] == 0
    assert pd.isna(rows.loc["b", "model_beats_baseline"])
    assert "c" not in rows.index


def test_prophet_is_quiet_and_never_touches_the_network():
    script = textwrap.dedent(
        """
        import socket

        class NoNetwork(socket.socket):
            def connect(self, *args, **kwargs):
                raise AssertionError("network access attempted")

        socket.socket = NoNetwork
        import numpy as np
        import pandas as pd
        from behaviorseg.forecasting import forecast_series

        days = pd.date_range("2023-01-01", periods=60)
        values = 50 + np.arange(60) % 7
        result = forecast_series(pd.DataFrame({"date": days, "value": values}))
        print(result.model)
        """
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "prophet"
    assert completed.stderr == ""
