"""The Python stage of the spark target without Spark: node selection from the two targets'
manifests, and Spark table folders exposed as DuckDB views (behaviorseg.spark_python)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from behaviorseg.spark_python import (
    Node,
    SparkPythonError,
    build_command,
    create_spark_views,
    manifest_nodes,
    python_stage_nodes,
    spark_tables,
    table_folder,
)

PREFIX = "model.behavioral_segmentation."


def manifest_node(name: str, materialized: str, parents: list[str], schema: str = "main") -> dict:
    """A manifest.json node as dbt writes it (the fields the module reads)."""
    return {
        "resource_type": "seed" if materialized == "seed" else "model",
        "name": name,
        "schema": schema,
        "alias": name,
        "config": {"materialized": materialized},
        "depends_on": {"nodes": parents},
    }


def manifests() -> tuple[dict, dict]:
    """A small project: raw source -> base table -> staging view -> features table -> a
    Python model -> a mart on it and on a seed disabled on Spark; a test node too."""
    duckdb_side = {
        PREFIX + "base_orders": manifest_node(
            "base_orders", "table", ["source.behavioral_segmentation.raw.orders"], "staging"
        ),
        PREFIX + "stg_orders": manifest_node(
            "stg_orders", "view", [PREFIX + "base_orders"], "staging"
        ),
        PREFIX + "customer_features": manifest_node(
            "customer_features", "incremental", [PREFIX + "base_orders"]
        ),
        PREFIX + "int_segments": manifest_node(
            "int_segments",
            "table",
            [PREFIX + "customer_features", PREFIX + "stg_orders"],
            "intermediate",
        ),
        "seed.behavioral_segmentation.naming_rules": manifest_node(
            "naming_rules", "seed", [], "reference"
        ),
        PREFIX + "customer_segments": manifest_node(
            "customer_segments",
            "table",
            [PREFIX + "int_segments", "seed.behavioral_segmentation.naming_rules"],
        ),
        "test.behavioral_segmentation.unique_x": {"resource_type": "test", "name": "unique_x"},
    }
    spark_side = {
        key: value
        for key, value in duckdb_side.items()
        if key.rsplit(".", 1)[1] in ("base_orders", "stg_orders", "customer_features", "unique_x")
    }
    return {"nodes": duckdb_side}, {"nodes": spark_side}


def test_manifest_nodes_keeps_relations_only() -> None:
    duckdb_side, _ = manifests()
    nodes = manifest_nodes(duckdb_side)
    assert "test.behavioral_segmentation.unique_x" not in nodes
    assert nodes[PREFIX + "stg_orders"].relation == "staging.stg_orders"
    assert nodes["seed.behavioral_segmentation.naming_rules"].materialized == "seed"


def test_the_python_stage_is_what_spark_disables_plus_the_spark_views_it_reads() -> None:
    duckdb_side, spark_side = manifests()
    duck, spark = manifest_nodes(duckdb_side), manifest_nodes(spark_side)
    selected = python_stage_nodes(duck, spark)
    assert selected == {
        PREFIX + "int_segments",
        PREFIX + "customer_segments",
        "seed.behavioral_segmentation.naming_rules",
        PREFIX + "stg_orders",  # a Spark view: re-created on DuckDB over base_orders
    }
    # Spark's tables (not its views) are read as views of their Parquet files.
    assert [node.relation for node in spark_tables(spark, selected)] == [
        "main.customer_features",
        "staging.base_orders",
    ]
    assert build_command((duck[i] for i in selected), ["--threads", "1"]) == [
        "build",
        "--target",
        "spark_python",
        "--select",
        "customer_segments",
        "int_segments",
        "naming_rules",
        "stg_orders",
        "--threads",
        "1",
    ]


def test_nothing_is_selected_when_spark_builds_everything() -> None:
    duckdb_side, _ = manifests()
    nodes = manifest_nodes(duckdb_side)
    assert python_stage_nodes(nodes, nodes) == set()


def spark_table(warehouse: Path, schema: str, table: str, data: pa.Table) -> None:
    """A table folder as Spark writes one: part files, _SUCCESS and checksum files."""
    folder = warehouse / f"{schema}.db" / table
    folder.mkdir(parents=True)
    pq.write_table(data.slice(0, 1), folder / "part-00000-abc-c000.snappy.parquet")
    pq.write_table(data.slice(1), folder / "part-00001-abc-c000.snappy.parquet")
    (folder / "_SUCCESS").write_text("")
    (folder / ".part-00000-abc-c000.snappy.parquet.crc").write_bytes(b"\0")


def node(name: str, schema: str) -> Node:
    return Node(PREFIX + name, name, schema, name, "table", ())


def test_spark_folders_become_views_of_the_same_name(tmp_path: Path) -> None:
    warehouse = tmp_path / "spark-warehouse"
    spark_table(warehouse, "main", "customer_features", pa.table({"customer_id": ["a", "b", "c"]}))
    spark_table(warehouse, "staging", "base_orders", pa.table({"order_id": [1, 2]}))
    features, orders = node("customer_features", "main"), node("base_orders", "staging")
    assert table_folder(warehouse, features) == warehouse / "main.db" / "customer_features"
    assert table_folder(warehouse, node("Orders", "default")) == warehouse / "orders"
    target = tmp_path / "spark-python.duckdb"
    with duckdb.connect(str(target)) as connection:  # a table an earlier DuckDB build left
        connection.execute("create table main.customer_features as select 'stale' as x")
    for _ in range(2):  # a rerun replaces the views
        assert create_spark_views(target, warehouse, [features, orders]) == [
            "main.customer_features",
            "staging.base_orders",
        ]
    with duckdb.connect(str(target), read_only=True) as connection:
        assert connection.sql(
            "select customer_id from main.customer_features order by 1"
        ).fetchall() == [
            ("a",),
            ("b",),
            ("c",),
        ]
        assert connection.sql("select sum(order_id) from staging.base_orders").fetchall() == [(3,)]
        kinds = connection.sql(
            "select table_name, table_type from information_schema.tables order by 1"
        ).fetchall()
    assert kinds == [("base_orders", "VIEW"), ("customer_features", "VIEW")]


def test_a_table_spark_has_not_written_stops_with_what_to_do(tmp_path: Path) -> None:
    warehouse = tmp_path / "spark-warehouse"
    (warehouse / "main.db" / "customer_features").mkdir(parents=True)
    with pytest.raises(SparkPythonError) as raised:
        create_spark_views(
            tmp_path / "x.duckdb",
            warehouse,
            [node("customer_features", "main"), node("fct_orders", "main")],
        )
    message = str(raised.value)
    assert (
        "main.customer_features (" in message and "customer_features): no Parquet files" in message
    )
    assert "fct_orders): no table folder" in message
    assert "Build the spark target first" in message
    assert not (tmp_path / "x.duckdb").exists()


def test_a_delta_table_is_refused_not_read_with_its_superseded_files(tmp_path: Path) -> None:
    warehouse = tmp_path / "spark-warehouse"
    folder = warehouse / "main.db" / "fct_orders"
    (folder / "_delta_log").mkdir(parents=True)
    pq.write_table(pa.table({"order_id": [1]}), folder / "part-00000.parquet")
    with pytest.raises(SparkPythonError, match=r"fct_orders\): a Delta table"):
        create_spark_views(tmp_path / "x.duckdb", warehouse, [node("fct_orders", "main")])
