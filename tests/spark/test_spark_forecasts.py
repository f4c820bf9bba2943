"""Prophet per series as a grouped pandas UDF on Spark gives forecast_many's forecasts.

Six planted series (two segments x three metrics, 120 days, each its own level, trend and
weekly pattern; one metric allowed below zero) are forecast twice: by ``forecast_many`` in
threads and by ``forecast_on_spark`` (``groupBy().applyInPandas`` on local pyspark). Not part of
the default pytest run: ``make test-spark``.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import pandas as pd
import pytest

from behaviorseg.forecasting import FORECAST_COLUMNS, ForecastSettings, forecast_many
from behaviorseg.spark_forecasts import forecast_group, forecast_on_spark, forecast_schema

KEYS = ["segment_id", "metric"]
SETTINGS = ForecastSettings(horizon_days=14, country=None, uncertainty_samples=100)
COUNT_METRICS = ["sessions", "orders"]


def planted_series() -> pd.DataFrame:
    days = pd.date_range("2025-01-01", periods=120, freq="D")
    weekday = days.dayofweek.to_numpy()
    rng = np.random.default_rng(7)
    frames = []
    for segment_number, segment in enumerate(["1", "2"]):
        for metric_number, metric in enumerate(["sessions", "orders", "net_change"]):
            level = 50.0 * (segment_number + 1) + 10 * metric_number
            trend = np.linspace(0, 5 * (metric_number - 1), len(days))
            weekly = np.where(weekday >= 5, 0.3 * level, 0.0)
            value = level + trend + weekly + rng.normal(0, 2, len(days))
            if metric == "net_change":
                value = value - level - 5
            frames.append(
                pd.DataFrame(
                    {"segment_id": segment, "metric": metric, "date": days, "value": value}
                )
            )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def spark():
    pyspark_sql = pytest.importorskip("pyspark.sql", reason="needs pyspark (make test-spark)")
    os.environ["TZ"] = "UTC"
    time.tzset()
    # The workers run this interpreter, which has the project's package and prophet.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_forecasts_equal_the_threaded_ones(spark) -> None:
    series = planted_series()
    expected = forecast_many(
        series, SETTINGS, keys=KEYS, nonnegative_metrics=COUNT_METRICS, n_jobs=1
    ).forecasts
    result = forecast_on_spark(
        spark.createDataFrame(series), SETTINGS, keys=KEYS, nonnegative_metrics=COUNT_METRICS
    ).toPandas()

    assert list(result.columns) == [*KEYS, *FORECAST_COLUMNS]
    assert len(result) == len(expected) == 6 * (120 + 14)
    order = [*KEYS, "ds"]
    result = result.sort_values(order).reset_index(drop=True)
    expected = expected.sort_values(order).reset_index(drop=True)
    expected["segment_id"] = expected["segment_id"].astype(str)
    pd.testing.assert_series_equal(
        pd.to_datetime(result["ds"]).dt.tz_localize(None).astype("datetime64[ns]"),
        pd.to_datetime(expected["ds"]).astype("datetime64[ns]"),
        check_names=False,
    )
    for column in ["y", "yhat", "yhat_lower", "yhat_upper"]:
        np.testing.assert_allclose(
            result[column].to_numpy(float), expected[column].to_numpy(float), rtol=1e-9
        )
    assert (result["is_future"] == expected["is_future"]).all()
    assert (result["model"] == "prophet").all()
    # Counts are clipped at zero, the net change is not: it is forecast below zero somewhere.
    counts = result[result["metric"].isin(COUNT_METRICS)]
    assert (counts["yhat_lower"] >= 0).all()
    assert (result.loc[result["metric"] == "net_change", "yhat_lower"] < 0).any()


def test_forecast_group_forecasts_one_series_with_its_keys() -> None:
    series = planted_series()
    group = series[(series["segment_id"] == "2") & (series["metric"] == "orders")]
    forecast = forecast_group(group, SETTINGS, KEYS, nonnegative_metrics=COUNT_METRICS)
    assert len(forecast) == 120 + 14
    assert forecast["is_future"].sum() == 14
    assert set(forecast["segment_id"]) == {"2"} and set(forecast["metric"]) == {"orders"}
    assert list(forecast.columns) == [*KEYS, *FORECAST_COLUMNS]
    future = forecast[forecast["is_future"]]
    # The planted level of segment 2's orders is 110 on weekdays, 143 at weekends.
    assert future["yhat"].min() > 95 and future["yhat"].max() < 160


def test_the_schema_names_every_column_with_a_spark_type() -> None:
    assert forecast_schema(KEYS) == (
        "segment_id string, metric string, ds timestamp, y double, yhat double, "
        "yhat_lower double, yhat_upper double, is_future boolean, model string"
    )
