"""Quality gate on the marts BI reads (one row per customer, scores in range, shares summing to
1, probabilities in 0-1, ordered forecast intervals). Results go to
quality.dq_validation_results; a critical failure skips the exports downstream."""

from behaviorseg.dbt_bridge import log, settings
from behaviorseg.quality.gates import run_table_gate, summary
from behaviorseg.quality.layers import first_empty_layer, warehouse_row_count
from behaviorseg.quality.suites import mart_targets


def model(dbt, session):
    options = settings(dbt.config.get("meta"))
    dbt.ref("customer_features")
    dbt.ref("customer_segments")
    dbt.ref("segment_profiles")
    dbt.ref("journey_markov")
    dbt.ref("journey_transitions")
    dbt.ref("activity_forecasts")
    dbt.ref("dim_customers")
    dbt.ref("identity_map")
    schema = options["marts_schema"]
    # An empty build fails on its cause: the first layer that came out empty, and why.
    empty = first_empty_layer(
        warehouse_row_count(session, {"staging": options["staging_schema"], "marts": schema})
    )
    if empty:
        raise RuntimeError(f"dq_gate_marts: {empty}")
    targets = mart_targets()
    results = run_table_gate(
        session,
        "marts",
        targets,
        {target.table: f"{schema}.{target.table}" for target in targets},
        max_rows=int(options["quality_max_rows"]),
    )
    log("dq_gate_marts", summary(results))
    return results
