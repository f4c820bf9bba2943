"""Feed suites from DuckDB tables through Arrow, one bounded batch at a time.

GX's SQL datasource returns empty metric results on DuckDB (see DESIGN.md), so tables are read
with DuckDB, streamed as Arrow record batches of ``rows_per_batch`` rows, turned into pandas one
batch at a time and validated with :func:`validate_batches`. Only the columns a suite reads are
selected. A table that does not exist (a mart whose model is not built yet) skips its suite with
the reason recorded; an aggregate query that cannot run on its table fails critically.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence

import duckdb
import pandas as pd
import pyarrow as pa

from behaviorseg.quality.checks import expectation_kwargs, referenced_columns
from behaviorseg.quality.gx_context import gx
from behaviorseg.quality.raw_suites import as_nanoseconds
from behaviorseg.quality.runner import (
    new_run_id,
    results_frame,
    skipped_suite_results,
    unreadable_result,
    utc_now,
    validate_batches,
)
from behaviorseg.quality.suites import SuiteTarget

DEFAULT_ROWS_PER_BATCH = 100_000


def quote_identifier(name: str) -> str:
    """A DuckDB identifier in double quotes."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A DuckDB string literal."""
    return "'" + text.replace("'", "''") + "'"


def naive_utc_timestamps(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamp columns as naive UTC nanoseconds: comparable with the suites' naive bounds,
    and on GX's vectorised path (GX 1.24.1 compares only ``datetime64[ns]`` columns
    vectorised; Arrow gives microseconds, which GX compares one Python value at a time)."""
    for column in frame.columns:
        values = frame[column]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        if pd.api.types.is_datetime64_dtype(values.dtype):
            frame[column] = as_nanoseconds(values)
    return frame


def decimals_as_floats(table: pa.Table) -> pa.Table:
    """Decimal columns as float64 (pandas would make Python ``Decimal`` objects, which GX
    compares one value at a time)."""
    for index, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type):
            floats = table.column(index).cast(pa.float64())
            table = table.set_column(index, field.name, floats)
    return table


def frames_from_query(
    connection: duckdb.DuckDBPyConnection, sql: str, rows_per_batch: int = DEFAULT_ROWS_PER_BATCH
) -> Iterator[pd.DataFrame]:
    """The query's rows as pandas frames of ``rows_per_batch`` rows (the last one smaller),
    streamed through Arrow. DuckDB hands out smaller record batches (e.g. one per small file
    or row group); they are coalesced, so memory holds at most about one frame of rows.

    Yields one empty frame with the query's columns when there are no rows.
    """
    reader = connection.sql(sql).to_arrow_reader(rows_per_batch)
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    produced = False
    for record_batch in reader:
        pending.append(record_batch)
        pending_rows += record_batch.num_rows
        while pending_rows >= rows_per_batch:
            table = pa.Table.from_batches(pending, schema=reader.schema)
            produced = True
            yield arrow_to_frame(table.slice(0, rows_per_batch))
            rest = table.slice(rows_per_batch)
            pending, pending_rows = rest.to_batches(), rest.num_rows
    if pending_rows or not produced:
        yield arrow_to_frame(pa.Table.from_batches(pending, schema=reader.schema))


def arrow_to_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as pandas: decimals as floats, timestamps as naive UTC nanoseconds."""
    return naive_utc_timestamps(decimals_as_floats(table).to_pandas())


def relation_columns(connection: duckdb.DuckDBPyConnection, relation_sql: str) -> list[str]:
    """Column names of a table, view or table function (``read_parquet(...)``)."""
    return list(connection.sql(f"select * from {relation_sql} limit 0").columns)


