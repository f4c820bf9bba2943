"""Per profile feature, the Kruskal-Wallis test of whether the segments differ on it (read from
the long per-customer values int_segment_feature_profiles aggregates in SQL)."""

from behaviorseg.dbt_bridge import frame
from behaviorseg.segmentation.profiles import segment_feature_tests


def model(dbt, session):
    return segment_feature_tests(frame(dbt.ref("int_customer_feature_values")))
