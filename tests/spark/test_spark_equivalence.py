"""The same dbt project on Apache Spark gives exactly DuckDB's answer.

One small generated data set (made less uniform: a day of orders, customers and web events
exported as CSV, a web events file without an optional column, an erased customer) is built
twice: with DuckDB (the default target, a full `dbt build`) and with Spark (the `spark` target:
dbt-spark's `session` method, pyspark in local mode, models, seeds and dbt tests), followed by
its Python stage (`behaviorseg spark-python`: the Python models and what reads them, built on the
`spark_python` DuckDB output over the Spark tables' Parquet files). Then every table the Spark
SQL stage builds (staging, identity graph, events, sessions, orders, customer features with
their RFM scores, the quality and trigger marts) and every table of the Python stage (segments,
anomalies, forecasts, activity, journeys, value, lifecycle, activation, the quality gates) is
compared row for row: the same columns in the same order, the same keys, the same values,
floating point within 1e-9 (nothing else is rounded).

Not part of the default pytest run (pyproject's testpaths is tests/python): `make test-spark`.
Needs Java 17 and dbt-spark with pyspark (docs/spark.md).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dbt_helpers import DbtProject
from test_pii_key_secrecy import key_forms, leaks_in_files

from behaviorseg.pii_key import hmac_hex
from behaviorseg.synthetic import generate

CUSTOMERS = 150
DAYS = 20
SEED = 3
START = dt.date(2025, 10, 1)
PII_SALT = "spark-equivalence-salt"

# Every model, seed and table the spark target builds (all but the Python models and what reads
# them), with the columns that identify a row.
TABLES: dict[str, list[str]] = {
    "reference.event_type_map": ["source", "raw_event_type"],
    "reference.rfm_segment_map": ["rfm_segment"],
    "staging.base_web__events": ["source_file", "source_row_number"],
    "staging.base_app__events": ["source_file", "source_row_number"],
    "staging.base_commerce__orders": ["source_file", "source_row_number"],
    "staging.base_commerce__order_items": ["source_file", "source_row_number"],
    "staging.base_support__tickets": ["source_file", "source_row_number"],
    "staging.base_crm__customers": ["source_file", "source_row_number"],
    "staging.base_experiments__assignments": ["source_file", "source_row_number"],
    "staging.stg_web__events": ["event_id"],
    "staging.stg_app__events": ["event_id"],
    "staging.stg_commerce__orders": ["order_id"],
    "staging.stg_commerce__order_items": ["order_id", "line_number"],
    "staging.stg_support__tickets": ["ticket_id"],
    "staging.stg_crm__customers": ["customer_id"],
    "staging.stg_experiments__assignments": ["experiment_id", "customer_id"],
    "quality.quarantined_rows": ["source_name", "source_file", "source_row_number"],
    "quality.raw_row_reconciliation": ["source_name"],
    "intermediate.int_events_unified": ["event_key"],
    "intermediate.int_identity_links": ["identifier_type", "identifier", "user_id"],
    "intermediate.int_identity_components": ["node_key"],
    "intermediate.int_events_sessionised": ["event_key"],
    "intermediate.int_as_of_date_resolved": ["as_of_date"],
    "intermediate.int_customer_orders_aggregated": ["customer_id"],
    "intermediate.int_customer_tickets_aggregated": ["customer_id"],
    "intermediate.int_person_sessions_aggregated": ["person_id"],
    "intermediate.int_journey_steps": ["session_id", "step_number"],
    "main.identity_map": ["identifier_type", "identifier"],
    "main.fct_orders": ["order_id"],
    "main.fct_sessions": ["session_id"],
    "main.dim_customers": ["customer_id"],
    "main.customer_features": ["customer_id"],
    "main.abandoned_carts": ["idempotency_key"],
    "main.session_offers": ["idempotency_key"],
}
# Values that name the run, not the data (each engine's build lists the files in its own run:
# file_loaded_at is that run's start).
RUN_COLUMNS = {"sessionised_invocation_id", "detected_at", "loaded_at", "file_loaded_at"}
# Every table the Python stage builds on the spark_python target (the nodes disabled on the
# spark target, dbt_project.yml) and the quality gates' log, compared with DuckDB's full build.
PYTHON_STAGE_TABLES: tuple[str, ...] = (
    "intermediate.int_activity_decomposition",
    "intermediate.int_activity_forecasts",
    "intermediate.int_churn_features_snapshotted",
    "intermediate.int_churn_model_validation",
    "intermediate.int_clv_model_parameters",
    "intermediate.int_clv_validation",
    "intermediate.int_customer_activity_days",
    "intermediate.int_customer_activity_periods",
    "intermediate.int_customer_anomalies_scored",
    "intermediate.int_customer_churn_risk",
    "intermediate.int_customer_feature_values",
    "intermediate.int_customer_lifetime_value",
    "intermediate.int_customer_segments_assigned",
    "intermediate.int_experiment_outcomes",
    "intermediate.int_forecast_backtest",
    "intermediate.int_funnel_daily_metrics",
    "intermediate.int_journey_friction_alerts",
    "intermediate.int_journey_markov",
    "intermediate.int_journey_transitions_aggregated",
    "intermediate.int_segment_centroids",
    "intermediate.int_segment_control_charts",
    "intermediate.int_segment_dendrogram",
    "intermediate.int_segment_drift_alerts",
    "intermediate.int_segment_experiment_results",
    "intermediate.int_segment_feature_profiles",
    "intermediate.int_segment_feature_tests",
    "intermediate.int_segment_model_selection",
    "intermediate.int_segment_profiles",
    "intermediate.int_segmentation_fit",
    "intermediate.int_transaction_days_aggregated",
    "main.activity_decomposition",
    "main.activity_forecasts",
    "main.churn_model_validation",
    "main.clv_model_parameters",
    "main.clv_validation",
    "main.customer_anomalies",
    "main.customer_churn_risk",
    "main.customer_lifecycle",
    "main.customer_lifetime_value",
    "main.customer_segments",
    "main.forecast_backtest",
    "main.journey_friction_alerts",
    "main.journey_markov",
    "main.journey_sankey_edges",
    "main.journey_transitions",
    "main.journey_transitions_weekly",
    "main.lifecycle_weekly",
    "main.segment_centroids",
    "main.segment_control_charts",
    "main.segment_daily_activity",
    "main.segment_dendrogram",
    "main.segment_drift_alerts",
    "main.segment_experiment_results",
    "main.segment_feature_profiles",
    "main.segment_memberships",
    "main.segment_model_selection",
    "main.segment_profiles",
    "main.segment_rfm_mix",
    "main.segment_transitions",
    "quality.dq_gate_marts",
    "quality.dq_gate_raw",
    "quality.dq_gate_staging",
    "quality.dq_validation_results",
    "reference.segment_campaigns",
    "reference.segment_naming_rules",
    "snapshots.customer_segment_history",
)
# Columns of the Python stage that name the run, not the data (each build has its own clock):
# a fit's wall time, the time a membership row was written, the snapshot's dbt_* validity
# stamps of that write (dbt_scd_id hashes it), and a quality gate run's id and time.
PYTHON_RUN_COLUMNS: dict[str, frozenset[str]] = {
    "intermediate.int_forecast_backtest": frozenset({"fit_seconds"}),
    "main.forecast_backtest": frozenset({"fit_seconds"}),
    "main.segment_memberships": frozenset({"updated_at"}),
    "snapshots.customer_segment_history": frozenset(
        {"dbt_scd_id", "dbt_updated_at", "dbt_valid_from"}
    ),
    **{
        gate: frozenset({"run_id", "run_at"})
        for gate in (
            "quality.dq_gate_marts",
            "quality.dq_gate_raw",
            "quality.dq_gate_staging",
            "quality.dq_validation_results",
        )
    },
}
# Gate columns that quote the run's clock (the "not in the future" rules: after <run_at>):
# compared with that clock masked, so only the clock itself is left out.
RUN_CLOCK_TEXT_COLUMNS = ("rule", "kwargs")


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[tuple]


@dataclass(frozen=True)
class TypedTable:
    """A DuckDB table's columns, their DuckDB types and rows."""

    columns: list[str]
    types: list[str]
    rows: list[tuple]


