"""The same dbt project on Apache Spark gives exactly DuckDB's answer.

One small generated data set (made less uniform: a day of orders, customers and web events
exported as CSV, a web events file without an optional column, an erased customer) is built
twice: with DuckDB (the default target) and with Spark (the `spark` target: dbt-spark's
`session` method, pyspark in local mode, models, seeds and dbt tests). Then every table both
build (staging, identity graph, events, sessions, orders, customer features with their RFM
scores, the quality and trigger marts) is compared row for row: the same columns in the same
order, the same keys, the same values, floating point within 1e-9 (nothing else is rounded).

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
DUCKDB_SELECTION = (
    "+customer_features +raw_row_reconciliation +abandoned_carts +session_offers +int_journey_steps"
)


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[tuple]


@dataclass(frozen=True)
class Builds:
    duckdb: dict[str, Table]
    spark: dict[str, Table]
    erased_customer: str
    raw_orders_of_erased: int
    work_dir: Path


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


def read_duckdb(warehouse: Path) -> dict[str, Table]:
    tables = {}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for name in TABLES:
            result = connection.execute(f"select * from {name}")
            columns = [column[0] for column in result.description]
            tables[name] = Table(columns, [tuple(row) for row in result.fetchall()])
    return tables


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
    duck_env = {"PII_HASH_SALT": PII_SALT}
    result = duck.run(
        "build",
        "--select",
        DUCKDB_SELECTION,
        "--indirect-selection",
        "cautious",
        extra_env=duck_env,
    )
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
    return Builds(read_duckdb(duck.warehouse), read_spark(warehouse), erased, raw_orders, work)


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
