"""Per segment: size, share and business metrics (conversion, AOV, retention, churn)."""

from behaviorseg.dbt_bridge import frame
from behaviorseg.segmentation.runs import profile_table


def model(dbt, session):
    return profile_table(
        frame(dbt.ref("customer_features")), frame(dbt.ref("int_customer_segments_assigned"))
    )
