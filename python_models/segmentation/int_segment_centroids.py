"""Segment centroids (z-scores of the clustering features): profiles for BI and the state the
next run matches its segments to. The same deterministic fit as int_customer_segments_assigned."""

from behaviorseg.dbt_bridge import frame, previous_table, settings
from behaviorseg.segmentation.runs import (
    anomalous_customer_ids,
    centroid_table,
    run_with_selected_k,
    segmentation_config,
)


def model(dbt, session):
    config = segmentation_config(settings(dbt.config.get("meta")))
    # After the assignments, so both read the previous centroids before this model replaces them.
    dbt.ref("int_customer_segments_assigned")
    run = run_with_selected_k(
        frame(dbt.ref("customer_features")),
        config,
        frame(dbt.ref("int_segment_model_selection")),
        naming_rules=frame(dbt.ref("segment_naming_rules")),
        previous_centroids=previous_table(session, dbt.this.schema, dbt.this.identifier),
        excluded_customer_ids=anomalous_customer_ids(
            frame(dbt.ref("int_customer_anomalies_scored"))
        ),
    )
    return centroid_table(run)
