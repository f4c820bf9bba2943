"""Data Docs: the static HTML site of a run's validation results, built offline.

The site is built from the tidy results frame (e.g. ``dq_validation_results``), not from live
GX objects, so it can be rebuilt after ``dbt build`` from the warehouse alone: each
(run, suite, table/file) group becomes one GX ``ExpectationSuiteValidationResult`` in an
in-memory store, and GX's own ``SiteBuilder`` renders them into a folder
(``<docs_dir>/index.html``). Skipped suites are not rendered (they are in the results table).

Building needs no network. The pages link Bootstrap/jQuery from public CDNs, so viewed offline
they show unstyled but complete.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

from behaviorseg.quality.gx_context import DOCS_SITE_NAME, quiet_context
from behaviorseg.quality.runner import RESULT_COLUMNS, Status


def batch_identifier(data_asset: str) -> str:
    """A file-name-safe identifier of a table or file (the page name of its results)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(data_asset)).strip("_") or "table"


def expectation_result(row: Any) -> ExpectationValidationResult:
    """One results-frame row as a GX expectation result."""
    configuration = ExpectationConfiguration(
        type=row.expectation,
        kwargs=json.loads(row.kwargs or "{}"),
        meta={"severity": row.severity, "rule": row.rule, "check_id": row.check_id},
        description=f"{row.column}: {row.rule}",
    )
    observed = str(row.observed_value or "")
    error = observed.removeprefix("error: ") if observed.startswith("error: ") else None
    # GX's renderer reads all three keys.
    exception_info = {
        "raised_exception": error is not None,
        "exception_message": error,
        "exception_traceback": error,
    }
    result: dict[str, Any] = {"observed_value": observed}
    if not pd.isna(row.unexpected_count):
        result = {
            "element_count": int(row.element_count),
            "unexpected_count": int(row.unexpected_count),
            "unexpected_percent": (
                None if pd.isna(row.unexpected_percent) else float(row.unexpected_percent)
            ),
            "partial_unexpected_list": [],
        }
    return ExpectationValidationResult(
        success=bool(row.success),
        expectation_config=configuration,
        result=result,
        exception_info=exception_info,
    )


def suite_validation_result(group: pd.DataFrame) -> ExpectationSuiteValidationResult:
    """The rows of one (run, suite, table/file) as a GX suite validation result."""
    first = group.iloc[0]
    results = [expectation_result(row) for row in group.itertuples(index=False)]
    passed = sum(result.success for result in results)
    run_time = pd.Timestamp(first.run_at).to_pydatetime().replace(tzinfo=dt.UTC)
    return ExpectationSuiteValidationResult(
        success=passed == len(results),
        results=results,
        suite_name=first.suite_name,
        statistics={
            "evaluated_expectations": len(results),
            "successful_expectations": passed,
            "unsuccessful_expectations": len(results) - passed,
            "success_percent": 100.0 * passed / len(results) if results else None,
        },
        meta={
            "run_id": RunIdentifier(run_name=first.run_id, run_time=run_time),
            "batch_spec": {"data_asset_name": str(first.data_asset)},
            "validation_time": run_time,
        },
    )


def build_data_docs(results: pd.DataFrame, docs_dir: Path | str) -> Path:
    """Build the Data Docs site of ``results`` into ``docs_dir``; returns its ``index.html``."""
    docs_dir = Path(docs_dir).resolve()
    docs_dir.mkdir(parents=True, exist_ok=True)
    context = quiet_context(docs_dir)
    ran = results[results["status"] != Status.SKIPPED.value]
    for (_run_id, suite_name, data_asset), group in ran.groupby(
        ["run_id", "suite_name", "data_asset"], sort=True, dropna=False
    ):
        validation = suite_validation_result(group)
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=str(suite_name)),
            run_id=validation.meta["run_id"],
            batch_identifier=batch_identifier(str(data_asset)),
        )
        context.validation_results_store.set(key, validation)
    context.build_data_docs(site_names=[DOCS_SITE_NAME])
    return docs_dir / "index.html"


def latest_gate_results(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The results of each gate's latest run from quality.dq_validation_results (empty when
    no gate has run yet)."""
    exists = connection.sql(
        "select count(*) from information_schema.tables "
        "where table_schema = 'quality' and table_name = 'dq_validation_results'"
    ).fetchall()[0][0]
    if not exists:
        return pd.DataFrame(columns=["gate", *RESULT_COLUMNS])
    return connection.sql(
        """
        with latest_runs as (
            select gate, max(run_id) as run_id
            from quality.dq_validation_results
            group by gate
        )
        select results.*
        from quality.dq_validation_results as results
        inner join latest_runs using (gate, run_id)
        order by results.gate, results.suite_name, results.check_id
        """
    ).df()


def build_data_docs_from_warehouse(warehouse: Path | str, docs_dir: Path | str) -> Path | None:
    """Data Docs of every gate's latest run in the warehouse; None when no gate has run."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        results = latest_gate_results(connection)
    if results.empty:
        return None
    return build_data_docs(results, docs_dir)
