"""STL decomposition (trend, weekly seasonal, residual) of every segment's daily activity
series, with residual-based anomaly flags."""

from behaviorseg.dbt_bridge import frame
from behaviorseg.monitoring import activity_series, decomposition_table


def model(dbt, session):
    return decomposition_table(activity_series(frame(dbt.ref("segment_daily_activity"))))
