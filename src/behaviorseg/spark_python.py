"""The Python stage of the `spark` target: what Spark does not build, built on one node.

dbt-spark's `session` method runs no dbt Python models, so on the `spark` target they, and the
SQL models, seeds and snapshot that read them, are disabled (`+enabled` in dbt_project.yml).
They are customer-grain (a row per customer, segment or day), small enough for one machine. This
module builds them with the `spark_python` output (DuckDB) against the Spark warehouse:

1. it parses the project for both targets and selects the nodes enabled on `spark_python` but
   not on `spark`, plus the Spark views among their ancestors (a view holds no data of its own:
   DuckDB re-creates it from the same SQL);
2. every other table Spark built (`<SPARK_WAREHOUSE_DIR>/<schema>.db/<table>/`, Parquet part
   files) becomes a DuckDB view of the same `schema.name`, so `ref()` resolves to it;
3. it runs `dbt build --target spark_python --select <those nodes>`.

The DuckDB file then holds every mart (Spark's as views over its Parquet, the Python stage's as
tables), so `behaviorseg publish-marts` publishes the same marts as a DuckDB build.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

SPARK_TARGET = "spark"
PYTHON_TARGET = "spark_python"
# Resource types that are relations in the warehouse.
RELATION_TYPES: frozenset[str] = frozenset({"model", "seed", "snapshot"})
# Materializations that leave no data of their own on Spark (a view is its SQL; an ephemeral
# model is inlined): the Python stage builds them again on DuckDB when it reads them.
NO_DATA_MATERIALIZATIONS: frozenset[str] = frozenset({"view", "ephemeral"})


class SparkPythonError(RuntimeError):
    """The Python stage cannot run (the Spark stage has not built what it reads)."""


@dataclass(frozen=True)
class Node:
    """A model, seed or snapshot of one target's manifest."""

    unique_id: str
    name: str
    schema: str
    alias: str
    materialized: str
    parents: tuple[str, ...]

    @property
    def relation(self) -> str:
        """``schema.alias``, as `ref()` resolves it."""
        return f"{self.schema}.{self.alias}"


def manifest_nodes(manifest: Mapping) -> dict[str, Node]:
    """The enabled models, seeds and snapshots of a dbt manifest.json, by unique id."""
    nodes = {}
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] not in RELATION_TYPES:
            continue
        nodes[unique_id] = Node(
            unique_id=unique_id,
            name=node["name"],
            schema=node["schema"],
            alias=node.get("alias") or node["name"],
            materialized=node.get("config", {}).get("materialized", node["resource_type"]),
            parents=tuple(node.get("depends_on", {}).get("nodes", [])),
        )
    return nodes


def python_stage_nodes(
    duckdb_nodes: Mapping[str, Node], spark_nodes: Mapping[str, Node]
) -> set[str]:
    """Unique ids the Python stage builds: every node enabled on DuckDB but not on Spark, and
    the ancestors of those that Spark keeps no data of (views, ephemeral models), recursively
    (a Spark view over a Spark table is re-created on DuckDB over that table's view)."""
    selected = set(duckdb_nodes) - set(spark_nodes)
    pending = list(selected)
    while pending:
        for parent in duckdb_nodes[pending.pop()].parents:
            spark_parent = spark_nodes.get(parent)
            if parent in selected or parent not in duckdb_nodes or spark_parent is None:
                continue  # already selected, a source (read by DuckDB's raw views) or a test
            if spark_parent.materialized in NO_DATA_MATERIALIZATIONS:
                selected.add(parent)
                pending.append(parent)
    return selected


def spark_tables(spark_nodes: Mapping[str, Node], selected: Iterable[str]) -> list[Node]:
    """The nodes Spark holds as tables that the Python stage reads instead of building, by
    relation."""
    skip = set(selected)
    tables = [
        node
        for unique_id, node in spark_nodes.items()
        if unique_id not in skip and node.materialized not in NO_DATA_MATERIALIZATIONS
    ]
    return sorted(tables, key=lambda node: node.relation)


def table_folder(warehouse_dir: Path | str, node: Node) -> Path:
    """Where Spark's Hive catalog keeps a managed table: ``<warehouse>/<schema>.db/<table>/``,
    or ``<warehouse>/<table>/`` in the `default` database (the metastore lower-cases names)."""
    schema = node.schema.lower()
    database = Path(warehouse_dir) if schema == "default" else Path(warehouse_dir) / f"{schema}.db"
    return database / node.alias.lower()


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def view_statements(node: Node, folder: Path, existing_table: bool = False) -> list[str]:
    """DuckDB statements that expose a Spark table's Parquet folder as the view
    ``schema.alias``, replacing an earlier view (or, with ``existing_table``, a table a DuckDB
    build left under that name)."""
    relation = f"{_identifier(node.schema)}.{_identifier(node.alias)}"
    files = _literal(str(folder / "**" / "*.parquet"))
    return [
        f"create schema if not exists {_identifier(node.schema)}",
        *([f"drop table {relation}"] if existing_table else []),
        f"create or replace view {relation} as select * from read_parquet({files})",
    ]


