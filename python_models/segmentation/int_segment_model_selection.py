"""Scores each k for the segmentation: silhouette, WCSS (elbow), Davies-Bouldin,
Calinski-Harabasz; marks the selected row (best silhouette unless var segment_k fixes k)."""

from behaviorseg.dbt_bridge import frame, log, settings
from behaviorseg.segmentation.runs import model_selection_table, segmentation_config


def model(dbt, session):
    config = segmentation_config(settings(dbt.config.get("meta")))
    features = frame(dbt.ref("customer_features"))
    table = model_selection_table(features, config)
    chosen = table[table["is_selected"].astype(bool)]
    if chosen.empty:
        log("int_segment_model_selection", f"{len(features)} customers: too few to cluster")
    else:
        row = chosen.iloc[0]
        log(
            "int_segment_model_selection",
            f"{len(features)} customers, {config.algorithm}: k={row['k']} selected by "
            f"{row['selected_by']} (silhouette {row['silhouette']:.3f})",
        )
    return table
