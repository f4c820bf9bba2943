"""Prophet forecasts of every segment's daily activity series (weekly and yearly seasonality,
country holidays), fitted in parallel; the fit time of each series goes to the run log.
Refitted every model_refit_days days of data (behaviorseg.refits); in between, the forecasts
of the last fit are kept."""

from behaviorseg.dbt_bridge import frame, log, previous_table, settings
from behaviorseg.forecasting import ForecastSettings
from behaviorseg.monitoring import (
    activity_series,
    forecast_fit_stamp,
    forecast_refit_decision,
    forecast_tables,
)
from behaviorseg.refits import stamped


def model(dbt, session):
    options = settings(dbt.config.get("meta"))
    series = activity_series(frame(dbt.ref("segment_daily_activity")))
    stamp = forecast_fit_stamp(series, options)
    previous = previous_table(session, dbt.this.schema, dbt.this.identifier)
    decision = forecast_refit_decision(stamp, previous, options)
    if not decision.refit:
        log("int_activity_forecasts", f"forecasts not refitted: {decision.reason}")
        return previous
    log("int_activity_forecasts", f"refitting: {decision.reason}")
    forecasts, fit_log = forecast_tables(
        series,
        ForecastSettings(
            horizon_days=int(options["forecast_horizon_days"]),
            country=options["forecast_holiday_country"],
        ),
        max_series=int(options["forecast_max_series"]),
    )
    for row in fit_log.itertuples():
        log(
            "int_activity_forecasts",
            f"segment {row.segment_id} {row.metric}: {row.model} on {row.n_days} days "
            f"in {row.fit_seconds:.2f} s {row.note or ''}".rstrip(),
        )
    return stamped(forecasts, stamp)
