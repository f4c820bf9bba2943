"""Segment activity monitoring steps the dbt Python models run: decomposition, forecasts,
backtests, control charts and drift alerts over the daily series of segment_daily_activity.

Each function takes plain frames and returns the frame its model materialises, with fixed
columns even when there is no series (an orders-only export still has orders and revenue).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from behaviorseg.drift.alerts import ALERT_COLUMNS
from behaviorseg.drift.control_charts import (
    CHART_COLUMNS,
    DEFAULT_BASELINE_DAYS,
    DEFAULT_SHIFT_DAYS,
    DEFAULT_SHIFT_SIGMAS,
    chart_alerts,
    rolling_control_chart,
)
from behaviorseg.drift.psi import psi_alerts, psi_by_segment
from behaviorseg.forecasting import (
    BACKTEST_COLUMNS,
    FIT_LOG_COLUMNS,
    FORECAST_COLUMNS,
    ForecastSettings,
    backtest_many,
    forecast_many,
)
from behaviorseg.refits import (
    FitStamp,
    RefitDecision,
    as_date,
    refit_days_setting,
    refit_decision,
    settings_text,
    stamp_of,
)
from behaviorseg.timeseries import DECOMPOSITION_COLUMNS, decompose_many

SERIES_KEYS: tuple[str, ...] = ("segment_id", "metric")
# The control charts' series: per segment ('all' included) and, for 'all', per device type.
CHART_KEYS: tuple[str, ...] = ("segment_id", "device_type", "metric")
MONITOR_ALERT_COLUMNS: tuple[str, ...] = ("segment_id", "device_type", *ALERT_COLUMNS[1:])
DEFAULT_MIN_DAILY_EVENTS = 20
DEFAULT_POOL_DAYS = 7
# The metrics of segment_daily_activity that are monitored, and which of them are counts
# (clipped at zero when forecast; conversion_rate is a rate).
ACTIVITY_METRICS: tuple[str, ...] = (
    "active_customers",
    "sessions",
    "orders",
    "revenue",
    "conversion_rate",
)
# The settings that shape the forecasts and their backtest: a change refits.
FORECAST_FIT_SETTINGS: tuple[str, ...] = (
    "forecast_horizon_days",
    "forecast_holiday_country",
    "forecast_max_series",
)
PERIOD_FEATURES: tuple[str, ...] = (
    "sessions",
    "page_views",
    "session_minutes",
    "orders",
    "revenue",
)


def activity_series(daily_activity: pd.DataFrame) -> pd.DataFrame:
    """segment_daily_activity (one row per segment and day) as long series:
    (segment_id, segment_name, metric, date, value)."""
    present = [metric for metric in ACTIVITY_METRICS if metric in daily_activity.columns]
    long = daily_activity.melt(
        id_vars=["segment_id", "segment_name", "activity_date"],
        value_vars=present,
        var_name="metric",
        value_name="value",
    ).rename(columns={"activity_date": "date"})
    long["date"] = pd.to_datetime(long["date"])
    long["value"] = pd.to_numeric(long["value"], errors="coerce").astype("float64")
    long["segment_id"] = long["segment_id"].astype(str)
    return long.sort_values(["segment_id", "metric", "date"]).reset_index(drop=True)


def forecast_fit_stamp(series: pd.DataFrame, settings: Mapping[str, Any]) -> FitStamp | None:
    """The stamp forecasts fitted now would carry: the series' last day, and the settings with
    the series forecast (a new or vanished segment refits). None without series."""
    if series.empty:
        return None
    shaping = {key: settings.get(key) for key in FORECAST_FIT_SETTINGS}
    shaping["segments"] = ",".join(sorted(series["segment_id"].astype(str).unique()))
    return FitStamp(as_date(series["date"].max()), settings_text(shaping))


def forecast_refit_decision(
    stamp: FitStamp | None, previous: pd.DataFrame | None, settings: Mapping[str, Any]
) -> RefitDecision:
    """Refit the forecasts (or the backtest) or keep the stored table."""
    if stamp is None:
        return RefitDecision(True, "no series")
    return refit_decision(
        stamp.fitted_as_of_date,
        stamp_of(previous),
        stamp.fit_settings,
        refit_days_setting(settings),
    )


def _segment_names(series: pd.DataFrame) -> pd.DataFrame:
    return series[["segment_id", "segment_name"]].drop_duplicates("segment_id")


def _named(frame: pd.DataFrame, series: pd.DataFrame) -> pd.DataFrame:
    """Add segment_name after segment_id."""
    named = frame.merge(_segment_names(series), on="segment_id", how="left")
    columns = ["segment_id", "segment_name", *[c for c in frame.columns if c != "segment_id"]]
    return named[columns]


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="object") for column in columns})


def decomposition_table(series: pd.DataFrame) -> pd.DataFrame:
    """STL trend, weekly seasonal and residual per series, with residual anomaly flags."""
    columns = ["segment_id", "segment_name", "metric", *DECOMPOSITION_COLUMNS]
    if series.empty:
        return _empty(columns)
    decomposed = decompose_many(series, keys=SERIES_KEYS)
    return _named(decomposed, series)[columns]


def forecast_tables(
    series: pd.DataFrame,
    settings: ForecastSettings,
    *,
    max_series: int,
    n_jobs: int = 2,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(forecasts, fit log): Prophet per segment and metric, fitted in parallel threads."""
    forecast_columns = ["segment_id", "segment_name", "metric", *FORECAST_COLUMNS]
    log_columns = ["segment_id", "metric", *FIT_LOG_COLUMNS]
    if series.empty:
        return _empty(forecast_columns), _empty(log_columns)
    counts = [metric for metric in ACTIVITY_METRICS if metric != "conversion_rate"]
    run = forecast_many(
        series,
        settings,
        keys=SERIES_KEYS,
        nonnegative_metrics=counts,
        n_jobs=n_jobs,
        max_series=max_series,
    )
    return _named(run.forecasts, series)[forecast_columns], run.fit_log[log_columns]


