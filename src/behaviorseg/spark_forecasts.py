"""Per-series Prophet fits on Spark: one grouped pandas UDF call per (segment, metric) series.

On one machine ``forecasting.forecast_many`` fits the series in threads. On a Spark cluster
(Databricks, Dataproc, EMR) the same per-series function runs on the executors through
``groupBy(keys).applyInPandas``: Spark ships each series to a worker as a pandas frame, the
worker fits Prophet on it and returns the forecast rows. The forecasts equal
``forecast_many``'s exactly (same settings, same seed); ``tests/spark`` checks that on local
pyspark. Executors need the project's package and prophet installed (a cluster library or
``packages`` in the model config).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from behaviorseg.forecasting import (
    FORECAST_COLUMNS,
    ForecastSettings,
    forecast_series,
    settings_for_metric,
)

# Spark types of FORECAST_COLUMNS (ds: the day as a timestamp, as Prophet returns it).
FORECAST_SPARK_TYPES: dict[str, str] = {
    "ds": "timestamp",
    "y": "double",
    "yhat": "double",
    "yhat_lower": "double",
    "yhat_upper": "double",
    "is_future": "boolean",
    "model": "string",
}


def forecast_schema(keys: Sequence[str]) -> str:
    """The DDL schema of the grouped UDF's output: the key columns (text) + the forecast."""
    columns = [f"{key} string" for key in keys]
    columns += [f"{name} {FORECAST_SPARK_TYPES[name]}" for name in FORECAST_COLUMNS]
    return ", ".join(columns)


def forecast_group(
    series: pd.DataFrame,
    settings: ForecastSettings,
    keys: Sequence[str],
    *,
    nonnegative_metrics: Iterable[str] | None = None,
    metric_col: str = "metric",
    date_col: str = "date",
    value_col: str = "value",
) -> pd.DataFrame:
    """Forecast the one series in ``series`` (rows of a single key combination).

    Pure pandas: this is the function ``applyInPandas`` runs per group. Metrics outside
    ``nonnegative_metrics`` (when given) may be forecast below zero, as in ``forecast_many``.
    """
    if series.empty:
        return pd.DataFrame(columns=[*keys, *FORECAST_COLUMNS])
    key_values = {key: str(series[key].iloc[0]) for key in keys}
    settings = settings_for_metric(settings, key_values.get(metric_col), nonnegative_metrics)
    history = series.loc[:, [date_col, value_col]].copy()
    history[date_col] = pd.to_datetime(history[date_col])
    forecast = forecast_series(history, settings, date_col=date_col, value_col=value_col).frame
    for position, key in enumerate(keys):
        forecast.insert(position, key, key_values[key])
    return forecast


def forecast_on_spark(
    series: Any,
    settings: ForecastSettings,
    *,
    keys: Sequence[str] = ("segment_id", "metric"),
    nonnegative_metrics: Iterable[str] | None = None,
) -> Any:
    """Forecasts of every series of a long Spark DataFrame (keys..., date, value).

    Returns a Spark DataFrame (keys + ``FORECAST_COLUMNS``); nothing is collected to the
    driver. The key columns must be text.
    """
    keys = list(keys)
    clipped = None if nonnegative_metrics is None else sorted(nonnegative_metrics)

    def fit(group: pd.DataFrame) -> pd.DataFrame:
        return forecast_group(group, settings, keys, nonnegative_metrics=clipped)

    return series.groupBy(*keys).applyInPandas(fit, schema=forecast_schema(keys))
