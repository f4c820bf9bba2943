"""Quality gate on the staging tables (keys, value sets, amounts, hashed contact data).
Results go to quality.dq_validation_results; a critical failure stops the build before the
intermediate layer."""

from behaviorseg.dbt_bridge import frame, log, settings
from behaviorseg.quality.gates import run_table_gate, summary, timestamp_floor_setting
from behaviorseg.quality.runner import utc_now
from behaviorseg.quality.suites import staging_targets
from behaviorseg.vocabulary import mapped_raw_event_types


def model(dbt, session):
    options = settings(dbt.config.get("meta"))
    # The tables this gate validates (dbt reads these calls to order the DAG).
    dbt.ref("stg_web__events")
    dbt.ref("stg_commerce__orders")
    dbt.ref("stg_crm__customers")
    # The event vocabulary in force (seed event_type_map with var event_type_map_overrides).
    web_event_types = mapped_raw_event_types(frame(dbt.ref("int_event_type_map")), "web")
    targets = staging_targets(
        utc_now(), timestamp_floor_setting(options["raw_timestamp_floor"]), web_event_types
    )
    schema = options["staging_schema"]
    results = run_table_gate(
        session,
        "staging",
        targets,
        {target.table: f"{schema}.{target.table}" for target in targets},
        max_rows=int(options["quality_max_rows"]),
    )
    log("dq_gate_staging", summary(results))
    return results
