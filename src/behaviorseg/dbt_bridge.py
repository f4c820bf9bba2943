"""What the thin dbt Python models share: reading refs, settings, the run log, previous state.

dbt Python models cannot call ``var()``; the project passes each setting in the folder's
``+meta`` in ``dbt_project.yml`` (rendered from vars there) and a model reads the whole dict
with ``dbt.config.get("meta")``. These helpers keep the models to a few lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

# How each warehouse's ``dbt.ref()`` result becomes pandas: DuckDB relations (.df), Spark
# DataFrames on Databricks and Dataproc (.toPandas), Snowpark DataFrames (.to_pandas).
_TO_PANDAS_METHODS = ("df", "toPandas", "to_pandas")


def frame(relation: Any) -> pd.DataFrame:
    """A pandas DataFrame of a relation returned by ``dbt.ref()`` / ``dbt.source()``."""
    if isinstance(relation, pd.DataFrame):
        return relation
    for method in _TO_PANDAS_METHODS:
        if callable(getattr(relation, method, None)):
            return getattr(relation, method)()
    raise TypeError(f"cannot read a {type(relation).__name__} as a pandas DataFrame")


def typed_table(
    table: pd.DataFrame, types: Mapping[str, str], date_columns: Sequence[str] = ()
) -> pd.DataFrame:
    """The table a model materialises with stable column types, also when it is empty (an
    empty object column would reach the warehouse untyped): ``date_columns`` as dates, the rest
    as ``types`` says (pandas dtype names)."""
    table = table.copy()
    for column in date_columns:
        table[column] = pd.to_datetime(table[column]).dt.date
    return table.astype(dict(types))


def settings(meta: Mapping[str, Any] | None) -> dict[str, Any]:
    """A model's settings from its meta, as ``dbt.config.get("meta")`` returns it.

    The model itself must call ``dbt.config.get("meta")``: dbt finds the config a Python model
    reads by parsing its source. Vars rendered into yml arrive as text, so '', 'none' and
    'null' mean unset (None).
    """
    cleaned: dict[str, Any] = {}
    for key, value in (meta or {}).items():
        if isinstance(value, str) and value.strip().lower() in {"", "none", "null"}:
            value = None
        cleaned[key] = value
    return cleaned


def log(model_name: str, message: str) -> None:
    """Write a line to dbt's run log (console and logs/dbt.log)."""
    try:
        from dbt_common.events.functions import fire_event
        from dbt_common.events.types import Note
    except ImportError:  # outside dbt (a notebook, a test): plain print
        print(f"{model_name}: {message}")
        return
    fire_event(Note(msg=f"{model_name}: {message}"))


def previous_table(session: Any, schema: str, table: str) -> pd.DataFrame | None:
    """The table as the previous run left it, or None when it does not exist yet.

    Used for state carried from run to run (previous centroids), read before this run
    replaces the table.
    """
    # fetchall() completes the result: DuckDB refuses new work on a half-read one.
    (exists,) = session.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()[0]
    if not exists:
        return None
    return session.sql(f'select * from "{schema}"."{table}"').df()
