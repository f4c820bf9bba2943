"""Publish only after a fully green build.

Every dbt invocation that runs the project's hooks (build, run, test, seed, snapshot) writes a
'started' row to ``audit.build_status`` in its first on-run-start hook and a 'green' or 'failed'
row in on-run-end (macros/privacy/privacy_tables.sql, log_run_results.sql). An invocation that
stopped in a hook (a raw gate that halts the run) has no end row. The Parquet marts and the
exports are written only when the latest such invocation ended green, so a failed build leaves
the last good files in place (docs/privacy.md).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

# dbt commands whose outcome says whether the warehouse is fit to publish.
BUILD_COMMANDS: tuple[str, ...] = ("build", "run", "test", "seed", "snapshot")


class BuildNotGreenError(RuntimeError):
    """The latest dbt build did not end green: nothing is published."""


def latest_build_status(warehouse: Path | str) -> tuple[str, str, str] | None:
    """(invocation_id, command, outcome) of the latest build-like invocation; outcome is
    'green', 'failed' or 'unfinished'. None when no build was ever recorded."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        has_table = connection.execute(
            "select count(*) from information_schema.tables"
            " where table_schema = 'audit' and table_name = 'build_status'"
        ).fetchone()[0]
        if not has_table:
            return None
        commands = ", ".join(f"'{command}'" for command in BUILD_COMMANDS)
        row = connection.execute(
            f"""
            with invocations as (
                select
                    invocation_id,
                    any_value(command) as command,
                    min(recorded_at) filter (where status = 'started') as started_at,
                    max(status) filter (where status in ('green', 'failed')) as ended
                from audit.build_status
                where command in ({commands})
                group by invocation_id
            )
            select invocation_id, command, coalesce(ended, 'unfinished')
            from invocations
            order by started_at desc nulls last
            limit 1
            """
        ).fetchone()
    return None if row is None else (row[0], row[1], row[2])


def require_green_build(warehouse: Path | str) -> None:
    """Raise BuildNotGreenError (with what to do) unless the latest build ended green."""
    status = latest_build_status(warehouse)
    if status is None:
        raise BuildNotGreenError(
            f"No dbt build is recorded in {warehouse} (audit.build_status): run `dbt build` "
            "first; nothing was published."
        )
    invocation_id, command, outcome = status
    if outcome != "green":
        what = "stopped before it finished" if outcome == "unfinished" else "failed"
        raise BuildNotGreenError(
            f"The latest `dbt {command}` (invocation {invocation_id}) {what}: nothing was "
            "published, the previous files stay. Fix the build (see logs/dbt.log and "
            "quality.dq_validation_results) and run it again."
        )
