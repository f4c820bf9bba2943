"""Prophet forecasts of every segment's daily activity series (weekly and yearly seasonality,
country holidays), fitted in parallel; the fit time of each series goes to the run log.
Refitted every model_refit_days days of data (behaviorseg.refits); in between, the forecasts
of the last fit are kept."""

from behaviorseg.dbt_bridge import frame, log, previous_table, settings
from behaviorseg.forecasting.activity import activity_forecast_plan
from behaviorseg.monitoring import forecast_tables
from behaviorseg.refits import stamped


def model(dbt, session):
    previous = previous_table(session, dbt.this.schema, dbt.this.identifier)
    plan = activity_forecast_plan(
        settings(dbt.config.get("meta")), frame(dbt.ref("segment_daily_activity")), previous
    )
    if not plan.decision.refit:
        log("int_activity_forecasts", f"forecasts not refitted: {plan.decision.reason}")
        return previous
    log("int_activity_forecasts", f"refitting: {plan.decision.reason}")
    forecasts, fit_log = forecast_tables(plan.series, plan.settings, max_series=plan.max_series)
    for row in fit_log.itertuples():
        log(
            "int_activity_forecasts",
            f"segment {row.segment_id} {row.metric}: {row.model} on {row.n_days} days "
            f"in {row.fit_seconds:.2f} s {row.note or ''}".rstrip(),
        )
    return stamped(forecasts, plan.stamp)
