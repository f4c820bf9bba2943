"""Rolling-origin backtest of the forecasts per series: sMAPE of Prophet against a
seasonal-naive baseline (the same weekday a week earlier). Re-run on the forecasts' cadence
(model_refit_days); in between, the last backtest is kept."""

from behaviorseg.dbt_bridge import frame, log, previous_table, settings
from behaviorseg.forecasting.activity import activity_forecast_plan
from behaviorseg.monitoring import backtest_table
from behaviorseg.refits import stamped


def model(dbt, session):
    previous = previous_table(session, dbt.this.schema, dbt.this.identifier)
    plan = activity_forecast_plan(
        settings(dbt.config.get("meta")), frame(dbt.ref("segment_daily_activity")), previous
    )
    if not plan.decision.refit:
        log("int_forecast_backtest", f"backtest not re-run: {plan.decision.reason}")
        return previous
    scores = backtest_table(plan.series, plan.settings, max_series=plan.max_series)
    beaten = scores["model_beats_baseline"].fillna(False).astype(bool)
    log(
        "int_forecast_backtest",
        f"re-run ({plan.decision.reason}): Prophet beats seasonal naive on {int(beaten.sum())} "
        f"of {len(scores)} series",
    )
    return stamped(scores, plan.stamp)