def backtest_table(
    series: pd.DataFrame, settings: ForecastSettings, *, max_series: int, n_jobs: int = 2
) -> pd.DataFrame:
    """Rolling-origin backtest per series: sMAPE of Prophet and of the seasonal-naive baseline."""
    columns = ["segment_id", "segment_name", "metric", *BACKTEST_COLUMNS]
    if series.empty:
        return _empty(columns)
    scores = backtest_many(series, settings, keys=SERIES_KEYS, n_jobs=n_jobs, max_series=max_series)
    return _named(scores, series)[columns]


def funnel_series(funnel: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    """int_funnel_daily_metrics as chart series (segment_id, segment_name, device_type, metric,
    date, value, numerator, denominator); ``names`` maps segment_id to segment_name."""
    columns = [*CHART_KEYS, "segment_name", "date", "value", "numerator", "denominator"]
    if funnel.empty:
        return _empty(columns)
    long = funnel.rename(columns={"activity_date": "date"}).assign(
        segment_id=funnel["segment_id"].astype(str),
        date=pd.to_datetime(funnel["activity_date"]),
    )
    long = long.merge(names, on="segment_id", how="left")
    for column in ("value", "numerator", "denominator"):
        long[column] = pd.to_numeric(long[column], errors="coerce").astype("float64")
    return long[columns]


def activity_chart_series(series: pd.DataFrame) -> pd.DataFrame:
    """activity_series as chart series: device_type 'all'; conversion_rate carries its
    numerator and denominator (purchase sessions, sessions) so it can be pooled."""
    sessions = series.loc[series["metric"] == "sessions", ["segment_id", "date", "value"]]
    sessions = sessions.rename(columns={"value": "sessions"})
    charted = series.assign(device_type="all").merge(
        sessions, on=["segment_id", "date"], how="left"
    )
    is_rate = charted["metric"] == "conversion_rate"
    charted["denominator"] = charted["sessions"].where(is_rate)
    charted["numerator"] = (charted["value"] * charted["sessions"]).where(is_rate)
    return charted.drop(columns="sessions")


def pool_days_for(
    series: pd.DataFrame, *, min_daily_events: float, pool_days: int
) -> tuple[int, bool]:
    """(days per chart point, is a rate) of one series: a rate whose mean daily denominator,
    or a count whose mean daily value, is below ``min_daily_events`` is judged on pooled
    blocks of ``pool_days`` days."""
    is_rate = "denominator" in series and series["denominator"].notna().any()
    level = series["denominator"] if is_rate else series["value"].abs()
    sparse = float(np.nan_to_num(level.mean())) < min_daily_events
    return (pool_days if sparse else 1), bool(is_rate)


def control_chart_table(
    series: pd.DataFrame,
    *,
    baseline_days: int = DEFAULT_BASELINE_DAYS,
    monitor_days: int | None = None,
    decomposition: pd.DataFrame | None = None,
    min_daily_events: float = DEFAULT_MIN_DAILY_EVENTS,
    pool_days: int = DEFAULT_POOL_DAYS,
    shift_sigmas: float = DEFAULT_SHIFT_SIGMAS,
    shift_days: int = DEFAULT_SHIFT_DAYS,
) -> pd.DataFrame:
    """Rolling individuals control charts (behaviorseg.drift.rolling_control_chart) of every
    series: each day against the ``baseline_days`` before it, the last ``monitor_days``
    (None: all) monitored, sparse series on pooled days (``pool_days_for``).

    ``series`` has segment_id, segment_name, metric, date, value and optionally device_type
    ('all' when absent), numerator and denominator. ``decomposition`` (decomposition_table of
    the segments' activity series) supplies their weekly component, so STL is not fitted twice.
    """
    columns = ["segment_id", "segment_name", "device_type", "metric", *CHART_COLUMNS]
    if "device_type" not in series:
        series = series.assign(device_type="all")
    seasonals = {}
    if decomposition is not None and not decomposition.empty:
        decomposed = decomposition.assign(
            segment_id=decomposition["segment_id"].astype(str),
            date=pd.to_datetime(decomposition["date"]),
        )
        for key, one in decomposed.groupby(list(SERIES_KEYS), sort=False):
            if one["is_decomposed"].astype(bool).all():
                seasonals[key] = one.set_index("date")["seasonal"].astype(float)
    parts = []
    for (segment_id, device_type, metric), one in series.groupby(list(CHART_KEYS), sort=True):
        pool, is_rate = pool_days_for(one, min_daily_events=min_daily_events, pool_days=pool_days)
        wanted = ["date", "value", *(["numerator", "denominator"] if is_rate else [])]
        seasonal = seasonals.get((segment_id, metric)) if device_type == "all" else None
        chart = rolling_control_chart(
            one[wanted],
            baseline_days=baseline_days,
            monitor_days=monitor_days,
            pool_days=pool,
            seasonal=seasonal,
            fill_value=None if is_rate else 0.0,
            shift_sigmas=shift_sigmas,
            shift_days=shift_days,
        )
        chart.insert(0, "metric", metric)
        chart.insert(0, "device_type", device_type)
        chart.insert(0, "segment_id", segment_id)
        parts.append(chart)
    if not parts:
        return _empty(columns)
    names = _segment_names(series.dropna(subset=["segment_name"]))
    charts = pd.concat(parts, ignore_index=True).merge(names, on="segment_id", how="left")
    return charts[columns]


def spc_alert_table(charts: pd.DataFrame) -> pd.DataFrame:
    """Control-chart alerts (MONITOR_ALERT_COLUMNS) from the charts, run of days collapsed."""
    parts = []
    if "device_type" not in charts:
        charts = charts.assign(device_type="all")
    for (segment_id, device_type, metric), chart in charts.groupby(list(CHART_KEYS), sort=True):
        alerts = chart_alerts(
            chart.drop(columns=["segment_id", "segment_name", "device_type", "metric"])
        )
        alerts["segment_id"] = segment_id
        alerts["device_type"] = device_type
        alerts["metric"] = metric
        parts.append(alerts)
    if not parts:
        return _empty(MONITOR_ALERT_COLUMNS)
    return pd.concat(parts, ignore_index=True)[list(MONITOR_ALERT_COLUMNS)]


def psi_alert_table(periods: pd.DataFrame, alert_date: pd.Timestamp | None) -> pd.DataFrame:
    """PSI of each segment's customer activity distributions, current period against the one
    before (int_customer_activity_periods), as alerts where it reaches warning or critical."""
    if periods.empty or alert_date is None:
        return _empty(MONITOR_ALERT_COLUMNS)
    periods = periods.assign(segment_id=periods["segment_id"].astype(str))
    previous = periods[periods["period"] == "previous"]
    current = periods[periods["period"] == "current"]
    scores = psi_by_segment(previous, current, features=list(PERIOD_FEATURES))
    alerts = psi_alerts(scores, alert_date).assign(device_type="all")
    return alerts[list(MONITOR_ALERT_COLUMNS)]


def drift_alert_table(
    charts: pd.DataFrame, periods: pd.DataFrame, alert_date: pd.Timestamp | None
) -> pd.DataFrame:
    """segment_drift_alerts: control-chart rule violations and PSI drifts, one frame."""
    alerts = pd.concat(
        [spc_alert_table(charts), psi_alert_table(periods, alert_date)], ignore_index=True
    )
    alerts["segment_id"] = alerts["segment_id"].astype(str)
    order = ["segment_id", "device_type", "metric", "alert_date", "rule"]
    return alerts.sort_values(order).reset_index(drop=True)
