"""The quality gates the dbt DAG runs: raw (the new load), staging and marts.

A gate validates its layer, appends every result to ``quality.dq_validation_results`` (and, for
raw data, the files it validated to ``quality.dq_raw_files``) and only then raises on a critical
failure, so the results of a failed run are kept while everything downstream is skipped. dbt's
DuckDB session runs Python models in autocommit mode, so the appended rows persist when the
gate model fails.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb
import pandas as pd

from behaviorseg.quality.checks import TIMESTAMP_FLOOR
from behaviorseg.quality.raw_loads import listed_raw_files, validate_new_raw_files
from behaviorseg.quality.raw_suites import DEFAULT_MAX_FUTURE_MINUTES, RAW_CONTRACTS
from behaviorseg.quality.runner import RESULT_COLUMNS, new_run_id, raise_on_critical, utc_now
from behaviorseg.quality.sources import validate_targets
from behaviorseg.quality.suites import SuiteTarget

RESULTS_TABLE = "quality.dq_validation_results"
RAW_FILES_TABLE = "quality.dq_raw_files"
# Columns of dq_validation_results (the hook `create_quality_log` creates the table).
LOGGED_RESULT_COLUMNS: tuple[str, ...] = ("gate", *RESULT_COLUMNS)
LOGGED_FILE_COLUMNS: tuple[str, ...] = (
    "source_file",
    "entity",
    "row_count",
    "passed",
    "run_id",
    "run_at",
)
# Row-level checks of a big table run on a fixed-seed sample of this many rows, so a gate's
# cost stays flat as data grows (file-level contract checks always see every file).
DEFAULT_MAX_ROWS = 200_000


def run_identity(run_at: dt.datetime | None = None) -> tuple[str, dt.datetime]:
    """(run_id, run_at) for one gate run (naive UTC)."""
    moment = utc_now() if run_at is None else run_at
    return new_run_id(moment), moment


def append_frame(
    connection: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, columns: Iterable[str]
) -> int:
    """Append the frame's ``columns`` to ``table`` by column name; returns the rows appended."""
    columns = list(columns)
    if frame.empty:
        return 0
    staged = frame.reindex(columns=columns)
    connection.register("gate_rows_to_append", staged)
    try:
        connection.execute(f"insert into {table} by name select * from gate_rows_to_append")
    finally:
        connection.unregister("gate_rows_to_append")
    return len(staged)


def log_results(
    connection: duckdb.DuckDBPyConnection, gate: str, results: pd.DataFrame
) -> pd.DataFrame:
    """Append a gate's results to dq_validation_results; returns them with the gate column."""
    logged = results.assign(gate=gate).reindex(columns=list(LOGGED_RESULT_COLUMNS))
    append_frame(connection, RESULTS_TABLE, logged, LOGGED_RESULT_COLUMNS)
    return logged


