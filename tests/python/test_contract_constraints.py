"""The marts' not_null and unique checks are contract constraints DuckDB enforces.

Each mart's yml declares them once (column `constraints: [{type: not_null}]`, `{type: unique}`,
a model-level `{type: unique, columns: [...]}`); dbt-duckdb creates the table with them, so a
build writing a null or duplicate key fails with DuckDB's constraint error, for a table mart and
on an incremental run alike. On a target that does not enforce them (Spark on Parquet) the
`contract_constraints` data test checks the same constraints, read from the graph.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from dbt_helpers import DbtProject, make_project

from behaviorseg.synthetic import generate

CONSTRAINT_NAMES = {"not_null": "NOT NULL", "unique": "UNIQUE", "primary_key": "PRIMARY KEY"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    """A warehouse built from a small generated data set."""
    project = make_project(tmp_path_factory.mktemp("constraints"))
    generate(
        out_dir=project.raw_dir, customers=300, days=60, seed=42, start_date=dt.date(2025, 9, 1)
    )
    project.build()
    return project


@pytest.fixture
def copy_of(built: DbtProject, tmp_path: Path) -> Iterator[DbtProject]:
    """The built warehouse copied, to tamper with: the same raw folder, its own file."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy2(built.warehouse, warehouse)
    yield DbtProject(raw_dir=built.raw_dir, warehouse=warehouse, work_dir=tmp_path)


def manifest(project: DbtProject) -> dict:
    return json.loads((project.work_dir / "target" / "manifest.json").read_text())


def contracted_marts(project: DbtProject) -> list[dict]:
    return [
        node
        for node in manifest(project)["nodes"].values()
        if node["resource_type"] == "model"
        and node["original_file_path"].startswith("models/marts/")
        and node["contract"]["enforced"]
    ]


def declared_constraints(node: dict) -> set[tuple[str, tuple[str, ...]]]:
    """(DuckDB constraint type, columns) of every not_null, unique and primary key constraint in
    the model's yml (a primary key's columns are not null too)."""
    declared = set()
    constraints = [
        {**constraint, "columns": [column["name"]]}
        for column in node["columns"].values()
        for constraint in column["constraints"]
    ] + node["constraints"]
    for constraint in constraints:
        if constraint["type"] not in CONSTRAINT_NAMES:
            continue
        declared.add((CONSTRAINT_NAMES[constraint["type"]], tuple(constraint["columns"])))
        if constraint["type"] == "primary_key":
            declared |= {("NOT NULL", (column,)) for column in constraint["columns"]}
    return declared


def execute(project: DbtProject, *statements: str) -> None:
    with duckdb.connect(str(project.warehouse)) as connection:
        for statement in statements:
            connection.execute(statement)


def test_every_mart_table_carries_the_constraints_of_its_yml(built: DbtProject) -> None:
    marts = contracted_marts(built)
    in_duckdb = built.query(
        "select schema_name, table_name, constraint_type, constraint_column_names "
        "from duckdb_constraints() "
        "where constraint_type in ('NOT NULL', 'UNIQUE', 'PRIMARY KEY')"
    )
    actual: dict[tuple[str, str], set] = {}
    for row in in_duckdb.itertuples(index=False):
        key = (row.schema_name, row.table_name)
        actual.setdefault(key, set()).add((row.constraint_type, tuple(row.constraint_column_names)))
    checked = 0
    for node in marts:
        declared = declared_constraints(node)
        assert actual.get((node["schema"], node["alias"]), set()) == declared, node["name"]
        checked += bool(declared)
    # The core, quality, activation, journey, segment, activity, lifecycle and value marts.
    assert len(marts) >= 35
    assert checked >= 30
    fct_orders = actual[("main", "fct_orders")]
    assert {("NOT NULL", ("order_id",)), ("UNIQUE", ("order_id",))} <= fct_orders
    assert ("UNIQUE", ("identifier_type", "identifier")) in actual[("main", "identity_map")]


