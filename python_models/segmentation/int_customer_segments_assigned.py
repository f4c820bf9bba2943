"""Every customer in customer_features assigned to one named segment, refitted at the selected
k; segment ids and names matched to the previous run's centroids (Hungarian) so they stay
stable from run to run."""

from behaviorseg.dbt_bridge import frame, log, previous_table, settings
from behaviorseg.segmentation.runs import (
    anomalous_customer_ids,
    customer_assignments,
    run_with_selected_k,
    segmentation_config,
)


def model(dbt, session):
    config = segmentation_config(settings(dbt.config.get("meta")))
    features = frame(dbt.ref("customer_features"))
    run = run_with_selected_k(
        features,
        config,
        frame(dbt.ref("int_segment_model_selection")),
        naming_rules=frame(dbt.ref("segment_naming_rules")),
        previous_centroids=previous_table(session, dbt.this.schema, "int_segment_centroids"),
        excluded_customer_ids=anomalous_customer_ids(
            frame(dbt.ref("int_customer_anomalies_scored"))
        ),
    )
    if run is not None and run.dropped_groups:
        log(
            "int_customer_segments_assigned",
            "feature groups left out (entirely null or constant): " + ", ".join(run.dropped_groups),
        )
    assignments = customer_assignments(features, run, config.algorithm)
    log(
        "int_customer_segments_assigned",
        f"{len(assignments)} customers in {assignments['segment_id'].nunique()} segments",
    )
    return assignments
