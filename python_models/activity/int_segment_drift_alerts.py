"""Drift alerts per segment: control-chart rule violations on the daily series and population
stability index of customer activity, current period against the one before."""

import pandas as pd

from behaviorseg.dbt_bridge import frame, log
from behaviorseg.monitoring import drift_alert_table


def model(dbt, session):
    as_of = frame(dbt.ref("int_as_of_date_resolved"))
    alert_date = None if as_of.empty else pd.Timestamp(as_of["as_of_date"].iloc[0])
    alerts = drift_alert_table(
        frame(dbt.ref("int_segment_control_charts")),
        frame(dbt.ref("int_customer_activity_periods")),
        alert_date,
    )
    log("int_segment_drift_alerts", f"{len(alerts)} alerts")
    return alerts
