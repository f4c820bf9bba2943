"""Forecasts and backtests run over many series: the rolling-origin backtest of the models
(``behaviorseg.forecasting.models``) and the per-series loops, in parallel.

Backtest (``backtest_series``): rolling origin with an expanding window. The last ``folds``
(3) windows of ``horizon_days`` (28) days are held out one at a time, ending at the last
observed day; each fold trains on everything before its window. Folds that would leave
less than ``min_train_days`` (56) of training data are dropped (``folds`` says how many
ran). The error is the symmetric MAPE in percent (0-200), pooled over all held-out days:
``200 * |F - A| / (|A| + |F|)``, a day where both are 0 counting as 0 error, so zero-activity
days do not divide by zero. Columns are called ``mape_model`` / ``mape_seasonal_naive`` as in
the issue, but hold sMAPE. The baseline repeats the last 7 observed days of the training
window.

Parallelism (``forecast_many`` / ``backtest_many``): one joblib task per series, ``n_jobs=2``,
threads by default (``backend="threading"``). A fit costs ~0.25 s of CPU on an idle core
(400 days, ~0.03 s of it in the CmdStan subprocess; the rest is Python: Stan-data JSON,
Prophet's feature frames, the interval simulation) plus waiting on the subprocess and its
files. Measured on the shared 2-core build box (load 3-6 from other jobs), 24 series of 400
days, forecast + backtest, 3 interleaved rounds: serial 39-42 s, 2 threads 32-37 s (1.1-1.3x;
waits overlap, the GIL-bound rest does not), 2 loky processes 62-67 s: each worker first
imports pandas and Prophet (~2-3 s CPU) and competes for the same saturated cores. On an idle
multi-core host ``backend="loky"`` should scale further. Threaded runs stay deterministic:
the numpy-seeded interval simulation runs under a lock, and Stan is seeded. Series beyond
``max_series`` (200) are not fitted but listed in the fit log as ``skipped``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from behaviorseg.forecasting.models import (
    FORECAST_COLUMNS,
    ForecastSettings,
    SeriesForecast,
    forecast_series,
    quiet_prophet_logging,
    seasonal_naive,
)
from behaviorseg.timeseries import DEFAULT_SERIES_KEYS, complete_daily_series

DEFAULT_N_JOBS = 2
DEFAULT_BACKEND = "threading"
DEFAULT_MAX_SERIES = 200
BACKTEST_FOLDS = 3
BACKTEST_HORIZON_DAYS = 28
BACKTEST_MIN_TRAIN_DAYS = 56

FIT_LOG_COLUMNS: tuple[str, ...] = ("n_days", "model", "fit_seconds", "note")
BACKTEST_COLUMNS: tuple[str, ...] = (
    "folds",
    "horizon_days",
    "mape_model",
    "mape_seasonal_naive",
    "model_beats_baseline",
    "fit_seconds",
)


@dataclass(frozen=True)
class BacktestResult:
    """One series' rolling-origin backtest (sMAPE in percent)."""

    folds: int
    horizon_days: int
    mape_model: float
    mape_seasonal_naive: float
    fit_seconds: float

    @property
    def model_beats_baseline(self) -> bool | None:
        """True when the model's error is lower; None when no fold ran."""
        if self.folds == 0:
            return None
        return bool(self.mape_model < self.mape_seasonal_naive)


@dataclass(frozen=True)
class ForecastRun:
    """Forecasts of many series plus a fit log (keys + ``FIT_LOG_COLUMNS``) for the run log."""

    forecasts: pd.DataFrame
    fit_log: pd.DataFrame


# --- Backtest of one series ------------------------------------------------------------------


def smape(actual: Iterable[float], predicted: Iterable[float]) -> float:
    """Symmetric MAPE in percent (0-200); days where both values are 0 count as 0 error."""
    actual = np.asarray(list(actual), dtype=float)
    predicted = np.asarray(list(predicted), dtype=float)
    if actual.shape != predicted.shape:
        raise ValueError("actual and predicted must have the same length")
    keep = np.isfinite(actual) & np.isfinite(predicted)
    actual, predicted = actual[keep], predicted[keep]
    if actual.size == 0:
        return float("nan")
    denominator = np.abs(actual) + np.abs(predicted)
    ratio = np.divide(
        2 * np.abs(predicted - actual),
        denominator,
        out=np.zeros_like(denominator),
        where=denominator > 0,
    )
    return float(100 * ratio.mean())