def test_marts_check_not_null_and_unique_keys_only_as_constraints(built: DbtProject) -> None:
    """No mart keeps a not_null or unique data test (DuckDB enforces the constraint instead); a
    combination test stays only where a column may be null (a unique constraint lets null keys
    repeat, the test does not); every mart with constraints has the contract_constraints test,
    disabled on DuckDB, that checks them on Spark."""
    marts = {node["unique_id"]: node for node in contracted_marts(built)}
    found = manifest(built)
    tests = [node for node in found["nodes"].values() if node["resource_type"] == "test"]
    for test in tests:
        name = (test.get("test_metadata") or {}).get("name")
        mart = marts.get(test.get("attached_node"))
        if mart is None:
            continue
        assert name not in ("not_null", "unique"), test["unique_id"]
        if name == "unique_combination_of_columns":
            columns = test["test_metadata"]["kwargs"]["combination_of_columns"]
            not_null = {
                column
                for (kind, (column, *more)) in declared_constraints(mart)
                if kind == "NOT NULL" and not more
            }
            assert not set(columns) <= not_null, (test["unique_id"], "make it a constraint")
    disabled_checks = {
        node["attached_node"]
        for versions in found["disabled"].values()
        for node in versions
        if (node.get("test_metadata") or {}).get("name") == "contract_constraints"
    }
    constrained = {unique_id for unique_id, node in marts.items() if declared_constraints(node)}
    assert len(constrained) >= 30
    assert constrained <= disabled_checks
    enabled = [test for test in tests if "contract_constraints" in test["unique_id"]]
    assert not enabled, "contract_constraints runs on DuckDB, which enforces the constraints"


def test_a_duplicate_key_fails_the_incremental_fct_orders_run(copy_of: DbtProject) -> None:
    """Two re-sent versions of one order in a later load: the incremental delete+insert writes
    both, and DuckDB rejects the insert (a key repeated within one insert is named by its value;
    one clashing with a stored row would be named `"order_id: <value>"`); the stored table is
    kept."""
    order_id = copy_of.scalar("select min(order_id) from main.fct_orders")
    before = copy_of.scalar("select count(*) from main.fct_orders")
    execute(
        copy_of,
        "create temp table resent as select * from staging.base_commerce__orders "
        f"where order_id = '{order_id}' and dedupe_rank = 1 and quarantine_reason is null",
        "update resent set total_amount = total_amount + 1",
        "insert into staging.base_commerce__orders select * from resent",
        "update resent set total_amount = total_amount + 1",
        "insert into staging.base_commerce__orders select * from resent",
    )
    assert (
        copy_of.scalar(
            f"select count(*) from staging.stg_commerce__orders where order_id = '{order_id}'"
        )
        == 3
    )
    result = copy_of.run("run", "--select", "fct_orders")
    assert not result.ok
    assert "incremental model main.fct_orders" in result.output
    assert "Runtime Error in model fct_orders" in result.output
    assert (
        f'Constraint Error: PRIMARY KEY or UNIQUE constraint violation: duplicate key "{order_id}"'
        in result.output
    ), result.output[-3000:]
    assert copy_of.scalar("select count(*) from main.fct_orders") == before


def test_a_null_key_fails_the_incremental_fct_orders_run(copy_of: DbtProject) -> None:
    execute(
        copy_of,
        "create temp table planted as select * from staging.base_commerce__orders "
        "where dedupe_rank = 1 and quarantine_reason is null limit 1",
        "update planted set order_id = 'planted-order', customer_id = null",
        "insert into staging.base_commerce__orders select * from planted",
    )
    result = copy_of.run("run", "--select", "fct_orders")
    assert not result.ok
    assert "NOT NULL constraint failed: fct_orders.customer_id" in result.output, result.output[
        -3000:
    ]
    assert not copy_of.scalar(
        "select count(*) from main.fct_orders where order_id = 'planted-order'"
    )


