"""Rolling individuals control charts of every segment's daily activity and funnel metrics:
each day against the baseline window before it (Western Electric rules and a sustained-shift
rule), activity charted after removing the weekly component of int_activity_decomposition,
sparse series judged on pooled days."""

import pandas as pd

from behaviorseg.dbt_bridge import frame, settings
from behaviorseg.monitoring import (
    activity_chart_series,
    activity_series,
    control_chart_table,
    funnel_series,
)


def model(dbt, session):
    options = settings(dbt.config.get("meta"))
    activity = activity_chart_series(activity_series(frame(dbt.ref("segment_daily_activity"))))
    names = activity[["segment_id", "segment_name"]].drop_duplicates("segment_id")
    funnel = funnel_series(frame(dbt.ref("int_funnel_daily_metrics")), names)
    monitor_days = options["drift_monitor_days"]
    return control_chart_table(
        pd.concat([activity, funnel], ignore_index=True),
        baseline_days=int(options["drift_baseline_days"]),
        monitor_days=None if monitor_days is None else int(monitor_days),
        decomposition=frame(dbt.ref("int_activity_decomposition")),
        min_daily_events=float(options["drift_min_daily_events"]),
        pool_days=int(options["drift_pool_days"]),
        shift_sigmas=float(options["drift_shift_sigmas"]),
        shift_days=int(options["drift_shift_days"]),
    )
