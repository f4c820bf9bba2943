"""Every customer in customer_features assigned to one named segment. When model selection
refitted, the selected k is refitted and segment ids and names are matched to the previous
fit's centroids (Hungarian) so they stay stable; between refits, every customer joins the
nearest centroid of the stored fit (int_segment_centroids)."""

from behaviorseg.dbt_bridge import frame, log, previous_table, settings
from behaviorseg.refits import stamp_of
from behaviorseg.segmentation.runs import (
    anomalous_customer_ids,
    customer_assignments,
    run_with_selected_k,
    segmentation_config,
    untracked_customer_ids,
)
from behaviorseg.segmentation.stored import assign_with_stored_fit, stored_fit_applies


def model(dbt, session):
    config = segmentation_config(settings(dbt.config.get("meta")))
    features = frame(dbt.ref("customer_features"))
    selection = frame(dbt.ref("int_segment_model_selection"))
    fitted = previous_table(session, dbt.this.schema, "int_segment_centroids")
    if stored_fit_applies(selection, fitted, config.algorithm):
        assignments = assign_with_stored_fit(
            features,
            fitted,
            algorithm=config.algorithm,
            untracked_customer_ids=untracked_customer_ids(features),
            specs=config.feature_specs,
        )
        how = f"placed with the fit of {stamp_of(fitted).fitted_as_of_date}"
    else:
        run = run_with_selected_k(
            features,
            config,
            selection,
            naming_rules=frame(dbt.ref("segment_naming_rules")),
            previous_centroids=fitted,
            excluded_customer_ids=anomalous_customer_ids(
                frame(dbt.ref("int_customer_anomalies_scored"))
            ),
            customer_lifecycle=frame(dbt.ref("customer_lifecycle")),
        )
        if run is not None and run.dropped_groups:
            log(
                "int_customer_segments_assigned",
                "feature groups left out (entirely null or constant): "
                + ", ".join(run.dropped_groups),
            )
        assignments = customer_assignments(features, run, config.algorithm)
        how = "refitted"
    log(
        "int_customer_segments_assigned",
        f"{len(assignments)} customers in {assignments['segment_id'].nunique()} segments ({how})",
    )
    return assignments
