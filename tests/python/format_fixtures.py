"""Tracker-export fixtures (tests/fixtures/<format>/) and their hand-written staged rows."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from dbt_helpers import DbtProject

FIXTURES_DIR = Path(__file__).resolve().parents[1] / "fixtures"


def copy_fixture(source: Path, destination: Path) -> None:
    """Copy a fixture file or folder to ``destination`` (a file path, or a folder path)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, destination, dirs_exist_ok=True)
    else:
        shutil.copyfile(source, destination)


def expected_rows(path: Path) -> pd.DataFrame:
    """A hand-written expected table: every value as text, an empty cell as null."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame.replace("", None)


def as_expected_text(values: pd.Series) -> list[str | None]:
    """Warehouse values written as the expected files write them: timestamps
    ``YYYY-MM-DD HH:MM:SS[.ffffff]``, numbers without trailing zeros, booleans true/false."""

    def text(value: object) -> str | None:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        if isinstance(value, pd.Timestamp):
            fraction = f".{value.microsecond:06d}".rstrip("0") if value.microsecond else ""
            return value.strftime("%Y-%m-%d %H:%M:%S") + fraction
        if isinstance(value, bool | np.bool_):
            return "true" if value else "false"
        if isinstance(value, Decimal):
            value = float(value)
        if isinstance(value, float | np.floating):
            return f"{value:.6f}".rstrip("0").rstrip(".")
        return str(value)

    return [text(value) for value in values.astype(object)]


def staged_rows(project: DbtProject, table: str, columns: list[str]) -> list[tuple]:
    """The table's rows over ``columns``, as text (:func:`as_expected_text`), sorted."""
    quoted = ", ".join(f'"{column}"' for column in columns)
    actual = project.query(f"select {quoted} from {table}")
    texts = {column: as_expected_text(actual[column]) for column in columns}
    return sorted(zip(*texts.values(), strict=True), key=sort_key)


def sort_key(row: tuple) -> tuple:
    """Rows sorted with nulls first."""
    return tuple((value is not None, value or "") for value in row)


def assert_stages_exactly(project: DbtProject, table: str, expected_file: Path) -> None:
    """The table holds exactly the expected file's rows (its columns, any row order)."""
    expected = expected_rows(expected_file)
    wanted = sorted(
        (tuple(row) for row in expected.astype(object).itertuples(index=False)), key=sort_key
    )
    wanted = [tuple(None if pd.isna(value) else value for value in row) for row in wanted]
    actual = staged_rows(project, table, list(expected.columns))
    assert actual == wanted, "\n".join(
        [f"{table} differs from {expected_file.name}:", *map(str, actual)]
    )
