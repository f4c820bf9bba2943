"""Forecasting of daily activity series, in two modules:

- ``models``: how one series is forecast (Prophet with holidays and seasonality, the
  seasonal-naive fallback, intervals clipped and ordered);
- ``orchestration``: running the models over many series in parallel, and the rolling-origin
  backtest that scores them against seasonal naive.

``activity`` holds what the two dbt models over segment_daily_activity share (settings,
series, refit decision). The names below are the package's public interface.
"""

from behaviorseg.forecasting.models import (
    DEFAULT_COUNTRY,
    DEFAULT_HORIZON_DAYS,
    FORECAST_COLUMNS,
    WEEK,
    ForecastSettings,
    SeriesForecast,
    build_prophet,
    country_holidays_frame,
    forecast_series,
    ordered_intervals,
    prophet_class,
    quiet_prophet_logging,
    seasonal_naive,
    trend_below_zero_share,
)
from behaviorseg.forecasting.orchestration import (
    BACKTEST_COLUMNS,
    BACKTEST_FOLDS,
    BACKTEST_HORIZON_DAYS,
    BACKTEST_MIN_TRAIN_DAYS,
    DEFAULT_BACKEND,
    DEFAULT_MAX_SERIES,
    DEFAULT_N_JOBS,
    FIT_LOG_COLUMNS,
    BacktestResult,
    ForecastRun,
    backtest_many,
    backtest_origins,
    backtest_series,
    forecast_many,
    settings_for_metric,
    smape,
    split_series,
)

__all__ = [
    "BACKTEST_COLUMNS",
    "BACKTEST_FOLDS",
    "BACKTEST_HORIZON_DAYS",
    "BACKTEST_MIN_TRAIN_DAYS",
    "DEFAULT_BACKEND",
    "DEFAULT_COUNTRY",
    "DEFAULT_HORIZON_DAYS",
    "DEFAULT_MAX_SERIES",
    "DEFAULT_N_JOBS",
    "FIT_LOG_COLUMNS",
    "FORECAST_COLUMNS",
    "WEEK",
    "BacktestResult",
    "ForecastRun",
    "ForecastSettings",
    "SeriesForecast",
    "backtest_many",
    "backtest_origins",
    "backtest_series",
    "build_prophet",
    "country_holidays_frame",
    "forecast_many",
    "forecast_series",
    "ordered_intervals",
    "prophet_class",
    "quiet_prophet_logging",
    "seasonal_naive",
    "settings_for_metric",
    "smape",
    "split_series",
    "trend_below_zero_share",
]
