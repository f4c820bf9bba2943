"""Every customer in customer_features assigned to one named segment, from the one fit in
int_segmentation_fit: the fit's own labels in the run that made it; between refits, every
customer joins the nearest centroid of the stored fit."""

from behaviorseg.dbt_bridge import frame, log, settings
from behaviorseg.refits import stamp_of
from behaviorseg.segmentation.fit_table import assignments_from_fit
from behaviorseg.segmentation.runs import segmentation_config


def model(dbt, session):
    config = segmentation_config(settings(dbt.config.get("meta")))
    fit = frame(dbt.ref("int_segmentation_fit"))
    assignments, refitted = assignments_from_fit(
        frame(dbt.ref("customer_features")),
        fit,
        algorithm=config.algorithm,
        specs=config.feature_specs,
    )
    how = "refitted" if refitted else f"placed with the fit of {stamp_of(fit).fitted_as_of_date}"
    log(
        "int_customer_segments_assigned",
        f"{len(assignments)} customers in {assignments['segment_id'].nunique()} segments ({how})",
    )
    return assignments