@dataclass(frozen=True)
class Builds:
    duckdb: dict[str, Table]
    spark: dict[str, Table]
    erased_customer: str
    raw_orders_of_erased: int
    work_dir: Path
    duckdb_python: dict[str, TypedTable]
    spark_python: dict[str, TypedTable]
    python_stage_output: str


def spark_config(warehouse: Path) -> dict[str, str]:
    """The settings of profiles.yml's spark output, for a session reading its tables."""
    return {
        "spark.master": "local[2]",
        "spark.driver.memory": "1g",
        "spark.sql.warehouse.dir": str(warehouse),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={warehouse}/metastore_db;create=true"
        ),
        "spark.driver.extraJavaOptions": (
            f"-Duser.timezone=UTC -Dderby.stream.error.file={warehouse}/derby.log"
        ),
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
    }


def spark_env(work_dir: Path) -> dict[str, str]:
    return {
        "DBT_TARGET": "spark",
        "SPARK_WAREHOUSE_DIR": str(work_dir / "spark-warehouse"),
        "PII_HASH_SALT": PII_SALT,
    }


@contextmanager
def spark_session(warehouse: Path) -> Iterator[object]:
    """A Spark session on the warehouse dbt built (the metastore is free once dbt exits)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder
    for key, value in spark_config(warehouse).items():
        builder = builder.config(key, value)
    session = builder.enableHiveSupport().getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


def run_spark_sql(warehouse: Path, statements: list[str]) -> None:
    """Run statements in a Spark session of its own process (it releases the metastore)."""
    script = (
        "import json, sys\n"
        "from pyspark.sql import SparkSession\n"
        "builder = SparkSession.builder\n"
        "for key, value in json.loads(sys.argv[1]).items():\n"
        "    builder = builder.config(key, value)\n"
        "session = builder.enableHiveSupport().getOrCreate()\n"
        "for statement in json.loads(sys.argv[2]):\n"
        "    session.sql(statement).collect()\n"
        "session.stop()\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, json.dumps(spark_config(warehouse)), json.dumps(statements)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]


def erasure_hash(customer_id: str) -> str:
    """The HMAC-SHA-256 the erasure list keeps (macro erasure_hash)."""
    return hmac_hex(PII_SALT.encode(), customer_id)


# Hostile rows both engines must judge alike: non-finite numbers, a wrong clock, a zero date,
# an e-mail and a token in a URL (utm_* kept).
HOSTILE_WEB_EVENTS = [
    {"event_id": "hx1", "anonymous_id": "hxa", "event_type": "page_view",
     "event_ts": "2025-10-03T10:00:00Z", "price": "inf",
     "page_url": "/p/1?email=jane@example.com&utm_source=news&token=t0k#top"},
    {"event_id": "hx2", "anonymous_id": "hxa", "event_type": "page_view",
     "event_ts": "2099-10-03T10:00:00Z", "price": "1", "page_url": "/p/2"},
    {"event_id": "hx3", "anonymous_id": "hxa", "event_type": "page_view",
     "event_ts": "1970-01-01T00:00:00Z", "price": "NaN", "page_url": "/p/3"},
]  # fmt: skip


def make_raw_data(raw_dir: Path) -> None:
    """The generated data set, with the variety user exports have."""
    generate(out_dir=raw_dir, customers=CUSTOMERS, days=DAYS, seed=SEED, start_date=START)
    # The first day of orders, customers and web events arrives as CSV (every value text).
    for entity in ("orders", "customers", "web_events"):
        first = sorted((raw_dir / entity).glob("*.parquet"))[0]
        pd.read_parquet(first).to_csv(first.with_suffix(".csv"), index=False)
        shutil.copystat(first, first.with_suffix(".csv"))  # the day's export time stays
        first.unlink()
    # One web events file lacks an optional column (its rows get null there).
    second = sorted((raw_dir / "web_events").glob("*.parquet"))[0]
    stat = second.stat()
    pd.read_parquet(second).drop(columns=["referrer"]).to_parquet(second, index=False)
    os.utime(second, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    # File names real exports bring: quotes, semicolons, spaces, '+', upper case; brackets in a
    # Parquet name (Spark's multi-line CSV reader cannot take glob characters in CSV names).
    web = raw_dir / "web_events"
    second.rename(web / f"{second.stem} (resent+1).PARQUET")
    first_orders = sorted((raw_dir / "orders").glob("*.csv"))[0]
    first_orders.rename(first_orders.with_name("o'brien; orders 1.csv"))
    pd.DataFrame(HOSTILE_WEB_EVENTS).to_csv(web / "a;b+c.csv", index=False)
    # Real float NaN and inf in a Parquet file (pyarrow keeps NaN; pandas would write null).
    pq.write_table(
        pa.table(
            {
                "event_id": ["hx4", "hx5"],
                "anonymous_id": ["hxb", "hxb"],
                "event_type": ["product_view", "product_view"],
                "event_ts": ["2025-10-04T10:00:00Z", "2025-10-04T10:01:00Z"],
                "price": pa.array([float("nan"), float("inf")], type=pa.float64()),
            }
        ),
        web / "with space+plus [2].parquet",
    )
    # Not raw files: neither engine may read them.
    for name in (".hidden.csv", "_SUCCESS", "notes.txt"):
        pd.DataFrame(HOSTILE_WEB_EVENTS).to_csv(web / name, index=False)


def customer_to_erase(raw_dir: Path) -> tuple[str, int]:
    """A customer with orders (first by id) and how many raw order rows they have."""
    orders = pd.concat(pd.read_parquet(path) for path in sorted(raw_dir.glob("orders/*.parquet")))
    counts = orders["customer_id"].dropna().value_counts()
    customer = sorted(counts.index)[0]
    return customer, int(counts[customer])


def erasure_table_sql(text_type: str, suffix: str) -> str:
    return (
        "create table if not exists privacy.erasure_requests ("
        f"customer_id_hash {text_type}, requested_at timestamp, invocation_id {text_type}, "
        f"rows_deleted bigint){suffix}"
    )


def read_duckdb_tables(warehouse: Path, names: list[str]) -> dict[str, TypedTable]:
    """Tables of a DuckDB file, with their DuckDB types."""
    tables = {}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for name in names:
            result = connection.execute(f"select * from {name}")
            columns = [column[0] for column in result.description]
            types = [str(column[1]) for column in result.description]
            tables[name] = TypedTable(columns, types, [tuple(row) for row in result.fetchall()])
    return tables


def read_duckdb(warehouse: Path) -> dict[str, Table]:
    """The tables both engines build, as the DuckDB build wrote them."""
    return {
        name: Table(table.columns, table.rows)
        for name, table in read_duckdb_tables(warehouse, list(TABLES)).items()
    }


def read_python_stage(warehouse: Path) -> dict[str, TypedTable]:
    """The Python stage's tables in a DuckDB file, with their DuckDB types."""
    return read_duckdb_tables(warehouse, list(PYTHON_STAGE_TABLES))


