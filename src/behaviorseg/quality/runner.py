"""Validate a table in bounded batches with GX's pandas datasource and combine the results.

How batches combine (each expectation is planned into one of three groups by its type):

- ``every_batch`` (schema: a column exists, the column set): validated on every batch; the
  expectation passes only when it passes on every batch.
- ``summed_counts`` (row-local map expectations: not null, in set, between, regex, column pair
  A > B ...): validated on every batch; element, missing and unexpected counts are summed over
  the batches and ``mostly`` is applied to the totals with GX's own rule
  ``(considered - unexpected) / considered >= mostly`` (considered = element - missing; no rows
  considered = vacuously true). Without ``mostly`` that is "every batch passes"; with it, a
  batch slightly over the threshold does not fail a table that is within it overall.
- ``whole_column`` (everything else: uniqueness, proportion of unique values, compound
  uniqueness, row count, column sum/min/max/mean ...): these are not combinable from per-batch
  results, so only the columns they reference are kept from each batch and concatenated, and the
  expectations run once on that narrow frame (a row count needs no column: an index-only frame).
  Memory is bounded by the referenced columns, not by the table width. A duplicate id that
  straddles two batches is therefore still found.

When a frame has a ``source_file`` column, GX is asked for the ``source_file`` of failing rows
(``unexpected_index_column_names``) and the results name the files (``unexpected_sources``).

Results come back as a tidy frame (:data:`RESULT_COLUMNS`), one row per expectation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pandas as pd
from great_expectations.util import convert_to_json_serializable

from behaviorseg.quality.checks import (
    SOURCE_FILE_COLUMN,
    check_meta,
    expectation_kwargs,
    referenced_columns,
    target_column,
)
from behaviorseg.quality.gx_context import gx, gx_warnings_silenced, pandas_batch_definition

RESULT_COLUMNS: tuple[str, ...] = (
    "run_id",
    "suite_name",
    "expectation",
    "column",
    "success",
    "observed_value",
    "severity",
    "run_at",
    "layer",
    "data_asset",
    "rule",
    "status",
    "check_id",
    "combination",
    "element_count",
    "unexpected_count",
    "unexpected_percent",
    "batches",
    "unexpected_sources",
    "kwargs",
)
RESULT_DTYPES: dict[str, str] = {
    "success": "boolean",
    "element_count": "Int64",
    "unexpected_count": "Int64",
    "unexpected_percent": "Float64",
    "batches": "Int64",
}
MAX_EXAMPLES = 5
COMPLETE_RESULTS_MAX_ROWS = 10_000
UNREADABLE_EXPECTATION = "expect_data_to_be_readable"


class Combination(StrEnum):
    """How the per-batch results of an expectation combine into one result."""

    EVERY_BATCH = "every_batch"
    SUMMED_COUNTS = "summed_counts"
    WHOLE_COLUMN = "whole_column"


class Status(StrEnum):
    """Outcome of one expectation in a run."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


SCHEMA_TYPES = frozenset(
    {
        "expect_column_to_exist",
        "expect_table_columns_to_match_set",
        "expect_table_columns_to_match_ordered_list",
        "expect_table_column_count_to_equal",
        "expect_table_column_count_to_be_between",
    }
)
ROW_LOCAL_TYPES = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_be_between",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_not_match_regex",
        "expect_column_values_to_match_regex_list",
        "expect_column_values_to_not_match_regex_list",
        "expect_column_values_to_match_like_pattern",
        "expect_column_values_to_not_match_like_pattern",
        "expect_column_values_to_match_strftime_format",
        "expect_column_values_to_be_dateutil_parseable",
        "expect_column_values_to_be_json_parseable",
        "expect_column_value_lengths_to_be_between",
        "expect_column_value_lengths_to_equal",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "expect_column_pair_values_to_be_equal",
        "expect_column_pair_values_to_be_in_set",
        "expect_multicolumn_sum_to_equal",
        "expect_select_column_values_to_be_unique_within_record",
    }
)


class CriticalQualityError(RuntimeError):
    """A critical expectation failed: the run must stop before anything downstream is built."""


def combination_for(expectation_type: str) -> Combination:
    """How results of an expectation type combine over batches (see the module docstring)."""
    if expectation_type in SCHEMA_TYPES:
        return Combination.EVERY_BATCH
    if expectation_type in ROW_LOCAL_TYPES:
        return Combination.SUMMED_COUNTS
    return Combination.WHOLE_COLUMN


