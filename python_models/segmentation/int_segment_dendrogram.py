"""Ward linkage of the hierarchical segmentation's sample, for a dendrogram (empty for the
other algorithms)."""

from behaviorseg.dbt_bridge import frame, previous_table, settings
from behaviorseg.segmentation.runs import (
    DENDROGRAM_COLUMNS,
    anomalous_customer_ids,
    dendrogram_table,
    empty_frame,
    run_with_selected_k,
    segmentation_config,
)


def model(dbt, session):
    config = segmentation_config(settings(dbt.config.get("meta")))
    dbt.ref("int_customer_segments_assigned")
    if config.algorithm != "hierarchical":
        return empty_frame(DENDROGRAM_COLUMNS)
    run = run_with_selected_k(
        frame(dbt.ref("customer_features")),
        config,
        frame(dbt.ref("int_segment_model_selection")),
        naming_rules=frame(dbt.ref("segment_naming_rules")),
        previous_centroids=previous_table(session, dbt.this.schema, "int_segment_centroids"),
        excluded_customer_ids=anomalous_customer_ids(
            frame(dbt.ref("int_customer_anomalies_scored"))
        ),
    )
    return dendrogram_table(run)