def run_python_stage(work: Path, spark: DbtProject, duckdb_path: Path) -> str:
    """`behaviorseg spark-python` after the spark build (as `make build-spark` runs it)."""
    env = spark.environment(
        {**spark_env(work), "SPARK_PYTHON_DUCKDB_PATH": str(duckdb_path), "DBT_TARGET": None}
    )
    completed = subprocess.run(
        [
            str(Path(sys.executable).with_name("behaviorseg")),
            "spark-python",
            "--duckdb",
            str(duckdb_path),
            "--spark-warehouse",
            str(work / "spark-warehouse"),
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-8000:]
    return output


def read_spark(warehouse: Path) -> dict[str, Table]:
    tables = {}
    with spark_session(warehouse) as session:
        for name in TABLES:
            frame = session.table(name)
            tables[name] = Table(list(frame.columns), [tuple(row) for row in frame.collect()])
    return tables


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    pytest.importorskip("pyspark", reason="needs dbt-spark[session] and pyspark (make test-spark)")
    # pyspark turns timestamps into the process's local time: make that UTC, like the warehouse.
    os.environ["TZ"] = "UTC"
    time.tzset()
    work = tmp_path_factory.mktemp("spark_equivalence")
    raw_dir = work / "raw"
    make_raw_data(raw_dir)
    erased, raw_orders = customer_to_erase(raw_dir)

    duck = DbtProject(raw_dir=raw_dir, warehouse=work / "warehouse.duckdb", work_dir=work / "duck")
    with duckdb.connect(str(duck.warehouse)) as connection:
        connection.execute("create schema privacy")
        connection.execute(erasure_table_sql("varchar", ""))
        connection.execute(
            "insert into privacy.erasure_requests values (?, current_timestamp, 'test', 0)",
            [erasure_hash(erased)],
        )
    result = duck.run("build", extra_env={"PII_HASH_SALT": PII_SALT})
    assert result.ok, result.output[-6000:]

    spark = DbtProject(raw_dir=raw_dir, warehouse=work / "unused.duckdb", work_dir=work / "spark")
    warehouse = work / "spark-warehouse"
    warehouse.mkdir()
    run_spark_sql(
        warehouse,
        [
            "create database if not exists privacy",
            erasure_table_sql("string", " using parquet"),
            "insert into privacy.erasure_requests values "
            f"('{erasure_hash(erased)}', current_timestamp(), 'test', 0)",
        ],
    )
    result = spark.run("build", extra_env=spark_env(work))
    assert result.ok, result.output[-8000:]
    spark_python = work / "spark-python.duckdb"
    output = run_python_stage(work, spark, spark_python)
    return Builds(
        read_duckdb(duck.warehouse),
        read_spark(warehouse),
        erased,
        raw_orders,
        work,
        read_python_stage(duck.warehouse),
        read_python_stage(spark_python),
        output,
    )


def sort_key(table: Table, keys: list[str]):
    positions = [table.columns.index(key) for key in keys]

    def key(row: tuple) -> tuple:
        return tuple((row[i] is None, "" if row[i] is None else row[i]) for i in positions)

    return key


TIMESTAMP_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(\+00(:00)?)?$")


def raw_value(text: str | None) -> object:
    """A raw value as JSON text holds it, read the same whatever engine wrote the text: typed
    Parquet values print differently (DuckDB '2025-10-17 13:51:13.5+00' and 1e7 as
    '10000000.0'; Spark '2025-10-17 13:51:13.5' and '1.0E7')."""
    if text is None:
        return None
    if TIMESTAMP_TEXT.match(text):
        text = re.sub(r"\+00(:00)?$", "", text).replace("T", " ")
        return text.rstrip("0").rstrip(".") if "." in text else text
    try:
        number = float(text)
    except ValueError:
        return text
    return "nan" if math.isnan(number) else number  # NaN equals itself here, as text does


def same_value(column: str, duck_value: object, spark_value: object) -> bool:
    if column == "raw_values" and duck_value is not None and spark_value is not None:
        duck_json, spark_json = json.loads(duck_value), json.loads(spark_value)
        return list(duck_json) == list(spark_json) and all(
            raw_value(duck_json[key]) == raw_value(spark_json[key]) for key in duck_json
        )
    if isinstance(duck_value, float) and isinstance(spark_value, float):
        if math.isnan(duck_value) or math.isnan(spark_value):
            return math.isnan(duck_value) and math.isnan(spark_value)
        return math.isclose(duck_value, spark_value, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(duck_value, float | Decimal) or isinstance(spark_value, float | Decimal):
        # Same type on both engines: a decimal is never compared with a double.
        return type(duck_value) is type(spark_value) and duck_value == spark_value
    return duck_value == spark_value


@pytest.mark.parametrize("name", list(TABLES))
def test_spark_table_equals_duckdb(builds: Builds, name: str) -> None:
    duck, spark = builds.duckdb[name], builds.spark[name]
    assert spark.columns == duck.columns
    assert len(spark.rows) == len(duck.rows)
    if name not in ("main.abandoned_carts", "main.session_offers"):
        assert len(duck.rows) > 0, f"{name} is empty: the comparison would prove nothing"
    keys = TABLES[name]
    duck_rows = sorted(duck.rows, key=sort_key(duck, keys))
    spark_rows = sorted(spark.rows, key=sort_key(spark, keys))
    mismatches = []
    for duck_row, spark_row in zip(duck_rows, spark_rows, strict=True):
        key = [duck_row[duck.columns.index(k)] for k in keys]
        for column, duck_value, spark_value in zip(duck.columns, duck_row, spark_row, strict=True):
            if column not in RUN_COLUMNS and not same_value(column, duck_value, spark_value):
                mismatches.append(f"{key} {column}: duckdb {duck_value!r}, spark {spark_value!r}")
    assert not mismatches, f"{len(mismatches)} differences, e.g.\n" + "\n".join(mismatches[:10])


def test_the_comparison_covers_people_sessions_orders_and_rfm(builds: Builds) -> None:
    features = builds.duckdb["main.customer_features"]
    scored = [row for row in features.rows if row[features.columns.index("r_score")] is not None]
    assert len(scored) > 20
    assert len(builds.duckdb["main.fct_sessions"].rows) > 500
    assert len(builds.duckdb["main.fct_orders"].rows) > 50
    people = {row[2] for row in builds.duckdb["main.identity_map"].rows}
    assert len(people) > CUSTOMERS


def test_the_erased_customer_is_left_out_on_both_engines(builds: Builds) -> None:
    assert builds.raw_orders_of_erased > 0
    for engine in (builds.duckdb, builds.spark):
        identity = engine["main.identity_map"]
        column = identity.columns.index("identifier")
        assert builds.erased_customer not in {row[column] for row in identity.rows}
        orders = engine["staging.stg_commerce__orders"]
        column = orders.columns.index("customer_id")
        assert builds.erased_customer not in {row[column] for row in orders.rows}


def test_hostile_file_names_and_rows_are_read_and_judged_alike(builds: Builds) -> None:
    names = {"a;b+c.csv", "with space+plus [2].parquet", "o'brien; orders 1.csv"}
    for engine in (builds.duckdb, builds.spark):
        read = set()
        for table in ("staging.base_web__events", "staging.base_commerce__orders"):
            base = engine[table]
            read |= {Path(row[base.columns.index("source_file")]).name for row in base.rows}
        assert names <= read
        assert any(name.endswith(" (resent+1).PARQUET") for name in read)
        assert not read & {".hidden.csv", "_SUCCESS", "notes.txt"}
        quarantined = engine["quality.quarantined_rows"]
        reasons = {
            row[quarantined.columns.index("record_id")]: row[quarantined.columns.index("reason")]
            for row in quarantined.rows
        }
        assert reasons["hx2"].startswith("event_ts: in the future")
        assert reasons["hx3"] == "event_ts: a zero date (1970-01-01 00:00:00)"
        staged = engine["staging.stg_web__events"]
        urls = {
            row[staged.columns.index("event_id")]: row[staged.columns.index("page_url")]
            for row in staged.rows
        }
        assert urls["hx1"] == "/p/1?utm_source=news"
        base = engine["staging.base_web__events"]
        notes = {
            row[base.columns.index("event_id")]: row[base.columns.index("nulled_values")]
            for row in base.rows
        }
        assert {notes["hx1"], notes["hx4"], notes["hx5"]} == {"price: not a finite number"}


def test_the_key_is_in_no_spark_log_artefact_or_table(builds: Builds) -> None:
    """On Spark the key is read at run time (java_method): not in the SQL dbt logs, not in
    target/, not in the Spark warehouse's files (tables, metastore, derby.log)."""
    forms = key_forms(PII_SALT)
    spark_work = builds.work_dir / "spark"
    assert (spark_work / "logs" / "dbt.log").is_file()
    assert (
        "java_method('java.lang.System', 'getenv', 'PII_HASH_SALT')"
        in (spark_work / "logs" / "dbt.log").read_text()
    )
    for folder in (spark_work / "logs", spark_work / "target", builds.work_dir / "spark-warehouse"):
        assert leaks_in_files(folder, forms) == [], folder


def test_csv_and_parquet_files_are_both_read(builds: Builds) -> None:
    for engine in (builds.duckdb, builds.spark):
        staged = engine["staging.stg_commerce__orders"]
        files = {row[staged.columns.index("source_file")] for row in staged.rows}
        assert any(path.endswith(".csv") for path in files)
        assert any(path.endswith(".parquet") for path in files)


def contract_error(output: str) -> str:
    found = re.search(r"Raw data contract violated: [^\n]*", output)
    assert found, output[-4000:]
    return found.group(0)


def test_a_missing_required_column_stops_spark_naming_the_file(tmp_path: Path) -> None:
    pytest.importorskip("pyspark", reason="needs dbt-spark[session] and pyspark (make test-spark)")
    raw_dir = tmp_path / "raw"
    (raw_dir / "web_events").mkdir(parents=True)
    pd.DataFrame([{"event_id": "e1", "anonymous_id": "a1", "event_type": "page_view"}]).to_parquet(
        raw_dir / "web_events" / "2025-10-05.parquet", index=False
    )
    duck = DbtProject(raw_dir=raw_dir, warehouse=tmp_path / "w.duckdb", work_dir=tmp_path / "duck")
    spark = DbtProject(raw_dir=raw_dir, warehouse=tmp_path / "unused", work_dir=tmp_path / "spark")
    (tmp_path / "spark-warehouse").mkdir()
    duck_result = duck.run("run", "--select", "stg_web__events")
    spark_result = spark.run("run", "--select", "stg_web__events", extra_env=spark_env(tmp_path))
    assert not duck_result.ok and not spark_result.ok
    message = contract_error(spark_result.output)
    assert message == contract_error(duck_result.output)
    assert "2025-10-05.parquet" in message and "'event_ts'" in message


def mask_run_clock(text: object, run_at: object) -> object:
    """A gate's rule or arguments with its own run clock (``run_at``) masked."""
    if not isinstance(text, str) or not isinstance(run_at, dt.datetime):
        return text
    for form in (f"{run_at:%Y-%m-%dT%H:%M:%S}", f"{run_at:%Y-%m-%d %H:%M}"):
        text = text.replace(form, "<run clock>")
    return text


def comparable_rows(name: str, table: TypedTable) -> tuple[list[str], list[tuple]]:
    """The compared columns and rows of a Python stage table (run columns left out, gate
    clocks masked), sorted by every compared column (non-float columns first)."""
    left_out = PYTHON_RUN_COLUMNS.get(name, frozenset())
    kept = [i for i, column in enumerate(table.columns) if column not in left_out]
    run_at = table.columns.index("run_at") if "run_at" in table.columns else None
    rows = []
    for row in table.rows:
        values = list(row)
        if run_at is not None:
            for column in RUN_CLOCK_TEXT_COLUMNS:
                if column in table.columns:
                    position = table.columns.index(column)
                    values[position] = mask_run_clock(values[position], row[run_at])
        rows.append(tuple(values[i] for i in kept))
    floats = {i for i, position in enumerate(kept) if table.types[position] in ("DOUBLE", "FLOAT")}

    def key(row: tuple) -> tuple:
        def part(value: object, rounded: bool) -> tuple:
            if value is None:
                return (1, "")
            if rounded and isinstance(value, float):
                return (0, "nan" if math.isnan(value) else f"{value:.6g}")
            return (0, str(value))

        exact = [part(v, False) for i, v in enumerate(row) if i not in floats]
        return (*exact, *(part(v, True) for i, v in enumerate(row) if i in floats))

    return [table.columns[i] for i in kept], sorted(rows, key=key)


@pytest.mark.parametrize("name", PYTHON_STAGE_TABLES)
def test_spark_python_stage_table_equals_duckdb(builds: Builds, name: str) -> None:
    """The Python stage on Spark's tables gives the DuckDB build's rows, in the same types."""
    duck, spark = builds.duckdb_python[name], builds.spark_python[name]
    assert spark.columns == duck.columns
    assert spark.types == duck.types
    assert len(spark.rows) == len(duck.rows)
    columns, duck_rows = comparable_rows(name, duck)
    _, spark_rows = comparable_rows(name, spark)
    mismatches = []
    for number, (duck_row, spark_row) in enumerate(zip(duck_rows, spark_rows, strict=True)):
        for column, duck_value, spark_value in zip(columns, duck_row, spark_row, strict=True):
            if not same_value(column, duck_value, spark_value):
                mismatches.append(
                    f"row {number} {column}: duckdb {duck_value!r}, spark {spark_value!r}"
                )
    assert not mismatches, f"{len(mismatches)} differences, e.g.\n" + "\n".join(mismatches[:10])


def test_the_python_stage_comparison_covers_segments_anomalies_and_forecasts(
    builds: Builds,
) -> None:
    """The compared tables are not trivially equal: segments, anomalies, forecasts, journeys
    and customer value all have rows."""
    python = builds.spark_python
    customers = len(builds.spark["main.customer_features"].rows)  # all but the erased one
    assert customers > 100
    assert len(python["main.customer_segments"].rows) == customers
    assert len(python["main.customer_anomalies"].rows) == customers
    assert len({row[0] for row in python["main.segment_profiles"].rows}) >= 2
    assert len(python["main.activity_forecasts"].rows) > 100
    assert len(python["main.journey_markov"].rows) > 10
    assert len(python["main.customer_lifetime_value"].rows) > 20
    assert len(python["quality.dq_validation_results"].rows) > 100
    assert "Spark tables as DuckDB views" in builds.python_stage_output


def test_build_spark_publishes_the_same_marts_as_duckdb(builds: Builds, tmp_path: Path) -> None:
    """Spark's marts (views over its Parquet) and the Python stage's marts are all in the
    spark_python file: publish-marts writes the same marts with the same row counts."""
    from behaviorseg.build_status import require_green_build
    from behaviorseg.marts import public_marts, publish_marts

    spark_python = builds.work_dir / "spark-python.duckdb"
    require_green_build(spark_python)
    duck = publish_marts(
        builds.work_dir / "warehouse.duckdb",
        tmp_path / "duck",
        public_marts(builds.work_dir / "duck" / "target" / "manifest.json"),
    )
    spark = publish_marts(
        spark_python,
        tmp_path / "spark",
        public_marts(builds.work_dir / "spark" / "target" / "manifest.json"),
    )
    assert len(duck) > 30
    assert {(m.relation, m.rows) for m in spark} == {(m.relation, m.rows) for m in duck}
