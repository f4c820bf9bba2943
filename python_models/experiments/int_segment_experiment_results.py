"""A/B results per experiment, segment and treatment variant against that segment's control:
conversion (two-proportion z-test) and revenue per customer (Welch's t-test)."""

from behaviorseg.dbt_bridge import frame, settings
from behaviorseg.experiments import segment_experiment_results


def model(dbt, session):
    options = settings(dbt.config.get("meta"))
    return segment_experiment_results(
        frame(dbt.ref("int_experiment_outcomes")),
        control_variant=options["experiment_control_variant"],
    )
