"""Isolation Forest anomaly score and flag per customer, the DBSCAN noise flag, and the
features that make each flagged customer unusual."""

from behaviorseg.anomalies import customer_anomalies_table
from behaviorseg.dbt_bridge import frame, log, settings


def model(dbt, session):
    options = settings(dbt.config.get("meta"))
    anomalies = customer_anomalies_table(
        frame(dbt.ref("customer_features")),
        contamination=float(options["anomaly_contamination"]),
        rfm_window_days=int(options["rfm_window_days"]),
    )
    log(
        "int_customer_anomalies_scored",
        f"{int(anomalies['is_anomaly'].sum())} of {len(anomalies)} customers flagged",
    )
    return anomalies
