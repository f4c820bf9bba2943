"""Scores each k for the segmentation: silhouette, WCSS (elbow), Davies-Bouldin,
Calinski-Harabasz; marks the selected row (best silhouette unless var segment_k fixes k).
Customers the anomaly model flags are left out of the fit."""

from behaviorseg.dbt_bridge import frame, log, settings
from behaviorseg.segmentation.runs import (
    anomalous_customer_ids,
    model_selection_table,
    segmentation_config,
    untracked_customer_ids,
)


def model(dbt, session):
    config = segmentation_config(settings(dbt.config.get("meta")))
    features = frame(dbt.ref("customer_features"))
    anomalies = anomalous_customer_ids(frame(dbt.ref("int_customer_anomalies_scored")))
    table = model_selection_table(features, config, excluded_customer_ids=anomalies)
    chosen = table[table["is_selected"].astype(bool)]
    if chosen.empty:
        log("int_segment_model_selection", f"{len(features)} customers: too few to cluster")
    else:
        row = chosen.iloc[0]
        log(
            "int_segment_model_selection",
            f"{len(features)} customers ({len(anomalies)} anomalies and "
            f"{len(untracked_customer_ids(features))} tracking opt-outs left out of the fit), "
            f"{config.algorithm}: k={row['k']} selected by "
            f"{row['selected_by']} (silhouette {row['silhouette']:.3f})",
        )
    return table
