"""The segmentation fit, made once per refit: when model selection refitted (or the stored fit
cannot be applied), the selected k is clustered once, segment ids and names are matched to the
previous fit's centroids (Hungarian) so they stay stable, and the fit's centroids, dendrogram
and customer labels are stored in one table (behaviorseg.segmentation.fit_table); between
refits the stored fit is kept without its labels."""

from behaviorseg.dbt_bridge import frame, log, previous_table, settings
from behaviorseg.refits import stamp_of
from behaviorseg.segmentation.fit_table import (
    CENTROID,
    fit_output,
    kept_fit,
    segmentation_fit_table,
)
from behaviorseg.segmentation.runs import (
    anomalous_customer_ids,
    run_with_selected_k,
    segmentation_config,
)
from behaviorseg.segmentation.stored import stored_fit_applies


def model(dbt, session):
    config = segmentation_config(settings(dbt.config.get("meta")))
    features = frame(dbt.ref("customer_features"))
    selection = frame(dbt.ref("int_segment_model_selection"))
    previous = previous_table(session, dbt.this.schema, dbt.this.identifier)
    if previous is not None:
        stored = fit_output(previous, CENTROID)
        if stored_fit_applies(selection, stored, config.algorithm):
            log("int_segmentation_fit", f"kept the fit of {stamp_of(stored).fitted_as_of_date}")
            return kept_fit(previous)
    else:  # a warehouse from before this table: match the ids to the stored centroids
        stored = previous_table(session, dbt.this.schema, "int_segment_centroids")
    run = run_with_selected_k(
        features,
        config,
        selection,
        naming_rules=frame(dbt.ref("segment_naming_rules")),
        previous_centroids=stored,
        excluded_customer_ids=anomalous_customer_ids(
            frame(dbt.ref("int_customer_anomalies_scored"))
        ),
        customer_lifecycle=frame(dbt.ref("customer_lifecycle")),
    )
    if run is not None and run.dropped_groups:
        log(
            "int_segmentation_fit",
            "feature groups left out (entirely null or constant): " + ", ".join(run.dropped_groups),
        )
    return segmentation_fit_table(features, run, config.algorithm, stamp_of(selection))
