"""Quality gate on the staging tables (keys, value sets, amounts, hashed contact data).
Results go to quality.dq_validation_results; a critical failure stops the build before the
intermediate layer."""

import datetime as dt

from behaviorseg.dbt_bridge import log, settings
from behaviorseg.quality.gates import run_table_gate, summary
from behaviorseg.quality.runner import utc_now
from behaviorseg.quality.suites import staging_targets


def model(dbt, session):
    options = settings(dbt.config.get("meta"))
    # The tables this gate validates (dbt reads these calls to order the DAG).
    dbt.ref("stg_web__events")
    dbt.ref("stg_commerce__orders")
    dbt.ref("stg_crm__customers")
    # The floor staging quarantines by (var raw_timestamp_floor), so the gate checks that rule.
    floor = dt.datetime.fromisoformat(str(options["raw_timestamp_floor"]))
    targets = staging_targets(utc_now(), timestamp_floor=floor)
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
