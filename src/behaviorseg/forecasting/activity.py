"""What the forecast and backtest dbt models over segment_daily_activity share: the series, the
model settings from the project vars, and whether the stored table is refitted or kept (both
refit on the same cadence, from the same stamp)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from behaviorseg.forecasting.models import ForecastSettings
from behaviorseg.monitoring import activity_series, forecast_fit_stamp, forecast_refit_decision
from behaviorseg.refits import FitStamp, RefitDecision


@dataclass(frozen=True)
class ActivityForecastPlan:
    """One run of an activity forecasting model: refit (with these series and settings) or keep
    ``previous``; ``stamp`` marks what a refit writes."""

    series: pd.DataFrame
    settings: ForecastSettings
    max_series: int
    stamp: FitStamp | None
    decision: RefitDecision


def forecast_settings(options: Mapping[str, Any]) -> ForecastSettings:
    """The models' settings from the vars: forecast_horizon_days, forecast_holiday_country."""
    return ForecastSettings(
        horizon_days=int(options["forecast_horizon_days"]),
        country=options["forecast_holiday_country"],
    )


def activity_forecast_plan(
    options: Mapping[str, Any], daily_activity: pd.DataFrame, previous: pd.DataFrame | None
) -> ActivityForecastPlan:
    """The plan of a run from the model's settings, segment_daily_activity and the stored table
    (None on the first run)."""
    series = activity_series(daily_activity)
    stamp = forecast_fit_stamp(series, options)
    return ActivityForecastPlan(
        series=series,
        settings=forecast_settings(options),
        max_series=int(options["forecast_max_series"]),
        stamp=stamp,
        decision=forecast_refit_decision(stamp, previous, options),
    )
