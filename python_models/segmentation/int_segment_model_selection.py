"""Scores each k for the segmentation: silhouette, WCSS (elbow), Davies-Bouldin,
Calinski-Harabasz; marks the selected row (best silhouette unless var segment_k fixes k).
Customers the anomaly model flags are left out of the fit. Refitted on the model_refit_days
cadence (behaviorseg.refits); in between, the stored table is kept and stands for the fit the
other segmentation models apply."""

from behaviorseg.dbt_bridge import frame, log, previous_table, settings
from behaviorseg.refits import stamped
from behaviorseg.segmentation.runs import (
    anomalous_customer_ids,
    model_selection_table,
    segmentation_config,
    segmentation_fit_stamp,
    segmentation_refit_decision,
    untracked_customer_ids,
)


def model(dbt, session):
    options = settings(dbt.config.get("meta"))
    config = segmentation_config(options)
    features = frame(dbt.ref("customer_features"))
    stamp = segmentation_fit_stamp(features, options, frame(dbt.ref("segment_naming_rules")))
    previous = previous_table(session, dbt.this.schema, dbt.this.identifier)
    decision = segmentation_refit_decision(stamp, previous, options)
    if not decision.refit:
        log("int_segment_model_selection", f"segmentation not refitted: {decision.reason}")
        return previous
    anomalies = anomalous_customer_ids(frame(dbt.ref("int_customer_anomalies_scored")))
    table = model_selection_table(features, config, excluded_customer_ids=anomalies)
    chosen = table[table["is_selected"].astype(bool)]
    if chosen.empty:
        log("int_segment_model_selection", f"{len(features)} customers: too few to cluster")
    else:
        row = chosen.iloc[0]
        log(
            "int_segment_model_selection",
            f"refitted ({decision.reason}): {len(features)} customers ({len(anomalies)} "
            f"anomalies and {len(untracked_customer_ids(features))} tracking opt-outs left out "
            f"of the fit), {config.algorithm}: k={row['k']} selected by "
            f"{row['selected_by']} (silhouette {row['silhouette']:.3f})",
        )
    return stamped(table, stamp)
