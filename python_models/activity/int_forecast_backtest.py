"""Rolling-origin backtest of the forecasts per series: sMAPE of Prophet against a
seasonal-naive baseline (the same weekday a week earlier)."""

from behaviorseg.dbt_bridge import frame, log, settings
from behaviorseg.forecasting import ForecastSettings
from behaviorseg.monitoring import activity_series, backtest_table


def model(dbt, session):
    options = settings(dbt.config.get("meta"))
    scores = backtest_table(
        activity_series(frame(dbt.ref("segment_daily_activity"))),
        ForecastSettings(
            horizon_days=int(options["forecast_horizon_days"]),
            country=options["forecast_holiday_country"],
        ),
        max_series=int(options["forecast_max_series"]),
    )
    beaten = scores["model_beats_baseline"].fillna(False).astype(bool)
    log(
        "int_forecast_backtest",
        f"Prophet beats seasonal naive on {int(beaten.sum())} of {len(scores)} series",
    )
    return scores
