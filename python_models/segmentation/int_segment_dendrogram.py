"""Ward linkage of the hierarchical segmentation's sample, for a dendrogram (empty for the
other algorithms). Rewritten when model selection refitted, kept between refits."""

from behaviorseg.dbt_bridge import frame, previous_table, settings
from behaviorseg.refits import stamp_of, stamped
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
    selection = frame(dbt.ref("int_segment_model_selection"))
    if config.algorithm != "hierarchical":
        return stamped(empty_frame(DENDROGRAM_COLUMNS), stamp_of(selection))
    previous = previous_table(session, dbt.this.schema, dbt.this.identifier)
    stored = stamp_of(previous)
    if stored is not None and stored == stamp_of(selection):
        return previous
    run = run_with_selected_k(
        frame(dbt.ref("customer_features")),
        config,
        selection,
        naming_rules=frame(dbt.ref("segment_naming_rules")),
        previous_centroids=previous_table(session, dbt.this.schema, "int_segment_centroids"),
        excluded_customer_ids=anomalous_customer_ids(
            frame(dbt.ref("int_customer_anomalies_scored"))
        ),
        customer_lifecycle=frame(dbt.ref("customer_lifecycle")),
    )
    return stamped(dendrogram_table(run), stamp_of(selection))