def backtest_origins(
    n_days: int,
    *,
    folds: int = BACKTEST_FOLDS,
    horizon_days: int = BACKTEST_HORIZON_DAYS,
    min_train_days: int = BACKTEST_MIN_TRAIN_DAYS,
) -> list[int]:
    """Fold origins (index of the first held-out day), oldest first; the last fold ends on the
    last day. Folds leaving fewer than ``min_train_days`` of training are dropped."""
    origins = [n_days - horizon_days * k for k in range(folds, 0, -1)]
    return [origin for origin in origins if origin >= max(min_train_days, 1)]


def backtest_series(
    history: pd.DataFrame,
    settings: ForecastSettings | None = None,
    *,
    folds: int = BACKTEST_FOLDS,
    horizon_days: int = BACKTEST_HORIZON_DAYS,
    min_train_days: int = BACKTEST_MIN_TRAIN_DAYS,
    date_col: str = "date",
    value_col: str = "value",
) -> BacktestResult:
    """Rolling-origin backtest of the model against seasonal naive (sMAPE, pooled over folds).

    Folds fit without uncertainty sampling (only yhat is scored), which makes them faster.
    """
    started = time.perf_counter()
    settings = settings or ForecastSettings()
    daily = complete_daily_series(
        history, date_col=date_col, value_col=value_col, fill_value=settings.fill_value
    )
    fold_settings = replace(settings, uncertainty_samples=0)
    origins = backtest_origins(
        len(daily), folds=folds, horizon_days=horizon_days, min_train_days=min_train_days
    )
    actual, model_predictions, naive_predictions = [], [], []
    for origin in origins:
        train = daily.iloc[:origin]
        held_out = daily["value"].to_numpy(dtype=float)[origin : origin + horizon_days]
        fitted = forecast_series(train, replace(fold_settings, horizon_days=horizon_days))
        model_predictions.append(fitted.frame.loc[fitted.frame["is_future"], "yhat"].to_numpy())
        naive_predictions.append(seasonal_naive(train["value"].to_numpy(), horizon_days))
        actual.append(held_out)
    if not origins:
        return BacktestResult(0, horizon_days, float("nan"), float("nan"), _since(started))
    actual_values = np.concatenate(actual)
    return BacktestResult(
        folds=len(origins),
        horizon_days=horizon_days,
        mape_model=smape(actual_values, np.concatenate(model_predictions)),
        mape_seasonal_naive=smape(actual_values, np.concatenate(naive_predictions)),
        fit_seconds=_since(started),
    )


def _since(started: float) -> float:
    return time.perf_counter() - started


# --- Many series, in parallel ------------------------------------------------------------------


def split_series(
    frame: pd.DataFrame, keys: Sequence[str], max_series: int | None
) -> tuple[list[tuple[tuple, pd.DataFrame]], list[tuple]]:
    """(kept [(key values, series)], skipped [key values]): series in order of first
    appearance in the frame, the first ``max_series`` kept (the caller ranks them)."""
    groups = list(frame.groupby(list(keys), sort=False))
    limit = len(groups) if max_series is None else max(max_series, 0)
    return groups[:limit], [key_values for key_values, _ in groups[limit:]]


def _with_keys(frame: pd.DataFrame, keys: Sequence[str], key_values: tuple) -> pd.DataFrame:
    """The frame with the series keys as leading columns."""
    frame = frame.copy()
    for position, (key, value) in enumerate(zip(keys, key_values, strict=True)):
        frame.insert(position, key, value)
    return frame


def _run_parallel(function, jobs: list, n_jobs: int, backend: str) -> list:
    """joblib map preserving order; runs inline for one job or n_jobs == 1."""
    if n_jobs == 1 or len(jobs) <= 1:
        return [function(*job) for job in jobs]
    return Parallel(n_jobs=n_jobs, backend=backend)(delayed(function)(*job) for job in jobs)


def settings_for_metric(
    settings: ForecastSettings, metric: object, nonnegative_metrics: Iterable[str] | None
) -> ForecastSettings:
    """The settings of one series: clipped at zero only when its metric is a count.

    ``nonnegative_metrics`` None means every metric follows ``settings.nonnegative``.
    """
    if nonnegative_metrics is None:
        return settings
    return replace(
        settings, nonnegative=settings.nonnegative and metric in set(nonnegative_metrics)
    )


