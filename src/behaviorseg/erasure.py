"""`behaviorseg forget`: erase one customer and refresh every copy (docs/privacy.md).

1. ``dbt run-operation forget_customer`` (macros/privacy/forget_customer.sql) deletes the
   customer's rows through the contract's erasure keys in one transaction and records the
   erasure. The id travels in the environment variable BEHAVIORSEG_ERASE_CUSTOMER_ID, which the
   dbt-duckdb plugin turns into a session variable: it is in no SQL text, argument or log.
2. ``dbt build --full-refresh`` of every model but the staging base tables (which keep the
   loaded history) re-cuts persons stitched from several customers without the erased one.
3. When that build is green: the Parquet marts, the exports (the customer appears as ``left``
   in the change file) and the report are written again, so no copy keeps the customer.

A dry run runs step 1 with ``dry_run: true`` (rows per table that would go, nothing changed).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from behaviorseg.pii_key import ERASE_ENVIRONMENT_VARIABLE

DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")
# The models the rebuild leaves alone: the staging base tables hold every load's rows.
REBUILD_ARGS: tuple[str, ...] = (
    "build",
    "--full-refresh",
    "--exclude",
    "path:models/staging/*/base",
)
NOT_FOUND = "not found"


class ErasureError(RuntimeError):
    """A step of the erasure failed; the message says which and what is left."""


@dataclass(frozen=True)
class ErasureOutcome:
    """What `forget` did: the operation's report lines, whether the id was found."""

    lines: list[str]
    found: bool
    dry_run: bool


def operation_args(dry_run: bool) -> str:
    """The run-operation arguments: never the id (it is in the session variable)."""
    return "{dry_run: true}" if dry_run else "{dry_run: false}"


def report_lines(output: str) -> list[str]:
    """The forget_customer lines of dbt's output, without dbt's time stamps."""
    lines = []
    for line in output.splitlines():
        position = line.find("forget_customer:")
        if position >= 0:
            lines.append(line[position:])
    return lines


def run_dbt(args: tuple[str, ...] | list[str], env: Mapping[str, str], project_dir: Path) -> str:
    """Run dbt; raise ErasureError with the tail of its output when it fails."""
    completed = subprocess.run(
        [str(DBT_EXECUTABLE), "--no-use-colors", *args],
        cwd=project_dir,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    output = completed.stdout + completed.stderr
    if completed.returncode != 0:
        raise ErasureError(f"`dbt {' '.join(args)}` failed:\n{output[-3000:]}")
    return output


def erase(
    customer_id: str,
    *,
    dry_run: bool,
    warehouse: Path,
    project_dir: Path,
    environment: Mapping[str, str] | None = None,
) -> ErasureOutcome:
    """Steps 1 and 2: the operation, then (unless a dry run or not found) the rebuild."""
    if not customer_id.strip():
        raise ErasureError("forget needs a customer id")
    base_env = {**(os.environ if environment is None else environment)}
    base_env["DUCKDB_PATH"] = str(warehouse)
    operation_env = {**base_env, ERASE_ENVIRONMENT_VARIABLE: customer_id}
    output = run_dbt(
        ["run-operation", "forget_customer", "--args", operation_args(dry_run)],
        operation_env,
        project_dir,
    )
    lines = report_lines(output)
    found = not any(NOT_FOUND in line for line in lines)
    if found and not dry_run:
        base_env.pop(ERASE_ENVIRONMENT_VARIABLE, None)
        try:
            run_dbt(REBUILD_ARGS, base_env, project_dir)
        except ErasureError as failed:
            raise ErasureError(
                "The customer was erased from the warehouse, but the rebuild failed, so the "
                "Parquet marts, exports and report were not refreshed and still hold them: fix "
                "the build, then run `make build export report`.\n" + str(failed)
            ) from failed
    return ErasureOutcome(lines=lines, found=found, dry_run=dry_run)