def unreadable_reason(folder: Path) -> str | None:
    """Why a Spark table's folder cannot be read as a plain Parquet table, or None."""
    if not folder.is_dir():
        return "no table folder"
    if (folder / "_delta_log").is_dir():
        # A Delta table's folder keeps the files its later writes superseded: reading every
        # Parquet file would bring back deleted and replaced rows.
        return "a Delta table (the Python stage reads plain Parquet tables only)"
    if not any(folder.rglob("*.parquet")):
        return "no Parquet files"
    return None


def create_spark_views(
    duckdb_path: Path | str, warehouse_dir: Path | str, tables: Sequence[Node]
) -> list[str]:
    """Create a DuckDB view over each Spark table's Parquet files; the relations created.
    Raises SparkPythonError naming each table that cannot be read and why."""
    warehouse_dir = Path(warehouse_dir).resolve()
    folders = {node.relation: table_folder(warehouse_dir, node) for node in tables}
    problems = {
        relation: reason
        for relation, folder in folders.items()
        if (reason := unreadable_reason(folder)) is not None
    }
    if problems:
        listed = "; ".join(
            f"{relation} ({folders[relation]}): {reason}" for relation, reason in problems.items()
        )
        raise SparkPythonError(
            f"The Python stage cannot read these Spark tables in {warehouse_dir}: {listed}. "
            "Build the spark target first (DBT_TARGET=spark dbt build, or make build-spark), "
            "with the project's Parquet tables."
        )
    Path(duckdb_path).parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(duckdb_path)) as connection:
        base_tables = {
            f"{schema}.{table}"
            for schema, table in connection.execute(
                "select schema_name, table_name from duckdb_tables()"
            ).fetchall()
        }
        for node in tables:
            existing = node.relation in base_tables
            for statement in view_statements(node, folders[node.relation], existing):
                connection.execute(statement)
    return [node.relation for node in tables]


def parse_manifest(target: str, project_dir: Path | str, env: Mapping[str, str]) -> dict:
    """`dbt parse` of the project for one target (in a throw-away target path); its manifest."""
    dbt = Path(sys.executable).with_name("dbt")
    with tempfile.TemporaryDirectory(prefix=f"behaviorseg-{target}-") as target_path:
        completed = subprocess.run(
            [str(dbt), "--quiet", "parse", "--target", target, "--target-path", target_path],
            cwd=project_dir,
            env={**env, "DBT_TARGET": target},
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise SparkPythonError(
                f"dbt parse --target {target} failed:\n{completed.stdout}{completed.stderr}"
            )
        return json.loads((Path(target_path) / "manifest.json").read_text())


def build_command(nodes: Iterable[Node], dbt_args: Sequence[str] = ()) -> list[str]:
    """The dbt arguments that build the Python stage's nodes on the spark_python target."""
    names = sorted({node.name for node in nodes})
    return ["build", "--target", PYTHON_TARGET, "--select", *names, *dbt_args]


def run_python_stage(
    duckdb_path: Path | str,
    warehouse_dir: Path | str,
    project_dir: Path | str = ".",
    dbt_args: Sequence[str] = (),
) -> int:
    """Expose the Spark tables in ``duckdb_path`` and build the Python stage there; dbt's exit
    code."""
    env = {
        **os.environ,
        "SPARK_PYTHON_DUCKDB_PATH": str(duckdb_path),
        "SPARK_WAREHOUSE_DIR": str(warehouse_dir),
    }
    duckdb_nodes = manifest_nodes(parse_manifest(PYTHON_TARGET, project_dir, env))
    spark_nodes = manifest_nodes(parse_manifest(SPARK_TARGET, project_dir, env))
    selected = python_stage_nodes(duckdb_nodes, spark_nodes)
    views = create_spark_views(duckdb_path, warehouse_dir, spark_tables(spark_nodes, selected))
    print(
        f"Python stage: {len(views)} Spark tables as DuckDB views in {duckdb_path}, "
        f"building {len(selected)} nodes on the {PYTHON_TARGET} target"
    )
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt), *build_command((duckdb_nodes[i] for i in selected), dbt_args)]
    return subprocess.run(
        command, cwd=project_dir, env={**env, "DBT_TARGET": PYTHON_TARGET}, check=False
    ).returncode