def first_line(error: Exception) -> str:
    """The first line of an error message (DuckDB adds context lines)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else repr(error)


def relation_exists(connection: duckdb.DuckDBPyConnection, relation: str) -> bool:
    """Whether the table or view can be selected from."""
    try:
        relation_columns(connection, relation)
    except duckdb.CatalogException:
        return False
    return True


def suite_columns(suite: gx.ExpectationSuite) -> list[str]:
    """Every column the suite's expectations read, the columns a schema check expects to find
    included (selecting only the others would make them look missing)."""
    columns = []
    for expectation in suite.expectations:
        kwargs = expectation_kwargs(expectation)
        columns.extend(referenced_columns(kwargs))
        columns.extend(str(column) for column in kwargs.get("column_set") or ())
    return list(dict.fromkeys(columns))


def select_columns_sql(relation_sql: str, wanted: Sequence[str], available: Sequence[str]) -> str:
    """``select`` of the wanted columns that exist (all columns when none of them does)."""
    present = [column for column in wanted if column in set(available)]
    selected = ", ".join(quote_identifier(column) for column in present) if present else "*"
    return f"select {selected} from {relation_sql}"


def newest_load_condition(connection: duckdb.DuckDBPyConnection, relation: str, column: str) -> str:
    """SQL condition for the rows of the newest load (a constant, so storage blocks of earlier
    loads are skipped); true for every row when the column is all null."""
    (newest,) = connection.sql(
        f"select max({quote_identifier(column)}) from {relation}"
    ).fetchall()[0]
    if newest is None:
        return "true"
    return f"{quote_identifier(column)} = {quote_literal(str(newest))}::timestamp"


def sampled_sql(sql: str, max_rows: int | None) -> str:
    """The query, or a fixed-seed reservoir sample of at most ``max_rows`` of its rows."""
    if max_rows is None:
        return sql
    return f"select * from ({sql}) using sample reservoir({int(max_rows)} rows) repeatable (42)"


def validate_target(
    connection: duckdb.DuckDBPyConnection,
    target: SuiteTarget,
    *,
    relation: str | None = None,
    run_id: str | None = None,
    run_at: dt.datetime | None = None,
    rows_per_batch: int = DEFAULT_ROWS_PER_BATCH,
    max_rows: int | None = None,
) -> pd.DataFrame:
    """Validate one table in batches; a missing table skips the suite with the reason.

    ``relation`` is how to name the table in SQL (e.g. ``main_marts.customer_features``);
    default: the target's table name. With ``max_rows`` a table is validated on a fixed-seed
    sample of at most that many rows (aggregate-query targets always see the whole table).
    """
    run_at = utc_now() if run_at is None else run_at
    run_id = new_run_id(run_at) if run_id is None else run_id
    relation = relation or target.table
    if not relation_exists(connection, relation):
        return skipped_suite_results(
            target.suite,
            f"skipped: table '{relation}' not found (its model is not built yet)",
            data_asset=relation,
            run_id=run_id,
            run_at=run_at,
        )
    if target.query is not None:
        sql = target.query.format(relation=relation)
        try:
            relation_columns(connection, f"({sql})")
        except duckdb.Error as error:
            return unreadable_result(
                target.suite,
                relation,
                first_line(error),
                rule="the suite's aggregate query runs on the table",
                run_id=run_id,
                run_at=run_at,
            )
    else:
        available = relation_columns(connection, relation)
        sql = select_columns_sql(relation, suite_columns(target.suite), available)
        if target.newest_load_column in available:
            sql += " where " + newest_load_condition(
                connection, relation, target.newest_load_column
            )
        sql = sampled_sql(sql, max_rows)
    return validate_batches(
        target.suite,
        frames_from_query(connection, sql, rows_per_batch),
        data_asset=relation,
        run_id=run_id,
        run_at=run_at,
    )


def validate_targets(
    connection: duckdb.DuckDBPyConnection,
    targets: Iterable[SuiteTarget],
    *,
    relations: Mapping[str, str] | None = None,
    run_id: str | None = None,
    run_at: dt.datetime | None = None,
    rows_per_batch: int = DEFAULT_ROWS_PER_BATCH,
    max_rows: int | None = None,
) -> pd.DataFrame:
    """Validate several tables into one results frame (``relations`` maps table -> SQL name)."""
    run_at = utc_now() if run_at is None else run_at
    run_id = new_run_id(run_at) if run_id is None else run_id
    relations = relations or {}
    frames = [
        validate_target(
            connection,
            target,
            relation=relations.get(target.table),
            run_id=run_id,
            run_at=run_at,
            rows_per_batch=rows_per_batch,
            max_rows=max_rows,
        )
        for target in targets
    ]
    return pd.concat(frames, ignore_index=True) if frames else results_frame([])
