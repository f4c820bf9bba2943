"""Rolling-origin backtest of the forecasts per series: sMAPE of Prophet against a
seasonal-naive baseline (the same weekday a week earlier). Re-run on the forecasts' cadence
(model_refit_days); in between, the last backtest is kept."""

from behaviorseg.dbt_bridge import frame, log, previous_table, settings
from behaviorseg.forecasting import ForecastSettings
from behaviorseg.monitoring import (
    activity_series,
    backtest_table,
    forecast_fit_stamp,
    forecast_refit_decision,
)
from behaviorseg.refits import stamped


def model(dbt, session):
    options = settings(dbt.config.get("meta"))
    series = activity_series(frame(dbt.ref("segment_daily_activity")))
    stamp = forecast_fit_stamp(series, options)
    previous = previous_table(session, dbt.this.schema, dbt.this.identifier)
    decision = forecast_refit_decision(stamp, previous, options)
    if not decision.refit:
        log("int_forecast_backtest", f"backtest not re-run: {decision.reason}")
        return previous
    scores = backtest_table(
        series,
        ForecastSettings(
            horizon_days=int(options["forecast_horizon_days"]),
            country=options["forecast_holiday_country"],
        ),
        max_series=int(options["forecast_max_series"]),
    )
    beaten = scores["model_beats_baseline"].fillna(False).astype(bool)
    log(
        "int_forecast_backtest",
        f"re-run ({decision.reason}): Prophet beats seasonal naive on {int(beaten.sum())} "
        f"of {len(scores)} series",
    )
    return stamped(scores, stamp)
