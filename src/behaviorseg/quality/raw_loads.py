"""Validate the new load of a raw entity folder: only files not validated before, in batches.

The files of an entity are the ones the ``register_raw_sources`` hook listed for this run
(``raw.raw_files``: the project's one listing rule, with each file's first load from the durable
load log); the gate reads that listing (:func:`listed_raw_files`) instead of globbing again.
The files not in ``already_validated`` form the new load. Each is profiled by DuckDB (readable?
rows, columns, parse rates of required typed columns, the share of each timestamp column lying
in the future of its arrival - one small query per file, nothing loaded) and the profiles, one
row per file, are
validated with the per-file contract suite; the rows of all readable new files are then streamed
in bounded batches (Arrow -> pandas, ``source_file`` kept) through the row-level suite. So the
cost grows with rows, not with files: a first run over a year of daily files is two suites, not
thousands, and a contract breach still names the file.

The file profiles come back with the results (:class:`RawLoadValidation`): persisted, they are
the list of validated files and the volume history of the next load
(:func:`validated_files`, :func:`load_row_counts`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from behaviorseg.quality.checks import SOURCE_FILE_COLUMN, TIMESTAMP_FLOOR
from behaviorseg.quality.raw_suites import (
    DEFAULT_MAX_FUTURE_MINUTES,
    RAW_CONTRACTS,
    VOLUME_HISTORY_WINDOW,
    file_profile_columns,
    future_rate_column,
    has_column_flag,
    parse_rate_column,
    prepare_raw_batch,
    raw_file_suite,
    raw_suite,
    typed_required_columns,
)
from behaviorseg.quality.runner import (
    critical_failures,
    new_run_id,
    results_frame,
    skipped_suite_results,
    utc_now,
    validate_batches,
)
from behaviorseg.quality.sources import (
    DEFAULT_ROWS_PER_BATCH,
    frames_from_query,
    quote_identifier,
    quote_literal,
    relation_columns,
    sampled_sql,
)

LISTING_TABLE = "raw.raw_files"
FILE_COLUMNS = ("entity", "run_id", "run_at", "passed")
# The collector's receive time: a row's arrival when present (else its file's first load).
RECEIVED_AT_COLUMN = "received_at"
# The provenance columns a raw view adds to the contract's (macros/raw/raw_entity_select.sql).
VIEW_PROVENANCE_COLUMNS = (
    "_source_file",
    "_source_row_number",
    "_source_loaded_at",
    "_source_modified_at",
)


@dataclass(frozen=True)
class RawFile:
    """A raw file as this run's listing names it, with the start of the run that first loaded
    it (None when unknown: its rows' arrival is then their ``received_at`` only)."""

    path: str
    first_loaded_at: dt.datetime | None = None
    # The raw view the file's rows are read through, when its entity has an input format
    # (var raw_formats): the gate then checks the rows mapped into the contract, not the
    # tracker's own columns (the hook checked those against the format).
    view: str | None = None
    # The listing rule's kind of file (parquet, csv, json), as the listing records it.
    file_format: str | None = None


@dataclass(frozen=True)
class RawLoadValidation:
    """Results of one raw entity's new load, and one profile row per file of the load
    (``source_file``, ``is_readable``, ``row_count``, ... , ``entity``, ``run_id``, ``run_at``,
    ``passed`` = no critical failure names the file)."""

    results: pd.DataFrame
    files: pd.DataFrame


def as_raw_file(file: RawFile | Path | str) -> RawFile:
    """A RawFile from a RawFile or a path (first load unknown)."""
    return file if isinstance(file, RawFile) else RawFile(file_key(file))


def listed_raw_files(
    connection: duckdb.DuckDBPyConnection, entity: str, view: str | None = None
) -> list[RawFile]:
    """The entity's files in this run's listing (``raw.raw_files``, written by the
    ``register_raw_sources`` hook with the listing rule of macros/raw/raw_file_loads.sql), in
    load order: first loaded, then modified, then by name. With ``view`` (an entity in an input
    format), the files are read through that raw view."""
    rows = connection.execute(
        f"select source_file, first_loaded_at, file_format from {LISTING_TABLE}"
        " where entity = ? order by first_loaded_at, modified_at, source_file",
        [entity],
    ).fetchall()
    return [RawFile(path, loaded_at, view, file_format) for path, loaded_at, file_format in rows]


def file_key(path: RawFile | Path | str) -> str:
    """How a raw file is named in results and in the validated-files list."""
    if isinstance(path, RawFile):
        return path.path
    return Path(path).as_posix()


def new_raw_files(
    files: Iterable[RawFile | Path | str], already_validated: Iterable[str] = ()
) -> list[RawFile]:
    """The listed files not validated before (the new load), in listing order."""
    done = {file_key(path) for path in already_validated}
    return [as_raw_file(file) for file in files if file_key(file) not in done]


def is_parquet(path: RawFile | Path | str) -> bool:
    """Parquet as the listing rule judged the file (macros/raw/raw_file_loads.sql, recorded in
    the listing); a path given without its listing (a caller's own file) by its name."""
    if isinstance(path, RawFile) and path.file_format is not None:
        return path.file_format == "parquet"
    return file_key(path).lower().endswith(".parquet")


def raw_files_relation_sql(
    paths: Sequence[RawFile | Path | str], *, with_file_name: bool = False
) -> str:
    """The table function reading raw files of one format (CSV values read as text), or the
    files' rows of their raw view (files of an entity in an input format)."""
    listed = "[" + ", ".join(quote_literal(file_key(path)) for path in paths) + "]"
    view = paths[0].view if isinstance(paths[0], RawFile) else None
    if view is not None:
        file_name = ", _source_file as filename" if with_file_name else ""
        return (
            f"(select * exclude ({', '.join(VIEW_PROVENANCE_COLUMNS)}){file_name} from {view}"
            f" where list_contains({listed}, _source_file))"
        )
    options = ", union_by_name = true" + (", filename = true" if with_file_name else "")
    if is_parquet(paths[0]):
        return f"read_parquet({listed}{options})"
    return f"read_csv({listed}, all_varchar = true, header = true{options})"


def cleaned_text_sql(column: str) -> str:
    """A raw value as staging reads it: trimmed text, empty as null."""
    return f"nullif(trim(cast({quote_identifier(column)} as varchar)), '')"


def utc_timestamp_sql(column: str) -> str:
    """A raw timestamp value as staging parses it: any UTC offset to naive UTC, else null."""
    return f"timezone('UTC', try_cast({cleaned_text_sql(column)} as timestamptz))"


def parse_rate_sql(column: str, kind: str) -> str:
    """Share of the column's non-empty values that parse as ``kind``, as staging parses them."""
    text = cleaned_text_sql(column)
    parsed = {
        "timestamp": f"try_cast({text} as timestamptz)",
        "number": f"try_cast({text} as double)",
        "whole number": (
            f"case when try_cast({text} as double) = floor(try_cast({text} as double)) then 1 end"
        ),
    }[kind]
    return f"cast(count({parsed}) as double) / nullif(count({text}), 0)"


def arrival_sql(column: str, available: set[str]) -> str:
    """When a row's ``column`` value arrived, as staging judges it: ``received_at`` when the
    file has it (for any other column), else the first load of the file (``loads.loaded_at``)."""
    if column != RECEIVED_AT_COLUMN and RECEIVED_AT_COLUMN in available:
        return f"coalesce({utc_timestamp_sql(RECEIVED_AT_COLUMN)}, loads.loaded_at)"
    return "loads.loaded_at"


def future_rate_sql(column: str, available: set[str], max_future_minutes: int) -> str:
    """Share of the column's parsed timestamps more than ``max_future_minutes`` after their
    arrival (a wrong clock when most of a file is so)."""
    parsed = utc_timestamp_sql(column)
    limit = f"{arrival_sql(column, available)} + interval '{int(max_future_minutes)} minutes'"
    return (
        f"cast(count(case when {parsed} > {limit} then 1 end) as double)"
        f" / nullif(count({parsed}), 0)"
    )


def measured_columns(entity: str, available: set[str]) -> tuple[list[str], list[str]]:
    """(required typed columns to parse, timestamp columns to date) the files have."""
    contract = RAW_CONTRACTS[entity]
    typed = typed_required_columns(contract)
    return (
        [column for column in typed if column in available],
        [column for column in contract.timestamp_columns if column in available],
    )


def measure_sql(
    entity: str, parsed: list[str], dated: list[str], available: set[str], minutes: int
) -> list[str]:
    """The aggregates of one profile row after count(*): parse rates, then future rates."""
    typed = typed_required_columns(RAW_CONTRACTS[entity])
    return [
        *(parse_rate_sql(column, typed[column]) for column in parsed),
        *(future_rate_sql(column, available, minutes) for column in dated),
    ]


def loaded_at_literal(file: RawFile) -> str:
    """The file's first load as a SQL timestamp literal (null when unknown)."""
    if file.first_loaded_at is None:
        return "cast(null as timestamp)"
    return f"cast({quote_literal(file.first_loaded_at.isoformat(sep=' '))} as timestamp)"


def profile_raw_file(
    connection: duckdb.DuckDBPyConnection,
    path: RawFile | Path | str,
    entity: str,
    max_future_minutes: int = DEFAULT_MAX_FUTURE_MINUTES,
) -> dict:
    """One file's profile row: readable, row count, required columns present, parse rates,
    future rates."""
    file = as_raw_file(path)
    contract = RAW_CONTRACTS[entity]
    profile: dict[str, Any] = dict.fromkeys(file_profile_columns(entity))
    profile.update({SOURCE_FILE_COLUMN: file.path, "is_readable": False})
    relation_sql = raw_files_relation_sql([file])
    try:
        available = set(relation_columns(connection, relation_sql))
        parsed, dated = measured_columns(entity, available)
        selects = ["count(*)", *measure_sql(entity, parsed, dated, available, max_future_minutes)]
        row = connection.sql(
            f"select {', '.join(selects)} from {relation_sql} as file_rows,"
            f" (select {loaded_at_literal(file)} as loaded_at) as loads"
        ).fetchall()[0]
    except duckdb.Error:
        return profile
    profile.update({"is_readable": True, "row_count": row[0] if row else 0})
    for column in contract.required_columns:
        profile[has_column_flag(column)] = column in available
    rates = list((row or ())[1:])
    for column, rate in zip(parsed, rates[: len(parsed)], strict=False):
        profile[parse_rate_column(column)] = rate
    for column, rate in zip(dated, rates[len(parsed) :], strict=False):
        profile[future_rate_column(column)] = rate
    return profile


def parquet_file_profiles(
    connection: duckdb.DuckDBPyConnection,
    paths: Sequence[RawFile | Path | str],
    entity: str,
    max_future_minutes: int = DEFAULT_MAX_FUTURE_MINUTES,
) -> list[dict]:
    """The profiles of :func:`profile_raw_file` for many Parquet files in two scans (their
    schemas, then one grouped query), so a year of daily files costs one read, not hundreds of
    small queries. Raises ``duckdb.Error`` when any file cannot be read."""
    contract = RAW_CONTRACTS[entity]
    files = [as_raw_file(path) for path in paths]
    keys = [file.path for file in files]
    listed = "[" + ", ".join(quote_literal(key) for key in keys) + "]"
    columns_by_file: dict[str, set[str]] = {key: set() for key in keys}
    for file_name, column in connection.sql(
        f"select file_name, name from parquet_schema({listed})"
    ).fetchall():
        columns_by_file[file_key(file_name)].add(column)
    available = set().union(*columns_by_file.values())
    parsed, dated = measured_columns(entity, available)
    selects = [
        "filename",
        "count(*)",
        *measure_sql(entity, parsed, dated, available, max_future_minutes),
    ]
    relation_sql = raw_files_relation_sql(files, with_file_name=True)
    loads = ", ".join(f"({quote_literal(file.path)}, {loaded_at_literal(file)})" for file in files)
    rows = connection.sql(
        f"select {', '.join(selects)} from {relation_sql} as file_rows"
        f" left join (values {loads}) as loads(load_file, loaded_at)"
        " on loads.load_file = file_rows.filename group by filename"
    )
    measured = len(parsed) + len(dated)
    measured_by_file = {file_key(row[0]): row[1:] for row in rows.fetchall()}
    profiles = []
    for key in keys:
        present = columns_by_file[key]
        row = measured_by_file.get(key, (0, *([None] * measured)))
        profile: dict[str, Any] = dict.fromkeys(file_profile_columns(entity))
        profile.update({SOURCE_FILE_COLUMN: key, "is_readable": True, "row_count": row[0]})
        for column in contract.required_columns:
            profile[has_column_flag(column)] = column in present
        rates = list(row[1:])
        for column, rate in zip(parsed, rates[: len(parsed)], strict=True):
            profile[parse_rate_column(column)] = rate if column in present else None
        for column, rate in zip(dated, rates[len(parsed) :], strict=True):
            profile[future_rate_column(column)] = rate if column in present else None
        profiles.append(profile)
    return profiles


def raw_file_profiles(
    connection: duckdb.DuckDBPyConnection,
    paths: Sequence[RawFile | Path | str],
    entity: str,
    max_future_minutes: int = DEFAULT_MAX_FUTURE_MINUTES,
) -> pd.DataFrame:
    """One profile row per file (see :func:`profile_raw_file`). Parquet files are profiled
    together (:func:`parquet_file_profiles`); when that fails (a file is unreadable or types
    clash between files), and for CSV files, one file at a time, so the error names the file."""
    files = [as_raw_file(path) for path in paths]
    parquet = [file for file in files if is_parquet(file) and file.view is None]
    by_file: dict[str, dict] = {}
    if parquet:
        try:
            by_file = {
                profile[SOURCE_FILE_COLUMN]: profile
                for profile in parquet_file_profiles(
                    connection, parquet, entity, max_future_minutes
                )
            }
        except duckdb.Error:
            by_file = {}
    profiles = pd.DataFrame(
        [
            by_file.get(file.path) or profile_raw_file(connection, file, entity, max_future_minutes)
            for file in files
        ],
        columns=file_profile_columns(entity),
    )
    numeric = [
        "row_count",
        *(c for c in profiles.columns if c.endswith(("__parse_rate", "__future_rate"))),
    ]
    return profiles.astype({column: "float64" for column in numeric})


def raw_load_batches(
    connection: duckdb.DuckDBPyConnection,
    paths: Sequence[RawFile | Path | str],
    entity: str,
    rows_per_batch: int = DEFAULT_ROWS_PER_BATCH,
    max_rows: int | None = None,
) -> Iterator[pd.DataFrame]:
    """The contract columns of all ``paths`` (plus ``source_file``), prepared like staging
    reads them, in batches of at most ``rows_per_batch`` rows; Parquet, then CSV files.
    With ``max_rows``, a fixed-seed sample of at most that many rows per format."""
    wanted = RAW_CONTRACTS[entity].contract_columns
    for group in (
        [path for path in paths if is_parquet(path)],
        [path for path in paths if not is_parquet(path)],
    ):
        if not group:
            continue
        relation_sql = raw_files_relation_sql(group, with_file_name=True)
        available = set(relation_columns(connection, relation_sql))
        selected = [quote_identifier(column) for column in wanted if column in available]
        sql = f"select {', '.join([*selected, 'filename as source_file'])} from {relation_sql}"
        sql = sampled_sql(sql, max_rows)
        for frame in frames_from_query(connection, sql, rows_per_batch):
            yield prepare_raw_batch(frame, entity)


def row_counts_of(
    connection: duckdb.DuckDBPyConnection, paths: Iterable[RawFile | Path | str]
) -> list[int]:
    """Row counts of readable files (unreadable ones are left out)."""
    counts = []
    for path in paths:
        try:
            sql = f"select count(*) from {raw_files_relation_sql([path])}"
            counts.append(int(connection.sql(sql).fetchall()[0][0]))
        except duckdb.Error:
            continue
    return counts


def validate_new_raw_files(
    connection: duckdb.DuckDBPyConnection,
    raw_dir: Path | str,
    entity: str,
    *,
    files: Sequence[RawFile | Path | str],
    reference_time: dt.datetime,
    already_validated: Iterable[str] = (),
    previous_load_row_counts: Sequence[int] | None = None,
    max_future_minutes: int = DEFAULT_MAX_FUTURE_MINUTES,
    timestamp_floor: dt.datetime = TIMESTAMP_FLOOR,
    run_id: str | None = None,
    run_at: dt.datetime | None = None,
    rows_per_batch: int = DEFAULT_ROWS_PER_BATCH,
    max_rows: int | None = None,
) -> RawLoadValidation:
    """Validate the entity's listed ``files`` (``<raw_dir>/<entity>/``, in load order; the gate
    passes :func:`listed_raw_files`) that are not in ``already_validated``.

    Each file's volume is compared with ``previous_load_row_counts`` (oldest first); when None,
    with the row counts of the last validated files still on disk (``already_validated`` in
    load order). Every file gets the per-file contract checks; the row-level checks run on all
    rows of the load, or on a fixed-seed sample of ``max_rows`` rows when given (their results
    are then rates over the sample).
    """
    run_at = utc_now() if run_at is None else run_at
    run_id = new_run_id(run_at) if run_id is None else run_id
    already_validated = [file_key(path) for path in already_validated]
    paths = new_raw_files(files, already_validated)
    folder = file_key(Path(raw_dir) / entity)
    if previous_load_row_counts is None:
        # This entity's own files only: another entity's volumes say nothing about this one.
        own = [path for path in already_validated if path.startswith(folder + "/")]
        recent = own[-VOLUME_HISTORY_WINDOW:]
        previous_load_row_counts = row_counts_of(connection, recent)
    if not paths:
        return RawLoadValidation(results_frame([]), file_frame(pd.DataFrame(), entity))
    profiles = raw_file_profiles(connection, paths, entity, max_future_minutes)
    file_results = validate_batches(
        raw_file_suite(
            entity,
            previous_load_row_counts=previous_load_row_counts,
            max_future_minutes=max_future_minutes,
        ),
        [profiles],
        data_asset=folder,
        run_id=run_id,
        run_at=run_at,
    )
    readable = [path for path, ok in zip(paths, profiles["is_readable"], strict=True) if ok]
    row_suite = raw_suite(entity, reference_time=reference_time, timestamp_floor=timestamp_floor)
    if readable:
        row_results = validate_batches(
            row_suite,
            raw_load_batches(connection, readable, entity, rows_per_batch, max_rows),
            data_asset=folder,
            run_id=run_id,
            run_at=run_at,
        )
    else:
        row_results = skipped_suite_results(
            row_suite,
            "skipped: no readable file in the new load",
            data_asset=folder,
            run_id=run_id,
            run_at=run_at,
        )
    rejected = rejected_files(file_results)
    validated = profiles.assign(
        entity=entity,
        run_id=run_id,
        run_at=run_at,
        passed=~profiles[SOURCE_FILE_COLUMN].isin(rejected),
    )
    results = pd.concat([file_results, row_results], ignore_index=True)
    return RawLoadValidation(results=results, files=file_frame(validated, entity))


def file_frame(files: pd.DataFrame, entity: str) -> pd.DataFrame:
    """File profiles with the bookkeeping columns, in a stable column order."""
    return files.reindex(columns=[*file_profile_columns(entity), *FILE_COLUMNS])


def rejected_files(results: pd.DataFrame) -> set[str]:
    """Files named by a failed critical expectation."""
    named = critical_failures(results)["unexpected_sources"].dropna()
    return {source for text in named for source in json.loads(text)}


def validated_files(files: pd.DataFrame) -> set[str]:
    """Files that passed their contract (the ``already_validated`` of the next run); a file
    that failed is validated again next time, after it has been fixed."""
    return set(files.loc[files["passed"].fillna(False).astype(bool), SOURCE_FILE_COLUMN])


def load_row_counts(files: pd.DataFrame) -> list[int]:
    """Row counts of files that passed, in the frame's (load) order: the next load's volume
    history."""
    passed = files[files["passed"].fillna(False).astype(bool)]
    return [int(count) for count in passed["row_count"].dropna()]