def forecast_many(
    frame: pd.DataFrame,
    settings: ForecastSettings | None = None,
    *,
    keys: Sequence[str] = DEFAULT_SERIES_KEYS,
    date_col: str = "date",
    value_col: str = "value",
    nonnegative_metrics: Iterable[str] | None = None,
    metric_col: str = "metric",
    n_jobs: int = DEFAULT_N_JOBS,
    max_series: int | None = DEFAULT_MAX_SERIES,
    backend: str = DEFAULT_BACKEND,
) -> ForecastRun:
    """Forecast every series of a long frame (keys..., date, value) in parallel.

    ``nonnegative_metrics``: metrics clipped at 0 (None: all, when ``settings.nonnegative``).
    Returns forecasts (keys + ``FORECAST_COLUMNS``) and a fit log (keys + ``FIT_LOG_COLUMNS``)
    with one row per series, skipped ones included.
    """
    settings = settings or ForecastSettings()
    keys = list(keys)
    kept, skipped = split_series(frame, keys, max_series)
    jobs = []
    for key_values, series in kept:
        metric = dict(zip(keys, key_values, strict=True)).get(metric_col)
        series_settings = settings_for_metric(settings, metric, nonnegative_metrics)
        jobs.append((series.loc[:, [date_col, value_col]], series_settings, date_col, value_col))
    results = _run_parallel(_forecast_job, jobs, n_jobs, backend)

    forecasts = [
        _with_keys(result.frame, keys, key_values)
        for (key_values, _), result in zip(kept, results, strict=True)
    ]
    log_rows = [
        (*key_values, result.n_days, result.model, result.fit_seconds, result.note)
        for (key_values, _), result in zip(kept, results, strict=True)
    ] + [
        (*key_values, 0, "skipped", 0.0, f"over max_series={max_series}") for key_values in skipped
    ]
    forecast_frame = (
        pd.concat(forecasts, ignore_index=True)
        if forecasts
        else pd.DataFrame(columns=[*keys, *FORECAST_COLUMNS])
    )
    return ForecastRun(
        forecasts=forecast_frame,
        fit_log=pd.DataFrame(log_rows, columns=[*keys, *FIT_LOG_COLUMNS]),
    )


def _forecast_job(
    series: pd.DataFrame, settings: ForecastSettings, date_col: str, value_col: str
) -> SeriesForecast:
    quiet_prophet_logging()
    return forecast_series(series, settings, date_col=date_col, value_col=value_col)


def backtest_many(
    frame: pd.DataFrame,
    settings: ForecastSettings | None = None,
    *,
    keys: Sequence[str] = DEFAULT_SERIES_KEYS,
    date_col: str = "date",
    value_col: str = "value",
    folds: int = BACKTEST_FOLDS,
    horizon_days: int = BACKTEST_HORIZON_DAYS,
    min_train_days: int = BACKTEST_MIN_TRAIN_DAYS,
    n_jobs: int = DEFAULT_N_JOBS,
    max_series: int | None = DEFAULT_MAX_SERIES,
    backend: str = DEFAULT_BACKEND,
) -> pd.DataFrame:
    """Backtest every series of a long frame in parallel: keys + ``BACKTEST_COLUMNS``.

    Series over ``max_series`` are left out (``forecast_many``'s fit log lists them).
    ``model_beats_baseline`` is NA where no fold could run.
    """
    settings = settings or ForecastSettings()
    keys = list(keys)
    kept, _ = split_series(frame, keys, max_series)
    jobs = [
        (
            series.loc[:, [date_col, value_col]],
            settings,
            folds,
            horizon_days,
            min_train_days,
            date_col,
            value_col,
        )
        for _, series in kept
    ]
    results = _run_parallel(_backtest_job, jobs, n_jobs, backend)
    rows = [
        (
            *key_values,
            result.folds,
            result.horizon_days,
            result.mape_model,
            result.mape_seasonal_naive,
            result.model_beats_baseline,
            result.fit_seconds,
        )
        for (key_values, _), result in zip(kept, results, strict=True)
    ]
    backtest = pd.DataFrame(rows, columns=[*keys, *BACKTEST_COLUMNS])
    backtest["model_beats_baseline"] = backtest["model_beats_baseline"].astype("boolean")
    return backtest


def _backtest_job(
    series: pd.DataFrame,
    settings: ForecastSettings,
    folds: int,
    horizon_days: int,
    min_train_days: int,
    date_col: str,
    value_col: str,
) -> BacktestResult:
    quiet_prophet_logging()
    return backtest_series(
        series,
        settings,
        folds=folds,
        horizon_days=horizon_days,
        min_train_days=min_train_days,
        date_col=date_col,
        value_col=value_col,
    )
