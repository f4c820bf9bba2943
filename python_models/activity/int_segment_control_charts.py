"""Individuals control charts of every segment's daily activity (centre line and 3-sigma limits
from a baseline window, Western Electric rule flags over the monitored window), charted after
removing the weekly component of int_activity_decomposition."""

from behaviorseg.dbt_bridge import frame, settings
from behaviorseg.monitoring import activity_series, control_chart_table


def model(dbt, session):
    options = settings(dbt.config.get("meta"))
    return control_chart_table(
        activity_series(frame(dbt.ref("segment_daily_activity"))),
        baseline_days=int(options["drift_baseline_days"]),
        monitor_days=int(options["drift_monitor_days"]),
        decomposition=frame(dbt.ref("int_activity_decomposition")),
    )
