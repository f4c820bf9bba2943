"""Data quality gates: Great Expectations suites as code, a batched runner, Data Docs.

- suites: :func:`raw_suite` (one per raw entity), :func:`staging_targets` and
  :func:`mart_targets` (suite + table), :func:`all_suites`; every expectation carries a
  ``severity`` (``critical`` stops the run, ``warning`` is recorded) and a ``rule`` in its meta;
- runner: :func:`validate_batches` validates frames batch by batch and returns the tidy results
  frame (:data:`RESULT_COLUMNS`); :func:`raise_on_critical` stops the run;
- DuckDB: :func:`validate_targets` (tables, missing ones skipped) and
  :func:`validate_new_raw_files` (only the new files of a raw entity's listing: per-file contract
  on file profiles, row-level quality on the rows), streaming Arrow batches into GX's pandas
  datasource (its SQL datasource does not work on DuckDB);
- :func:`build_data_docs` renders results as a static HTML site.
"""

import os

# Before anything imports great_expectations: no analytics, whatever a later 1.x release sends.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from behaviorseg.quality.checks import (
    TIMESTAMP_FLOOR,
    Check,
    Severity,
    build_suite,
    critical,
    warning,
)
from behaviorseg.quality.data_docs import build_data_docs
from behaviorseg.quality.raw_loads import (
    RawFile,
    RawLoadValidation,
    listed_raw_files,
    load_row_counts,
    new_raw_files,
    raw_file_profiles,
    validate_new_raw_files,
    validated_files,
)
from behaviorseg.quality.raw_suites import (
    RAW_CONTRACTS,
    RawEntityContract,
    prepare_raw_batch,
    raw_file_suite,
    raw_suite,
    volume_bounds,
)
from behaviorseg.quality.runner import (
    RESULT_COLUMNS,
    Combination,
    CriticalQualityError,
    combination_for,
    critical_failures,
    new_run_id,
    raise_on_critical,
    results_frame,
    skipped_suite_results,
    validate_batches,
)
from behaviorseg.quality.sources import frames_from_query, validate_target, validate_targets
from behaviorseg.quality.suites import (
    SuiteTarget,
    all_suites,
    mart_targets,
    raw_suites,
    staging_targets,
)

__all__ = [
    "RAW_CONTRACTS",
    "RESULT_COLUMNS",
    "TIMESTAMP_FLOOR",
    "Check",
    "Combination",
    "CriticalQualityError",
    "RawEntityContract",
    "RawFile",
    "RawLoadValidation",
    "Severity",
    "SuiteTarget",
    "all_suites",
    "build_data_docs",
    "build_suite",
    "combination_for",
    "critical",
    "critical_failures",
    "frames_from_query",
    "listed_raw_files",
    "load_row_counts",
    "mart_targets",
    "new_raw_files",
    "new_run_id",
    "prepare_raw_batch",
    "raise_on_critical",
    "raw_file_profiles",
    "raw_file_suite",
    "raw_suite",
    "raw_suites",
    "results_frame",
    "skipped_suite_results",
    "staging_targets",
    "validate_batches",
    "validate_new_raw_files",
    "validate_target",
    "validate_targets",
    "validated_files",
    "volume_bounds",
    "warning",
]
