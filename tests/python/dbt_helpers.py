"""Run the dbt project against a throw-away raw folder and warehouse (used by the tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from behaviorseg.pii_key import KEY_ENVIRONMENT_VARIABLE, set_key_variables

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")
# The PII hashing key every test build uses (PII_HASH_SALT): distinctive, so a test can search
# every warehouse object, log and artefact for it.
TEST_PII_KEY = "test-key-7d1f0c9a-not-a-production-secret"


@dataclass(frozen=True)
class DbtResult:
    """Exit code and combined output of one dbt invocation."""

    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass(frozen=True)
class DbtProject:
    """The project pointed at one raw folder and one warehouse file."""

    raw_dir: Path
    warehouse: Path
    work_dir: Path

    def env(self, extra_env: dict[str, str | None] | None = None) -> dict[str, str]:
        """The environment `make` gives dbt, pointed at this raw folder and warehouse;
        ``extra_env`` overrides it (a None value removes the variable)."""
        env = {
            **os.environ,
            "RAW_DATA_DIR": str(self.raw_dir),
            "DUCKDB_PATH": str(self.warehouse),
            "DBT_PROFILES_DIR": str(PROJECT_DIR),
            "DBT_LOG_PATH": str(self.work_dir / "logs"),
            "DBT_TARGET_PATH": str(self.work_dir / "target"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            # As `make` runs dbt: a partial --select takes a test only when it can build all
            # of the test's parents (docs/configuration.md).
            "DBT_INDIRECT_SELECTION": "buildable",
            "PII_HASH_SALT": TEST_PII_KEY,
        }
        for name, value in (extra_env or {}).items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def run(self, *args: str, extra_env: dict[str, str | None] | None = None) -> DbtResult:
        """Run `dbt <args>` with this raw folder and warehouse; never raises. ``extra_env``
        overrides the environment; a None value removes the variable."""
        env = self.env(extra_env)
        completed = subprocess.run(
            [str(DBT_EXECUTABLE), "--no-use-colors", *args],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        return DbtResult(completed.returncode, completed.stdout + completed.stderr)

    def build(self, *args: str) -> DbtResult:
        """`dbt build`; fails the calling test with dbt's output when the build fails."""
        result = self.run("build", *args)
        assert result.ok, result.output[-6000:]
        return result

    def query(self, sql: str) -> pd.DataFrame:
        """Run SQL against the warehouse (read-only) and return a DataFrame. The connection has
        the test key, as dbt's have (the raw views hash PII with it)."""
        with duckdb.connect(str(self.warehouse), read_only=True) as connection:
            set_key_variables(connection, {KEY_ENVIRONMENT_VARIABLE: TEST_PII_KEY})
            return connection.execute(sql).df()

    def text_columns_containing(self, texts: list[str]) -> list[str]:
        """Text columns of the warehouse (tables and views) holding any of ``texts``."""
        with duckdb.connect(str(self.warehouse), read_only=True) as connection:
            set_key_variables(connection, {KEY_ENVIRONMENT_VARIABLE: TEST_PII_KEY})
            return text_columns_containing(connection, texts)

    def scalar(self, sql: str) -> object:
        """The single value a query returns."""
        return self.query(sql).iat[0, 0]


# Columns that record which run loaded or computed a row: they differ between an incremental
# build and a full refresh by design.
RUN_COLUMNS = ("sessionised_invocation_id", "loaded_at")


def table_snapshot(project: DbtProject, tables: dict[str, list[str]]) -> dict[str, pd.DataFrame]:
    """Each table (name -> key columns) sorted by its keys, without the run columns: what an
    incremental build and a full refresh must agree on."""
    frames = {}
    for table, keys in tables.items():
        frame = project.query(f"select * from {table}").drop(
            columns=list(RUN_COLUMNS), errors="ignore"
        )
        frames[table] = frame.sort_values(keys).reset_index(drop=True)
    return frames


def make_project(tmp_path: Path) -> DbtProject:
    """A DbtProject with its own empty raw dir and warehouse under tmp_path."""
    raw_dir = tmp_path / "raw"
    raw_dir.mkdir(parents=True, exist_ok=True)
    return DbtProject(raw_dir=raw_dir, warehouse=tmp_path / "warehouse.duckdb", work_dir=tmp_path)


def write_entity(raw_dir: Path, entity: str, file_name: str, rows: list[dict]) -> Path:
    """Write rows as one raw file (.parquet or .csv by file_name) of an entity folder."""
    folder = raw_dir / entity
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name
    frame = pd.DataFrame(rows)
    if file_name.endswith(".csv"):
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


def sql_text_literal(text: str) -> str:
    """A DuckDB string literal."""
    return "'" + text.replace("'", "''") + "'"


def text_columns_containing(connection: duckdb.DuckDBPyConnection, texts: list[str]) -> list[str]:
    """``schema.table.column`` of every text column of every table and view holding any of
    ``texts`` (one scan per relation)."""
    columns = connection.execute(
        "select table_schema, table_name, column_name from information_schema.columns"
        " where data_type = 'VARCHAR' order by all"
    ).fetchall()
    by_relation: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in columns:
        by_relation.setdefault((schema, table), []).append(column)
    found = []
    for (schema, table), names in by_relation.items():
        counts = ", ".join(
            "count(*) filter (where "
            + " or ".join(f'contains("{name}", {sql_text_literal(text)})' for text in texts)
            + ")"
            for name in names
        )
        hits = connection.execute(f'select {counts} from "{schema}"."{table}"').fetchone()
        found += [
            f"{schema}.{table}.{name}" for name, count in zip(names, hits, strict=True) if count
        ]
    return found
