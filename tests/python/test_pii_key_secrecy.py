"""The PII hashing key is in the environment only: after a build of demo-like generated data plus
the hostile raw files, and after every output (Parquet marts, exports, report, Data Docs, dbt
docs), the key is found in no warehouse object (view SQL, table text, macro), not in the
warehouse file's bytes, not in any file under logs/ or target/ (partial_parse.msgpack included)
and in no output file; and the hashes the warehouse holds are Python's HMAC-SHA-256.

The search looks for the key and for everything equivalent to it: its hex and base64 forms and
the HMAC padded keys (raw and hex) the plugin sets as session variables.
"""

from __future__ import annotations

import base64
import datetime as dt
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dbt_helpers import TEST_PII_KEY, DbtProject, make_project, text_columns_containing
from test_raw_boundary import write_first_load

from behaviorseg.pii_key import hmac_hex, hmac_pads, set_key_variables
from behaviorseg.synthetic import generate

CLI = Path(sys.executable).with_name("behaviorseg")


def key_forms(key: str) -> dict[str, bytes]:
    """Every byte string that would give the key (or its HMAC pads) away."""
    raw = key.encode()
    inner, outer = hmac_pads(raw)
    forms = {"key": raw, "key base64": base64.b64encode(raw)}
    for name, value in (("key", raw), ("inner pad", inner), ("outer pad", outer)):
        forms[f"{name} hex"] = value.hex().encode()
        forms[f"{name} HEX"] = value.hex().upper().encode()
    forms["inner pad bytes"], forms["outer pad bytes"] = inner, outer
    return forms


def leaks_in_bytes(data: bytes, forms: dict[str, bytes]) -> list[str]:
    return [name for name, needle in forms.items() if needle in data]


def leaks_in_files(root: Path, forms: dict[str, bytes]) -> list[str]:
    """`path: form` for every file under ``root`` (or ``root`` itself) holding a form."""
    files = [root] if root.is_file() else [path for path in root.rglob("*") if path.is_file()]
    return [
        f"{path}: {name}" for path in files for name in leaks_in_bytes(path.read_bytes(), forms)
    ]


def leaks_in_warehouse(warehouse: Path, forms: dict[str, bytes]) -> list[str]:
    """Objects of a DuckDB warehouse holding a form: view and table SQL, macros, the values of
    every text column of every table and view (the raw views read with the key, as dbt's
    connections have it) and of every blob column."""
    texts = {name: value.decode("latin-1") for name, value in forms.items() if "bytes" not in name}
    found = []
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        set_key_variables(connection, {"PII_HASH_SALT": TEST_PII_KEY})
        definitions = connection.execute(
            "select 'view ' || schema_name || '.' || view_name, sql from duckdb_views()"
            " union all select 'table ' || schema_name || '.' || table_name, sql"
            " from duckdb_tables()"
            " union all select 'macro ' || function_name, cast(macro_definition as varchar)"
            " from duckdb_functions() where function_type in ('macro', 'table_macro')"
        ).fetchall()
        for label, sql in definitions:
            found += [f"{label}: {name}" for name, text in texts.items() if text in (sql or "")]
        found += text_columns_containing(connection, list(texts.values()))
        blobs = connection.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
            " where data_type = 'BLOB'"
        ).fetchall()
        for schema, table, column in blobs:
            for (value,) in connection.execute(
                f'select "{column}" from "{schema}"."{table}"'
            ).fetchall():
                found += [
                    f"{schema}.{table}.{column}: {name}"
                    for name in leaks_in_bytes(bytes(value or b""), forms)
                ]
    return found


@dataclass(frozen=True)
class Outputs:
    project: DbtProject
    folders: dict[str, Path]
    erased_customer: str


