"""Erasure, consent and the publish gate on a tiny hand-made data set (tests/python/
erasure_fixture.py: every row's owner is known, so every count below is exact)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dbt_helpers import PROJECT_DIR, TEST_PII_KEY, DbtProject, make_project, write_entity
from erasure_fixture import write_fixture

from behaviorseg.exports import CHANGES, MEMBERSHIPS, export_segments
from behaviorseg.pii_key import ERASE_ENVIRONMENT_VARIABLE, hmac_hex

CLI = Path(sys.executable).with_name("behaviorseg")
STAGING = {
    "staging.base_web__events": "event_id",
    "staging.base_app__events": "event_id",
    "staging.base_commerce__orders": "order_id",
    "staging.base_commerce__order_items": "order_id",
    "staging.base_crm__customers": "customer_id",
    "staging.base_support__tickets": "ticket_id",
}


@dataclass(frozen=True)
class Built:
    project: DbtProject
    exports: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The fixture built once, and exported once (cust-ann and cust-bob are members)."""
    project = make_project(tmp_path_factory.mktemp("erasure_built"))
    write_fixture(project.raw_dir)
    project.build()
    exports = project.work_dir / "exports"
    export_segments(project.warehouse, exports)
    return Built(project, exports)


def copy_of(built: Built, tmp_path: Path) -> DbtProject:
    """A private copy of the built warehouse, its dbt artefacts and its exports."""
    project = DbtProject(
        raw_dir=tmp_path / "raw", warehouse=tmp_path / "w.duckdb", work_dir=tmp_path
    )
    shutil.copytree(built.project.raw_dir, project.raw_dir)
    shutil.copy(built.project.warehouse, project.warehouse)
    shutil.copytree(built.project.work_dir / "target", tmp_path / "target")
    shutil.copytree(built.exports, tmp_path / "exports")
    return project