@dataclass(frozen=True)
class BatchOutcome:
    """One expectation's result on one frame."""

    success: bool
    result: Mapping[str, Any]
    error: str | None = None


@dataclass
class ValidationPlan:
    """A suite split into what runs on every batch and what runs once on the whole columns."""

    per_batch_suite: gx.ExpectationSuite | None
    whole_column_suite: gx.ExpectationSuite | None
    whole_columns: list[str] = field(default_factory=list)

    @classmethod
    def for_suite(cls, suite: gx.ExpectationSuite) -> ValidationPlan:
        """Split ``suite`` by :func:`combination_for`; expectations are copied, not moved."""
        per_batch, whole = [], []
        for expectation in suite.expectations:
            if combination_for(expectation.expectation_type) is Combination.WHOLE_COLUMN:
                whole.append(expectation)
            else:
                per_batch.append(expectation)
        columns = [
            column
            for expectation in whole
            for column in referenced_columns(expectation_kwargs(expectation))
        ]
        return cls(
            per_batch_suite=copy_suite(f"{suite.name}__per_batch", per_batch),
            whole_column_suite=copy_suite(f"{suite.name}__whole_column", whole),
            whole_columns=list(dict.fromkeys(columns)),
        )


def copy_suite(name: str, expectations: list[Any]) -> gx.ExpectationSuite | None:
    """A new suite holding copies of ``expectations`` (None when there are none)."""
    if not expectations:
        return None
    suite = gx.ExpectationSuite(name=name)
    for expectation in expectations:
        suite.add_expectation(expectation.configuration.to_domain_obj())
    return suite


def new_run_id(run_at: dt.datetime | None = None) -> str:
    """A readable, unique run id: ``<UTC time>-<8 hex>``."""
    moment = utc_now() if run_at is None else run_at
    return f"{moment:%Y%m%dT%H%M%S}Z-{uuid.uuid4().hex[:8]}"