def test_a_null_or_duplicate_key_fails_the_identity_map_table_build(copy_of: DbtProject) -> None:
    """identity_map is a table rebuilt each run: a null person and, separately, an identifier
    mapped twice (its model-level unique key) fail the build; the previous table stays."""
    before = copy_of.scalar("select count(*) from main.identity_map")
    execute(
        copy_of,
        "create table intermediate.components_backup as "
        "select * from intermediate.int_identity_components",
        "update intermediate.int_identity_components set person_id = null "
        "where node_id = (select min(node_id) from intermediate.int_identity_components "
        "where node_type = 'user_id')",
    )
    result = copy_of.run("run", "--select", "identity_map")
    assert not result.ok
    # The table is written under a temporary name and renamed into place once it is complete.
    assert re.search(
        r"NOT NULL constraint failed: identity_map(__dbt_tmp)?\.person_id", result.output
    ), result.output[-3000:]

    execute(
        copy_of,
        "create or replace table intermediate.int_identity_components as "
        "select * from intermediate.components_backup union all "
        "(select * from intermediate.components_backup where node_type = 'user_id' limit 1)",
    )
    result = copy_of.run("run", "--select", "identity_map")
    assert not result.ok
    assert "PRIMARY KEY or UNIQUE constraint violation: duplicate key" in result.output
    assert copy_of.scalar("select count(*) from main.identity_map") == before

    execute(
        copy_of,
        "create or replace table intermediate.int_identity_components as "
        "select * from intermediate.components_backup",
    )
    assert copy_of.run("run", "--select", "identity_map").ok


def test_the_spark_side_check_finds_what_the_constraints_forbid(copy_of: DbtProject) -> None:
    """The contract_constraints data test (enabled here by var) passes on the built marts and
    fails on a mart rewritten without its constraints, with a duplicate and a null key."""
    enable = ["--vars", "{contract_constraints_as_tests: true}"]
    passed = copy_of.run("test", "--select", "test_name:contract_constraints", *enable)
    assert passed.ok, passed.output[-3000:]
    assert re.search(r"PASS=(3[0-9]|[4-9][0-9])\b", passed.output), passed.output[-1000:]

    execute(
        copy_of,
        "create table main.unconstrained as select * from main.fct_orders union all "
        "(select * from main.fct_orders order by order_id limit 1)",
        "update main.unconstrained set person_id = null "
        "where order_id = (select max(order_id) from main.unconstrained)",
        "drop table main.fct_orders",
        "alter table main.unconstrained rename to fct_orders",
    )
    failed = copy_of.run(
        "test", "--select", "test_name:contract_constraints,fct_orders", "--store-failures", *enable
    )
    assert not failed.ok
    assert "FAIL 2 contract_constraints_fct_orders_" in failed.output, failed.output[-3000:]
    broken = copy_of.query(
        "select constraint_type, constraint_columns, failing_rows "
        "from dbt_test__audit.contract_constraints_fct_orders_ order by 1"
    )
    assert broken.values.tolist() == [["not_null", "person_id", 1], ["unique", "order_id", 1]]


def test_an_incremental_mart_stored_before_its_constraints_gets_them(copy_of: DbtProject) -> None:
    """A warehouse built before the constraints were declared: the incremental run of
    fct_orders adds them to the stored table (a pre-hook) instead of leaving them unenforced,
    and fails when a stored row breaks one."""
    unconstrained = (
        "create or replace table main.unconstrained as select * from main.fct_orders",
        "drop table main.fct_orders",
        "alter table main.unconstrained rename to fct_orders",
    )
    stored_constraints = (
        "select constraint_type, constraint_column_names from duckdb_constraints() "
        "where schema_name = 'main' and table_name = 'fct_orders' "
        "and constraint_type in ('NOT NULL', 'UNIQUE', 'PRIMARY KEY')"
    )
    execute(copy_of, *unconstrained)
    assert copy_of.query(stored_constraints).empty
    result = copy_of.run("run", "--select", "fct_orders")
    assert result.ok, result.output[-3000:]
    assert "Adding the contract constraint missing from" in result.output
    node = manifest(copy_of)["nodes"]["model.behavioral_segmentation.fct_orders"]
    added = {
        (row.constraint_type, tuple(row.constraint_column_names))
        for row in copy_of.query(stored_constraints).itertuples(index=False)
    }
    assert added == declared_constraints(node)

    execute(
        copy_of,
        *unconstrained,
        "update main.fct_orders set customer_id = null "
        "where order_id = (select min(order_id) from main.fct_orders)",
    )
    result = copy_of.run("run", "--select", "fct_orders")
    assert not result.ok
    assert "Constraint Error" in result.output and "customer_id" in result.output, result.output[
        -3000:
    ]
