"""Quality gate on the marts BI reads (one row per customer, scores in range, shares summing to
1, probabilities in 0-1, ordered forecast intervals). Results go to
quality.dq_validation_results; a critical failure skips the exports downstream."""

from behaviorseg.dbt_bridge import log, settings
from behaviorseg.quality.gates import run_table_gate, summary
from behaviorseg.quality.suites import mart_targets


def model(dbt, session):
    options = settings(dbt.config.get("meta"))
    dbt.ref("customer_features")
    dbt.ref("customer_segments")
    dbt.ref("segment_profiles")
    dbt.ref("journey_markov")
    dbt.ref("journey_transitions")
    dbt.ref("activity_forecasts")
    targets = mart_targets()
    schema = options["marts_schema"]
    results = run_table_gate(
        session,
        "marts",
        targets,
        {target.table: f"{schema}.{target.table}" for target in targets},
        max_rows=int(options["quality_max_rows"]),
    )
    log("dq_gate_marts", summary(results))
    return results
