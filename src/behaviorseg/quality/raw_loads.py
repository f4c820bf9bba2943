"""Validate the new load of a raw entity folder: only files not validated before, in batches.

``<raw dir>/<entity>/*.parquet|*.csv|*.csv.gz``: the files not in ``already_validated`` form the
new load. Each is profiled by DuckDB (readable? rows, columns, parse rates of required typed
columns - one small query per file, nothing loaded) and the profiles, one row per file, are
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

from behaviorseg.quality.checks import SOURCE_FILE_COLUMN
from behaviorseg.quality.raw_suites import (
    RAW_CONTRACTS,
    VOLUME_HISTORY_WINDOW,
    file_profile_columns,
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

RAW_FILE_SUFFIXES = (".parquet", ".csv", ".csv.gz")
FILE_COLUMNS = ("entity", "run_id", "run_at", "passed")


@dataclass(frozen=True)
class RawLoadValidation:
    """Results of one raw entity's new load, and one profile row per file of the load
    (``source_file``, ``is_readable``, ``row_count``, ... , ``entity``, ``run_id``, ``run_at``,
    ``passed`` = no critical failure names the file)."""

    results: pd.DataFrame
    files: pd.DataFrame


def raw_entity_files(raw_dir: Path | str, entity: str) -> list[Path]:
    """``<raw_dir>/<entity>/*.parquet|*.csv|*.csv.gz``, sorted by name."""
    folder = Path(raw_dir) / entity
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and path.name.lower().endswith(RAW_FILE_SUFFIXES)
    )


def file_key(path: Path | str) -> str:
    """How a raw file is named in results and in the validated-files list."""
    return Path(path).as_posix()


def new_raw_files(
    raw_dir: Path | str, entity: str, already_validated: Iterable[str] = ()
) -> list[Path]:
    """Files of the entity folder not validated before (the new load)."""
    done = {file_key(path) for path in already_validated}
    return [path for path in raw_entity_files(raw_dir, entity) if file_key(path) not in done]


def is_parquet(path: Path | str) -> bool:
    """Parquet by file name; anything else in an entity folder is CSV."""
    return str(path).lower().endswith(".parquet")


def raw_files_relation_sql(paths: Sequence[Path], *, with_file_name: bool = False) -> str:
    """The table function reading raw files of one format (CSV values read as text)."""
    listed = "[" + ", ".join(quote_literal(file_key(path)) for path in paths) + "]"
    options = ", union_by_name = true" + (", filename = true" if with_file_name else "")
    if is_parquet(paths[0]):
        return f"read_parquet({listed}{options})"
    return f"read_csv({listed}, all_varchar = true, header = true{options})"


def parse_rate_sql(column: str, kind: str) -> str:
    """Share of the column's non-empty values that parse as ``kind``, as staging parses them."""
    text = f"nullif(trim(cast({quote_identifier(column)} as varchar)), '')"
    parsed = {
        "timestamp": f"try_cast({text} as timestamptz)",
        "number": f"try_cast({text} as double)",
        "whole number": (
            f"case when try_cast({text} as double) = floor(try_cast({text} as double)) then 1 end"
        ),
    }[kind]
    return f"cast(count({parsed}) as double) / nullif(count({text}), 0)"


def profile_raw_file(connection: duckdb.DuckDBPyConnection, path: Path, entity: str) -> dict:
    """One file's profile row: readable, row count, required columns present, parse rates."""
    contract = RAW_CONTRACTS[entity]
    typed = typed_required_columns(contract)
    profile: dict[str, Any] = dict.fromkeys(file_profile_columns(entity))
    profile.update({SOURCE_FILE_COLUMN: file_key(path), "is_readable": False})
    relation_sql = raw_files_relation_sql([path])
    try:
        available = set(relation_columns(connection, relation_sql))
        measured = [column for column in typed if column in available]
        selects = ["count(*)", *(parse_rate_sql(column, typed[column]) for column in measured)]
        row = connection.sql(f"select {', '.join(selects)} from {relation_sql}").fetchall()[0]
    except duckdb.Error:
        return profile
    profile.update({"is_readable": True, "row_count": row[0] if row else 0})
    for column in contract.required_columns:
        profile[has_column_flag(column)] = column in available
    for column, rate in zip(measured, (row or ())[1:], strict=False):
        profile[parse_rate_column(column)] = rate
    return profile


def parquet_file_profiles(
    connection: duckdb.DuckDBPyConnection, paths: Sequence[Path], entity: str
) -> list[dict]:
    """The profiles of :func:`profile_raw_file` for many Parquet files in two scans (their
    schemas, then one grouped query), so a year of daily files costs one read, not hundreds of
    small queries. Raises ``duckdb.Error`` when any file cannot be read."""
    contract = RAW_CONTRACTS[entity]
    typed = typed_required_columns(contract)
    keys = [file_key(path) for path in paths]
    listed = "[" + ", ".join(quote_literal(key) for key in keys) + "]"
    columns_by_file: dict[str, set[str]] = {key: set() for key in keys}
    for file_name, column in connection.sql(
        f"select file_name, name from parquet_schema({listed})"
    ).fetchall():
        columns_by_file[file_key(file_name)].add(column)
    available = set().union(*columns_by_file.values())
    measured = [column for column in typed if column in available]
    selects = [
        "filename",
        "count(*)",
        *(parse_rate_sql(column, typed[column]) for column in measured),
    ]
    relation_sql = raw_files_relation_sql(paths, with_file_name=True)
    rows = connection.sql(f"select {', '.join(selects)} from {relation_sql} group by all")
    measured_by_file = {file_key(row[0]): row[1:] for row in rows.fetchall()}
    profiles = []
    for key in keys:
        present = columns_by_file[key]
        row = measured_by_file.get(key, (0, *([None] * len(measured))))
        profile: dict[str, Any] = dict.fromkeys(file_profile_columns(entity))
        profile.update({SOURCE_FILE_COLUMN: key, "is_readable": True, "row_count": row[0]})
        for column in contract.required_columns:
            profile[has_column_flag(column)] = column in present
        for column, rate in zip(measured, row[1:], strict=True):
            profile[parse_rate_column(column)] = rate if column in present else None
        profiles.append(profile)
    return profiles


def raw_file_profiles(
    connection: duckdb.DuckDBPyConnection, paths: Sequence[Path], entity: str
) -> pd.DataFrame:
    """One profile row per file (see :func:`profile_raw_file`). Parquet files are profiled
    together (:func:`parquet_file_profiles`); when that fails (a file is unreadable or types
    clash between files), and for CSV files, one file at a time, so the error names the file."""
    parquet = [path for path in paths if is_parquet(path)]
    by_file: dict[str, dict] = {}
    if parquet:
        try:
            by_file = {
                profile[SOURCE_FILE_COLUMN]: profile
                for profile in parquet_file_profiles(connection, parquet, entity)
            }
        except duckdb.Error:
            by_file = {}
    profiles = pd.DataFrame(
        [
            by_file.get(file_key(path)) or profile_raw_file(connection, path, entity)
            for path in paths
        ],
        columns=file_profile_columns(entity),
    )
    numeric = ["row_count", *(c for c in profiles.columns if c.endswith("__parse_rate"))]
    return profiles.astype({column: "float64" for column in numeric})


def raw_load_batches(
    connection: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
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


def row_counts_of(connection: duckdb.DuckDBPyConnection, paths: Iterable[Path]) -> list[int]:
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
    reference_time: dt.datetime,
    already_validated: Iterable[str] = (),
    previous_load_row_counts: Sequence[int] | None = None,
    run_id: str | None = None,
    run_at: dt.datetime | None = None,
    rows_per_batch: int = DEFAULT_ROWS_PER_BATCH,
    max_rows: int | None = None,
) -> RawLoadValidation:
    """Validate the files of ``<raw_dir>/<entity>/`` not in ``already_validated``.

    Each file's volume is compared with ``previous_load_row_counts`` (oldest first); when None,
    with the row counts of the last validated files still on disk. Every file gets the per-file
    contract checks; the row-level checks run on all rows of the load, or on a fixed-seed sample
    of ``max_rows`` rows when given (their results are then rates over the sample).
    """
    run_at = utc_now() if run_at is None else run_at
    run_id = new_run_id(run_at) if run_id is None else run_id
    already_validated = [file_key(path) for path in already_validated]
    paths = new_raw_files(raw_dir, entity, already_validated)
    folder = file_key(Path(raw_dir) / entity)
    if previous_load_row_counts is None:
        # This entity's own files only: another entity's volumes say nothing about this one.
        own = [path for path in already_validated if path.startswith(folder + "/")]
        recent = sorted(own)[-VOLUME_HISTORY_WINDOW:]
        previous_load_row_counts = row_counts_of(connection, map(Path, recent))
    if not paths:
        return RawLoadValidation(results_frame([]), file_frame(pd.DataFrame(), entity))
    profiles = raw_file_profiles(connection, paths, entity)
    file_results = validate_batches(
        raw_file_suite(entity, previous_load_row_counts=previous_load_row_counts),
        [profiles],
        data_asset=folder,
        run_id=run_id,
        run_at=run_at,
    )
    readable = [path for path, ok in zip(paths, profiles["is_readable"], strict=True) if ok]
    row_suite = raw_suite(entity, reference_time=reference_time)
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
    files = profiles.assign(
        entity=entity,
        run_id=run_id,
        run_at=run_at,
        passed=~profiles[SOURCE_FILE_COLUMN].isin(rejected),
    )
    results = pd.concat([file_results, row_results], ignore_index=True)
    return RawLoadValidation(results=results, files=file_frame(files, entity))


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
    """Row counts of files that passed, oldest (by name) first: the next load's volume history."""
    passed = files[files["passed"].fillna(False).astype(bool)].sort_values(SOURCE_FILE_COLUMN)
    return [int(count) for count in passed["row_count"].dropna()]