def utc_now() -> dt.datetime:
    """Now as naive UTC (the project's timestamp convention)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def result_format_for(frame: pd.DataFrame) -> str | dict[str, Any]:
    """BASIC, or - when rows carry their ``source_file`` - the files of failing rows too: all of
    them for small frames (COMPLETE, e.g. one row per file), the first 20 otherwise (SUMMARY)."""
    if SOURCE_FILE_COLUMN not in frame.columns:
        return "BASIC"
    level = "COMPLETE" if len(frame) <= COMPLETE_RESULTS_MAX_ROWS else "SUMMARY"
    return {"result_format": level, "unexpected_index_column_names": [SOURCE_FILE_COLUMN]}


def validate_frame(suite: gx.ExpectationSuite, frame: pd.DataFrame) -> dict[str, BatchOutcome]:
    """Run ``suite`` on one frame through the pandas datasource; outcomes keyed by check id."""
    batch = pandas_batch_definition().get_batch(batch_parameters={"dataframe": frame})
    with gx_warnings_silenced():
        validation = batch.validate(suite, result_format=result_format_for(frame))
    outcomes = {}
    for result in validation.results:
        key = (result.expectation_config.meta or {}).get("check_id")
        outcomes[key] = BatchOutcome(
            success=bool(result.success),
            result=dict(result.result or {}),
            error=exception_message(result.exception_info),
        )
    return outcomes


def exception_message(exception_info: Mapping[str, Any] | None) -> str | None:
    """The error GX caught while validating, if any (top level or per metric)."""
    if not exception_info:
        return None
    if exception_info.get("raised_exception"):
        return readable_error(str(exception_info.get("exception_message")))
    for value in exception_info.values():
        if isinstance(value, Mapping) and value.get("raised_exception"):
            return readable_error(str(value.get("exception_message")))
    return None


def readable_error(message: str) -> str:
    """GX's error text, with pandas' wording for a row condition on a missing column
    (``name 'x' is not defined``) replaced by what it means."""
    missing = re.fullmatch(r"name '(.+)' is not defined", message.strip())
    if missing:
        return f'The row condition column "{missing.group(1)}" does not exist.'
    return message


def validate_batches(
    suite: gx.ExpectationSuite,
    batches: Iterable[pd.DataFrame],
    *,
    data_asset: str | None = None,
    run_id: str | None = None,
    run_at: dt.datetime | None = None,
) -> pd.DataFrame:
    """Validate a table given as frames, one batch in memory at a time; tidy results frame.

    ``data_asset`` names the table or file in the results and in error messages (default: the
    suite's ``table`` meta). No batch at all counts as one empty batch without columns.
    """
    run_at = utc_now() if run_at is None else run_at
    run_id = new_run_id(run_at) if run_id is None else run_id
    plan = ValidationPlan.for_suite(suite)
    per_batch: dict[str, list[BatchOutcome]] = {}
    kept_columns: list[pd.DataFrame] = []
    total_rows = 0
    batch_count = 0
    for frame in batches_or_one_empty(batches):
        batch_count += 1
        total_rows += len(frame)
        if plan.per_batch_suite is not None:
            for key, outcome in validate_frame(plan.per_batch_suite, frame).items():
                per_batch.setdefault(key, []).append(outcome)
        if plan.whole_column_suite is not None:
            # A deep copy, so the batch itself can be freed (pandas copy-on-write would keep it).
            wanted = [*plan.whole_columns, SOURCE_FILE_COLUMN]
            kept = frame[[c for c in wanted if c in frame.columns]].copy(deep=True)
            kept_columns.append(kept)
    whole: dict[str, BatchOutcome] = {}
    if plan.whole_column_suite is not None:
        whole_frame = concat_kept_columns(kept_columns, total_rows)
        kept_columns.clear()
        whole = validate_frame(plan.whole_column_suite, whole_frame)
    rows = []
    for expectation in suite.expectations:
        key = check_meta(expectation, "check_id")
        combination = combination_for(expectation.expectation_type)
        outcomes = [whole[key]] if key in whole else per_batch.get(key, [])
        combined = combine_outcomes(expectation, combination, outcomes, total_rows)
        rows.append(
            result_row(
                suite,
                expectation,
                combined,
                combination=combination,
                data_asset=data_asset,
                run_id=run_id,
                run_at=run_at,
                batch_count=batch_count,
            )
        )
    return results_frame(rows)


def batches_or_one_empty(batches: Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """The batches; a single empty frame when there are none."""
    seen = False
    for frame in batches:
        seen = True
        yield frame
    if not seen:
        yield pd.DataFrame()


def concat_kept_columns(pieces: list[pd.DataFrame], total_rows: int) -> pd.DataFrame:
    """The referenced columns of all batches as one frame with exactly ``total_rows`` rows
    (a column missing from some batches is null there; none at all: an index-only frame)."""
    columns = list(dict.fromkeys(column for piece in pieces for column in piece.columns))
    if not columns:
        return pd.DataFrame(index=pd.RangeIndex(total_rows))
    aligned = [piece.reindex(columns=columns) for piece in pieces]
    return pd.concat(aligned, ignore_index=True)


@dataclass(frozen=True)
class CombinedOutcome:
    """One expectation's result over all batches."""

    success: bool
    observed_value: str
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    unexpected_sources: tuple[str, ...] = ()


def combine_outcomes(
    expectation: Any, combination: Combination, outcomes: list[BatchOutcome], total_rows: int
) -> CombinedOutcome:
    """Fold per-batch outcomes into one (see the module docstring for the rules)."""
    errors = [outcome.error for outcome in outcomes if outcome.error]
    if errors:
        return CombinedOutcome(success=False, observed_value=f"error: {errors[0]}")
    if not outcomes:
        return CombinedOutcome(success=False, observed_value="error: expectation was not run")
    if combination is Combination.SUMMED_COUNTS:
        return combine_counts(expectation, outcomes)
    if combination is Combination.EVERY_BATCH:
        failing = [outcome for outcome in outcomes if not outcome.success]
        shown = failing[0] if failing else outcomes[0]
        return CombinedOutcome(
            success=not failing,
            observed_value=observed_text(expectation, shown),
            element_count=total_rows,
        )
    outcome = outcomes[0]
    if "unexpected_count" in outcome.result:
        counted = combine_counts(expectation, outcomes)
        return dataclasses.replace(counted, success=outcome.success)
    return CombinedOutcome(
        success=outcome.success,
        observed_value=observed_text(expectation, outcome),
        element_count=total_rows,
    )


def combine_counts(expectation: Any, outcomes: list[BatchOutcome]) -> CombinedOutcome:
    """Sum element/missing/unexpected counts and apply ``mostly`` to the totals, as GX does."""
    element = sum(int(outcome.result.get("element_count") or 0) for outcome in outcomes)
    missing = sum(int(outcome.result.get("missing_count") or 0) for outcome in outcomes)
    unexpected = sum(int(outcome.result.get("unexpected_count") or 0) for outcome in outcomes)
    considered = element - missing
    mostly = float(expectation_kwargs(expectation).get("mostly", 1.0))
    if considered == 0:
        success = all(outcome.success for outcome in outcomes)
        percent = None
    else:
        success = (considered - unexpected) / considered >= mostly
        percent = 100.0 * unexpected / considered
    examples = [
        value for outcome in outcomes for value in outcome.result.get("partial_unexpected_list", [])
    ][:MAX_EXAMPLES]
    if expectation.expectation_type == "expect_column_values_to_not_be_null":
        examples = []  # the unexpected values of a not-null check are all null
    sources = unexpected_sources(outcomes)
    observed = f"{unexpected} unexpected of {considered}"
    if percent is not None:
        observed += f" ({percent:.3g}%)"
    if examples:
        observed += f"; e.g. {format_value(examples)}"
    if sources:
        observed += f"; in {sources_text(sources)}"
    return CombinedOutcome(
        success=success,
        observed_value=observed,
        element_count=element,
        unexpected_count=unexpected,
        unexpected_percent=percent,
        unexpected_sources=sources,
    )


def unexpected_sources(outcomes: list[BatchOutcome]) -> tuple[str, ...]:
    """Distinct ``source_file`` values of failing rows, in order (when GX was asked for them)."""
    sources: dict[str, None] = {}
    for outcome in outcomes:
        rows = outcome.result.get("unexpected_index_list") or outcome.result.get(
            "partial_unexpected_index_list"
        )
        for row in rows or ():
            if isinstance(row, Mapping) and row.get(SOURCE_FILE_COLUMN) is not None:
                sources[str(row[SOURCE_FILE_COLUMN])] = None
    return tuple(sources)


def sources_text(sources: tuple[str, ...]) -> str:
    """``'a.parquet', 'b.parquet' (+3 more)``."""
    shown = ", ".join(f"'{source}'" for source in sources[:MAX_EXAMPLES])
    hidden = len(sources) - MAX_EXAMPLES
    return shown + (f" (+{hidden} more)" if hidden > 0 else "")


def observed_text(expectation: Any, outcome: BatchOutcome) -> str:
    """What was observed, as text (the column set, the row count, the sum, present/absent ...)."""
    if expectation.expectation_type == "expect_column_to_exist":
        return "present" if outcome.success else "absent"
    if "observed_value" not in outcome.result:
        return ""
    text = format_value(outcome.result["observed_value"])
    mismatched = (outcome.result.get("details") or {}).get("mismatched")
    if mismatched:
        text += f"; mismatched: {format_value(mismatched)}"
    return text


def format_value(value: Any) -> str:
    """A JSON-ish text of any observed value (numpy scalars, timestamps, tuples included)."""
    serialisable = convert_to_json_serializable(value)
    if isinstance(serialisable, str):
        return serialisable
    return json.dumps(serialisable, default=str)


def result_row(
    suite: gx.ExpectationSuite,
    expectation: Any,
    combined: CombinedOutcome,
    *,
    combination: Combination,
    data_asset: str | None,
    run_id: str,
    run_at: dt.datetime,
    batch_count: int,
) -> dict[str, Any]:
    """One row of the results frame."""
    kwargs = expectation_kwargs(expectation)
    return {
        "run_id": run_id,
        "suite_name": suite.name,
        "expectation": expectation.expectation_type,
        "column": target_column(expectation),
        "success": combined.success,
        "observed_value": combined.observed_value,
        "severity": check_meta(expectation, "severity"),
        "run_at": run_at,
        "layer": (suite.meta or {}).get("layer"),
        "data_asset": data_asset or (suite.meta or {}).get("table"),
        "rule": check_meta(expectation, "rule"),
        "status": Status.PASSED.value if combined.success else Status.FAILED.value,
        "check_id": check_meta(expectation, "check_id"),
        "combination": combination.value,
        "element_count": combined.element_count,
        "unexpected_count": combined.unexpected_count,
        "unexpected_percent": combined.unexpected_percent,
        "batches": batch_count,
        "unexpected_sources": (
            json.dumps(list(combined.unexpected_sources)) if combined.unexpected_sources else None
        ),
        "kwargs": kwargs_json(kwargs),
    }


def kwargs_json(kwargs: Mapping[str, Any]) -> str:
    """The expectation's arguments as JSON text (what Data Docs rebuilds the expectation from)."""
    cleaned = {key: value for key, value in kwargs.items() if key != "batch_id"}
    return json.dumps(convert_to_json_serializable(cleaned), sort_keys=True)


def results_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows as the tidy results frame with :data:`RESULT_COLUMNS` and stable dtypes."""
    frame = pd.DataFrame(list(rows), columns=list(RESULT_COLUMNS))
    run_at = pd.to_datetime(frame["run_at"], utc=True)
    frame["run_at"] = run_at.dt.tz_localize(None)
    return frame.astype(RESULT_DTYPES)


def skipped_suite_results(
    suite: gx.ExpectationSuite,
    reason: str,
    *,
    data_asset: str | None = None,
    run_id: str,
    run_at: dt.datetime,
) -> pd.DataFrame:
    """One ``skipped`` row per expectation of a suite that could not run, with the reason."""
    rows = []
    for expectation in suite.expectations:
        row = result_row(
            suite,
            expectation,
            CombinedOutcome(success=True, observed_value=reason),
            combination=combination_for(expectation.expectation_type),
            data_asset=data_asset,
            run_id=run_id,
            run_at=run_at,
            batch_count=0,
        )
        row.update(success=None, status=Status.SKIPPED.value)
        rows.append(row)
    return results_frame(rows)


def unreadable_result(
    suite: gx.ExpectationSuite,
    data_asset: str,
    error: str,
    *,
    rule: str,
    run_id: str,
    run_at: dt.datetime,
) -> pd.DataFrame:
    """A critical failure row for data that cannot be read at all (a 0-byte file, a query on a
    table that lacks its columns): the suite could not run, which breaks the contract."""
    return results_frame(
        [
            {
                "run_id": run_id,
                "suite_name": suite.name,
                "expectation": UNREADABLE_EXPECTATION,
                "column": "table",
                "success": False,
                "observed_value": f"error: {error}",
                "severity": "critical",
                "run_at": run_at,
                "layer": (suite.meta or {}).get("layer"),
                "data_asset": data_asset,
                "rule": rule,
                "status": Status.FAILED.value,
                "check_id": f"{suite.name}#readable",
                "combination": Combination.EVERY_BATCH.value,
                "batches": 0,
                "kwargs": "{}",
            }
        ]
    )


def critical_failures(results: pd.DataFrame) -> pd.DataFrame:
    """Rows of failed critical expectations."""
    failed = results["status"] == Status.FAILED.value
    return results[failed & (results["severity"] == "critical")]


def raise_on_critical(results: pd.DataFrame) -> None:
    """Raise :class:`CriticalQualityError` naming the table or file, column, rule and suite of
    every failed critical expectation (one line per failing file when rows name their files);
    warnings and skipped suites never raise."""
    failures = critical_failures(results)
    if failures.empty:
        return
    lines = [line for row in failures.itertuples(index=False) for line in failure_lines(row)]
    raise CriticalQualityError(
        f"{len(failures)} critical data quality expectation(s) failed:\n" + "\n".join(lines)
    )


def failure_lines(row: Any) -> list[str]:
    """Message lines of one failed result row: one per failing file, else one for the table."""
    sources = json.loads(row.unexpected_sources) if isinstance(row.unexpected_sources, str) else []
    locations = [f"file '{source}'" for source in sources] or [asset_label(row.data_asset)]
    return [
        f"- {location}: column '{row.column}', rule '{row.rule}' "
        f"(suite '{row.suite_name}', {row.expectation}); observed {row.observed_value or 'n/a'}"
        for location in locations
    ]


def asset_label(data_asset: str | None) -> str:
    """How a table, file or folder is named in messages."""
    text = str(data_asset)
    if text.lower().endswith((".parquet", ".csv", ".csv.gz")):
        return f"file '{text}'"
    if "/" in text:
        return f"folder '{text}'"
    return f"table '{text}'"