def environment(project: DbtProject, **extra: str) -> dict[str, str]:
    """What the Makefile gives the CLI and dbt, for this project's folders."""
    return {
        **os.environ,
        "RAW_DATA_DIR": str(project.raw_dir),
        "DUCKDB_PATH": str(project.warehouse),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_LOG_PATH": str(project.work_dir / "logs"),
        "DBT_TARGET_PATH": str(project.work_dir / "target"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PII_HASH_SALT": TEST_PII_KEY,
        **extra,
    }


def forget(project: DbtProject, customer_id: str, *args: str) -> subprocess.CompletedProcess:
    """`behaviorseg forget` as `make forget CUSTOMER=...` runs it (the id in the environment)."""
    work = project.work_dir
    return subprocess.run(
        [str(CLI), "forget", "--warehouse", str(project.warehouse),
         "--marts-out", str(work / "marts"), "--exports-out", str(work / "exports"),
         "--report-out", str(work / "report.html"),
         "--manifest", str(work / "target" / "manifest.json"), *args],
        cwd=PROJECT_DIR, env=environment(project, **{ERASE_ENVIRONMENT_VARIABLE: customer_id}),
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def row_counts(project: DbtProject) -> dict[str, int]:
    """Rows of every table outside the privacy and audit logs."""
    tables = project.query(
        "select table_schema || '.' || table_name as name from information_schema.tables"
        " where table_type = 'BASE TABLE' and table_schema not in ('privacy', 'audit')"
    )["name"]
    return {name: int(project.scalar(f"select count(*) from {name}")) for name in tables}


def staged_keys(project: DbtProject) -> dict[str, list[str]]:
    return {
        table: sorted(project.query(f"select distinct {key} from {table}")[key].dropna())
        for table, key in STAGING.items()
    }


def test_the_fixture_is_what_the_counts_below_assume(built: Built) -> None:
    assert staged_keys(built.project) == {
        "staging.base_web__events": sorted(f"w{number}" for number in range(1, 11)),
        "staging.base_app__events": ["a1", "a2"],
        "staging.base_commerce__orders": ["o1", "o2", "o3", "o4"],
        "staging.base_commerce__order_items": ["o1", "o2", "o3", "o4"],
        "staging.base_crm__customers": ["cust-ann", "cust-bob"],
        "staging.base_support__tickets": ["t1"],
    }  # fmt: skip
    persons = built.project.query(
        "select customer_id, person_id from main.dim_customers order by customer_id"
    )
    by_customer = dict(zip(persons["customer_id"], persons["person_id"], strict=True))
    assert by_customer["cust-ann"] == by_customer["cust-bob"]  # stitched by the shared cookie
    assert len(set(by_customer.values())) == 3


def test_a_status_value_deletes_nothing_and_is_not_found(built: Built, tmp_path: Path) -> None:
    project = copy_of(built, tmp_path)
    before = row_counts(project)
    result = forget(project, "completed")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not found" in result.stdout
    assert row_counts(project) == before
    assert project.scalar("select count(*) from main.fct_orders where status = 'completed'") == 4
    log = project.query("select outcome, table_name, rows_deleted from audit.erasure_log")
    assert log.values.tolist() == [["not found", None, 0]]
    recorded = project.query(
        "select identifier_type, identifier_hash from privacy.erased_identifiers"
    )
    assert recorded.values.tolist() == [
        ["customer_id", hmac_hex(TEST_PII_KEY.encode(), "completed")]
    ]


def test_an_unknown_id_is_recorded_and_a_later_load_does_not_bring_it_in(tmp_path: Path) -> None:
    # Its own project: the load log remembers files by path, so a copy's raw folder would be
    # a new load of every file.
    project = make_project(tmp_path)
    write_fixture(project.raw_dir)
    project.build()
    result = forget(project, "cust-new")
    assert result.returncode == 0 and "not found" in result.stdout, result.stdout
    write_entity(project.raw_dir, "orders", "day2.parquet", [
        {"order_id": "o5", "customer_id": "cust-new", "order_ts": "2025-10-06T09:00:00Z",
         "status": "completed", "currency": "EUR", "total_amount": 5.0},
        {"order_id": "o6", "customer_id": "cust-cid", "order_ts": "2025-10-06T09:30:00Z",
         "status": "completed", "currency": "EUR", "total_amount": 6.0},
    ])  # fmt: skip
    project.build()
    assert staged_keys(project)["staging.base_commerce__orders"] == ["o1", "o2", "o3", "o4", "o6"]
    assert (
        project.scalar("select count(*) from main.dim_customers where customer_id = 'cust-new'")
        == 0
    )


def test_one_of_two_customers_sharing_a_cookie_goes_and_only_her_rows(
    built: Built, tmp_path: Path
) -> None:
    project = copy_of(built, tmp_path)
    result = forget(project, "cust-ann")
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert staged_keys(project) == {
        # w1, w2 (ann on the shared cookie), w5, w6 (her own cookie, also anonymous) gone;
        # bob's w3, w4 on the shared cookie stay.
        "staging.base_web__events": sorted(["w3", "w4", "w7", "w8", "w9", "w10"]),
        "staging.base_app__events": [],
        "staging.base_commerce__orders": ["o3", "o4"],
        "staging.base_commerce__order_items": ["o3", "o4"],
        "staging.base_crm__customers": ["cust-bob"],
        "staging.base_support__tickets": [],
    }  # fmt: skip
    orders = project.query("select order_id, customer_id from main.fct_orders order by 1")
    assert orders.values.tolist() == [["o3", "cust-bob"], ["o4", "cust-cid"]]
    bob = project.query(
        "select count(*) as sessions from main.fct_sessions where person_id ="
        " (select person_id from main.dim_customers where customer_id = 'cust-bob')"
    )
    assert bob["sessions"][0] == 3  # w3-w4, w7, w8 (her w6 on k-c1 was in the person before)
    segments = project.query("select customer_id from main.customer_segments order by 1")
    assert segments["customer_id"].tolist() == ["cust-bob", "cust-cid", "cust-dan"]
    # The audit log: staged rows per table, when, and only the salted hash.
    log = project.query("select * from audit.erasure_log where table_name like 'staging.%'")
    assert dict(zip(log["table_name"], log["rows_deleted"], strict=True)) == {
        "staging.base_web__events": 4, "staging.base_app__events": 2,
        "staging.base_commerce__orders": 2, "staging.base_commerce__order_items": 2,
        "staging.base_crm__customers": 1, "staging.base_support__tickets": 1,
    }  # fmt: skip
    assert set(log["request_hash"]) == {hmac_hex(TEST_PII_KEY.encode(), "cust-ann")}
    assert log["logged_at"].notna().all()
    for table in ("audit.erasure_log", "privacy.erased_identifiers", "privacy.erasure_requests"):
        assert "cust-ann" not in project.query(f"select * from {table}").to_string()
    erased = project.query(
        "select identifier_type, count(*) as n from privacy.erased_identifiers group by 1"
    )
    assert dict(zip(erased["identifier_type"], erased["n"], strict=True)) == {
        "customer_id": 1, "anonymous_id": 1, "device_id": 1, "order_id": 2,
    }  # fmt: skip
    # No copy keeps her: the exports say she left, the marts, the report and the logs lack her.
    changes = pd.read_parquet(tmp_path / "exports" / f"{CHANGES}.parquet")
    assert changes[["customer_id", "change"]].values.tolist() == [["cust-ann", "left"]]
    members = pd.read_parquet(tmp_path / "exports" / f"{MEMBERSHIPS}.parquet")
    assert members["customer_id"].tolist() == ["cust-bob"]
    for path in [*(tmp_path / "marts").glob("*.parquet"), tmp_path / "report.html"]:
        assert b"cust-ann" not in path.read_bytes(), path
    assert project.text_columns_containing(["cust-ann"]) == []
    for path in (tmp_path / "logs").rglob("*"):
        if path.is_file():
            assert b"cust-ann" not in path.read_bytes(), path


def test_a_dry_run_lists_rows_and_changes_nothing(built: Built, tmp_path: Path) -> None:
    project = copy_of(built, tmp_path)
    before = row_counts(project)
    audit_before = project.scalar("select count(*) from audit.dbt_run_results")
    result = forget(project, "cust-ann", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "staging.base_web__events: 4 rows would go" in result.stdout
    assert "staging.base_commerce__orders: 2 rows would go" in result.stdout
    assert row_counts(project) == before
    assert project.scalar("select count(*) from audit.dbt_run_results") == audit_before
    assert project.scalar("select count(*) from privacy.erased_identifiers") == 0
    assert project.scalar("select count(*) from audit.erasure_log") == 0
    assert not (tmp_path / "marts").exists()


def test_the_anomaly_flag_is_not_exported_by_default(built: Built) -> None:
    flags = built.project.query("select is_anomaly from main.segment_memberships")
    assert len(flags) == 2 and flags["is_anomaly"].isna().all()


def consented(project: DbtProject, vars_yaml: str) -> tuple[list[str], list[str], list[str]]:
    """Rebuild from dim_customers on with vars: (exported, cart triggers, analysed customers)."""
    # A full refresh: the trigger tables are insert-only and judge a cart once.
    project.build("--select", "dim_customers+", "--full-refresh", "--vars", vars_yaml)
    exported = project.query("select customer_id from main.segment_memberships order by 1")
    carts = project.query("select customer_id from main.abandoned_carts order by 1")
    analysed = project.query(
        "select customer_id from main.dim_customers where not is_tracking_opted_out order by 1"
    )
    return (
        exported["customer_id"].tolist(),
        carts["customer_id"].tolist(),
        analysed["customer_id"].tolist(),
    )


@pytest.mark.parametrize(
    ("vars_yaml", "expected"),
    [
        # The defaults: no marketing without recorded consent, tracking as legitimate interest.
        ("{}", (["cust-ann", "cust-bob"], [], ["cust-ann", "cust-bob", "cust-cid", "cust-dan"])),
        ("{marketing_consent_without_crm_record: true}",
         (["cust-ann", "cust-bob", "cust-cid", "cust-dan"], ["cust-dan"],
          ["cust-ann", "cust-bob", "cust-cid", "cust-dan"])),
        ("{marketing_consent_without_crm_record: true, tracking_consent_without_crm_record: false}",
         (["cust-ann", "cust-bob", "cust-cid", "cust-dan"], [], ["cust-ann", "cust-bob"])),
    ],
)  # fmt: skip
def test_consent_vars_change_the_exported_and_triggered_population(
    built: Built, tmp_path: Path, vars_yaml: str, expected: tuple[list[str], ...]
) -> None:
    assert consented(copy_of(built, tmp_path), vars_yaml) == expected


def test_publish_refuses_after_a_failed_build_and_keeps_the_last_good_files(
    built: Built, tmp_path: Path
) -> None:
    project = copy_of(built, tmp_path)
    env = environment(project)
    marts = tmp_path / "marts"
    args = ["--warehouse", str(project.warehouse), "--out", str(marts),
            "--manifest", str(tmp_path / "target/manifest.json")]  # fmt: skip
    first = subprocess.run(
        [str(CLI), "publish-marts", *args], env=env, capture_output=True, text=True
    )
    assert first.returncode == 0, first.stdout
    good = (marts / "dim_customers.parquet").read_bytes()
    with duckdb.connect(str(project.warehouse)) as connection:  # a table the run needs is gone
        connection.execute("drop table staging.base_crm__customers")
    failed = project.run("run", "--select", "dim_customers")
    assert not failed.ok and "base_crm__customers" in failed.output
    for command, out in (("publish-marts", marts), ("export", tmp_path / "exports")):
        manifest = args[4:] if command == "publish-marts" else []
        refused = subprocess.run(
            [str(CLI), command, *args[:2], "--out", str(out), *manifest],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        assert refused.returncode == 1
        assert re.search(r"Refused: The latest `dbt run` .* failed", refused.stdout), refused.stdout
    assert (marts / "dim_customers.parquet").read_bytes() == good