def run_cli(*args: str) -> None:
    completed = subprocess.run([str(CLI), *args], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    work = tmp_path_factory.mktemp("key_secrecy")
    project = make_project(work)
    generate(
        out_dir=project.raw_dir, customers=200, days=30, seed=11, start_date=dt.date(2025, 8, 1)
    )
    write_first_load(project.raw_dir)
    # An erasure request recorded with Python's HMAC: the raw views must recognise it.
    generated_orders = sorted((project.raw_dir / "orders").glob("20*.parquet"))
    orders = pd.concat(pd.read_parquet(path) for path in generated_orders)
    erased = sorted(orders["customer_id"].dropna().unique())[0]
    with duckdb.connect(str(project.warehouse)) as connection:
        connection.execute("create schema privacy")
        connection.execute(
            "create table privacy.erasure_requests (customer_id_hash varchar,"
            " requested_at timestamp, invocation_id varchar, rows_deleted bigint)"
        )
        connection.execute(
            "insert into privacy.erasure_requests values (?, current_timestamp, 'test', 0)",
            [hmac_hex(TEST_PII_KEY.encode(), erased)],
        )
    project.build()
    assert project.run("docs", "generate").ok
    folders = {name: work / name for name in ("marts", "exports", "quality_docs")}
    warehouse = str(project.warehouse)
    manifest = str(work / "target" / "manifest.json")
    run_cli(
        "publish-marts", "--warehouse", warehouse, "--out", str(folders["marts"]),
        "--manifest", manifest,
    )  # fmt: skip
    run_cli("export", "--warehouse", warehouse, "--out", str(folders["exports"]))
    run_cli("quality-docs", "--warehouse", warehouse, "--out", str(folders["quality_docs"]))
    folders["report"] = work / "report.html"
    run_cli("report", "--warehouse", warehouse, "--out", str(folders["report"]))
    return Outputs(project, folders, erased)


def test_the_key_is_in_no_warehouse_object(outputs: Outputs) -> None:
    assert leaks_in_warehouse(outputs.project.warehouse, key_forms(TEST_PII_KEY)) == []


def test_the_key_is_not_in_the_warehouse_files_bytes(outputs: Outputs) -> None:
    files = list(outputs.project.warehouse.parent.glob(outputs.project.warehouse.name + "*"))
    assert outputs.project.warehouse in files
    assert [leak for path in files for leak in leaks_in_files(path, key_forms(TEST_PII_KEY))] == []


def test_the_key_is_in_no_log_or_artefact(outputs: Outputs) -> None:
    work = outputs.project.work_dir
    assert (work / "target" / "partial_parse.msgpack").is_file()
    assert (work / "target" / "catalog.json").is_file()
    assert any((work / "logs").iterdir())
    forms = key_forms(TEST_PII_KEY)
    assert leaks_in_files(work / "logs", forms) == []
    assert leaks_in_files(work / "target", forms) == []


def test_the_key_is_in_no_output(outputs: Outputs) -> None:
    forms = key_forms(TEST_PII_KEY)
    for name, folder in outputs.folders.items():
        assert folder.exists(), name
        assert leaks_in_files(folder, forms) == [], name


def test_the_search_finds_a_leaked_key(tmp_path: Path) -> None:
    """The scanners above are not blind: a key pasted into SQL or a file is found."""
    forms = key_forms(TEST_PII_KEY)
    warehouse = tmp_path / "leaky.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(f"create view leaky as select sha256('{TEST_PII_KEY}' || 'x') as h")
        connection.execute("create table pads (p blob)")
        connection.execute("insert into pads values (?)", [hmac_pads(TEST_PII_KEY.encode())[0]])
    found = leaks_in_warehouse(warehouse, forms)
    assert "view main.leaky: key" in found and "main.pads.p: inner pad bytes" in found
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create table notes as select ? as note", [f"k={TEST_PII_KEY}"])
    assert "main.notes.note" in leaks_in_warehouse(warehouse, forms)
    assert "key" in leaks_in_bytes(warehouse.read_bytes(), forms)
    log = tmp_path / "logs" / "dbt.log"
    log.parent.mkdir()
    log.write_text(f"set variable x = from_hex('{forms['inner pad hex'].decode()}')")
    assert leaks_in_files(tmp_path / "logs", forms) == [f"{log}: inner pad hex"]


def test_hashes_and_the_erasure_list_are_python_hmac(outputs: Outputs) -> None:
    project, key = outputs.project, TEST_PII_KEY.encode()
    hashed = project.scalar(
        "select email_hash from staging.stg_crm__customers where customer_id = 'C1'"
    )
    assert hashed == hmac_hex(key, "jane.doe@example.com")
    erased = outputs.erased_customer
    assert project.scalar(f"select count(*) from raw.orders where customer_id = '{erased}'") == 0
    assert (
        project.scalar(f"select count(*) from main.identity_map where identifier = '{erased}'") == 0
    )
    assert project.scalar("select count(*) from staging.stg_commerce__orders") > 0
