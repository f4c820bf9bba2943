"""Per segment and feature: mean and median in original units, z-score profile, and the
feature's Kruskal-Wallis test of whether segments differ."""

from behaviorseg.dbt_bridge import frame, settings
from behaviorseg.segmentation.runs import feature_profile_table, segmentation_config


def model(dbt, session):
    config = segmentation_config(settings(dbt.config.get("meta")))
    return feature_profile_table(
        frame(dbt.ref("customer_features")),
        frame(dbt.ref("int_customer_segments_assigned")),
        config,
    )
