"""The fitted segmentation: per segment and feature the centroid's z-score (profiles for BI,
and what the next refit matches its segments to), the feature preparation and each segment's
identity, stamped with the fit (behaviorseg.segmentation.stored). Rewritten when model
selection refitted (the same deterministic fit as int_customer_segments_assigned), kept as it
is between refits."""

from behaviorseg.dbt_bridge import frame, previous_table, settings
from behaviorseg.refits import stamp_of
from behaviorseg.segmentation.runs import (
    anomalous_customer_ids,
    run_with_selected_k,
    segmentation_config,
)
from behaviorseg.segmentation.stored import fitted_state_table, stored_fit_applies


def model(dbt, session):
    config = segmentation_config(settings(dbt.config.get("meta")))
    # After the assignments, so both read the stored fit before this model replaces it.
    dbt.ref("int_customer_segments_assigned")
    selection = frame(dbt.ref("int_segment_model_selection"))
    fitted = previous_table(session, dbt.this.schema, dbt.this.identifier)
    if stored_fit_applies(selection, fitted, config.algorithm):
        return fitted
    run = run_with_selected_k(
        frame(dbt.ref("customer_features")),
        config,
        selection,
        naming_rules=frame(dbt.ref("segment_naming_rules")),
        previous_centroids=fitted,
        excluded_customer_ids=anomalous_customer_ids(
            frame(dbt.ref("int_customer_anomalies_scored"))
        ),
        customer_lifecycle=frame(dbt.ref("customer_lifecycle")),
    )
    return fitted_state_table(run, stamp_of(selection))