def validated_raw_files(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Raw files that passed a previous run's contract checks (not validated again), with their
    entity and row count, in the order they were validated (their load order): each entity's
    load history."""
    return connection.sql(
        f"""
        select entity, source_file, max(row_count) as row_count
        from {RAW_FILES_TABLE}
        where passed
        group by entity, source_file
        order by entity, min(run_at), source_file
        """
    ).df()


def raw_gate_results(
    connection: duckdb.DuckDBPyConnection,
    raw_dir: Path | str,
    *,
    reference_time: dt.datetime,
    run_id: str,
    run_at: dt.datetime,
    entities: Iterable[str] = tuple(RAW_CONTRACTS),
    max_rows: int | None = DEFAULT_MAX_ROWS,
    max_future_minutes: int = DEFAULT_MAX_FUTURE_MINUTES,
    timestamp_floor: dt.datetime = TIMESTAMP_FLOOR,
    formatted_entities: Iterable[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate the new load of every raw entity: (results, files validated).

    The files are this run's listing (``raw.raw_files``, written by the register_raw_sources
    hook). Each entity's new files are compared with that entity's own earlier loads: their row
    counts come from the validated-files log, so no earlier file is read again. The files of
    ``formatted_entities`` (var raw_formats) are read through their raw view: in the contract.
    """
    validated = validated_raw_files(connection)
    formatted = set(formatted_entities)
    result_parts, file_parts = [], []
    for entity in entities:
        history = validated[validated["entity"] == entity]
        load = validate_new_raw_files(
            connection,
            raw_dir,
            entity,
            files=listed_raw_files(
                connection, entity, raw_view_name(entity) if entity in formatted else None
            ),
            reference_time=reference_time,
            max_future_minutes=max_future_minutes,
            timestamp_floor=timestamp_floor,
            already_validated=history["source_file"].tolist(),
            previous_load_row_counts=[int(count) for count in history["row_count"].dropna()],
            run_id=run_id,
            run_at=run_at,
            max_rows=max_rows,
        )
        result_parts.append(load.results)
        file_parts.append(load.files.reindex(columns=list(LOGGED_FILE_COLUMNS)))
    results = pd.concat(result_parts, ignore_index=True)
    files = pd.concat(file_parts, ignore_index=True)
    return results, files


def run_raw_gate(
    connection: duckdb.DuckDBPyConnection,
    raw_dir: Path | str,
    *,
    reference_time: dt.datetime | None = None,
    max_rows: int | None = DEFAULT_MAX_ROWS,
    max_future_minutes: int = DEFAULT_MAX_FUTURE_MINUTES,
    timestamp_floor: dt.datetime = TIMESTAMP_FLOOR,
    formatted_entities: Iterable[str] = (),
) -> pd.DataFrame:
    """The raw gate: validate, log results and files, then raise on a critical failure."""
    run_id, run_at = run_identity()
    results, files = raw_gate_results(
        connection,
        raw_dir,
        reference_time=reference_time or run_at,
        run_id=run_id,
        run_at=run_at,
        max_rows=max_rows,
        max_future_minutes=max_future_minutes,
        timestamp_floor=timestamp_floor,
        formatted_entities=formatted_entities,
    )
    logged = log_results(connection, "raw", results)
    append_frame(connection, RAW_FILES_TABLE, files, LOGGED_FILE_COLUMNS)
    raise_on_critical(results)
    return logged


def run_table_gate(
    connection: duckdb.DuckDBPyConnection,
    gate: str,
    targets: Iterable[SuiteTarget],
    relations: Mapping[str, str],
    *,
    max_rows: int | None = DEFAULT_MAX_ROWS,
) -> pd.DataFrame:
    """A gate over warehouse tables (staging or marts): validate, log, raise on critical."""
    run_id, run_at = run_identity()
    results = validate_targets(
        connection, targets, relations=relations, run_id=run_id, run_at=run_at, max_rows=max_rows
    )
    logged = log_results(connection, gate, results)
    raise_on_critical(results)
    return logged


def raw_view_name(entity: str) -> str:
    """The raw view of an entity folder (the sources yml's identifier in the raw schema)."""
    return f"raw.{RAW_CONTRACTS[entity].identifier}"


def formatted_entities_setting(value: object) -> list[str]:
    """The entities var raw_formats gives an input format, from the var as the gate receives
    it (JSON text, or a mapping)."""
    if value is None or str(value).strip() == "":
        return []
    formats = json.loads(value) if isinstance(value, str) else value
    return sorted(entity for entity, name in (formats or {}).items() if name)


def timestamp_floor_setting(value: object) -> dt.datetime:
    """var raw_timestamp_floor as the gates receive it (text, 'YYYY-MM-DD[ HH:MM:SS]'); the
    default floor when unset."""
    if value is None or str(value).strip() == "":
        return TIMESTAMP_FLOOR
    return dt.datetime.fromisoformat(str(value).strip())


def summary(results: pd.DataFrame) -> str:
    """One line for the run log: expectations checked, failed (critical / warning), skipped."""
    status = results["status"].astype("string")
    failed = results[status == "failed"]
    critical = int((failed["severity"] == "critical").sum())
    return (
        f"{len(results)} expectations in {results['suite_name'].nunique()} suites: "
        f"{int((status == 'passed').sum())} passed, {len(failed)} failed "
        f"({critical} critical), {int((status == 'skipped').sum())} skipped"
    )
