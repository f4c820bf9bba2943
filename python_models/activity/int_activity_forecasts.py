"""Prophet forecasts of every segment's daily activity series (weekly and yearly seasonality,
country holidays), fitted in parallel; the fit time of each series goes to the run log."""

from behaviorseg.dbt_bridge import frame, log, settings
from behaviorseg.forecasting import ForecastSettings
from behaviorseg.monitoring import activity_series, forecast_tables


def model(dbt, session):
    options = settings(dbt.config.get("meta"))
    forecasts, fit_log = forecast_tables(
        activity_series(frame(dbt.ref("segment_daily_activity"))),
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
    return forecasts
