"""Quality gate on the raw files of this load (those not validated by an earlier run): the
per-file contract and row-level expectations of every entity. Results go to
quality.dq_validation_results; a critical failure stops the build before staging."""

from behaviorseg.dbt_bridge import log, settings
from behaviorseg.quality.gates import (
    formatted_entities_setting,
    run_raw_gate,
    summary,
    timestamp_floor_setting,
)


def model(dbt, session):
    options = settings(dbt.config.get("meta"))
    results = run_raw_gate(
        session,
        options["raw_data_dir"],
        max_rows=int(options["quality_max_rows"]),
        max_future_minutes=int(options["raw_max_future_minutes"]),
        timestamp_floor=timestamp_floor_setting(options["raw_timestamp_floor"]),
        formatted_entities=formatted_entities_setting(options["raw_formats"]),
    )
    log("dq_gate_raw", summary(results))
    return results
