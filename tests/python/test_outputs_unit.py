"""Outputs (issue 17, item 7): CSV formula neutralising, atomic replacement, the publish gate."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from behaviorseg.build_status import BuildNotGreenError, latest_build_status, require_green_build
from behaviorseg.exports import (
    MEMBERSHIP_COLUMNS,
    conform,
    neutralise_cell,
    replace_atomically,
    write_all_formats,
)


def one_member(customer_id: str, segment_name: str) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_id": [customer_id],
            "email_hash": ["abc"],
            "segment_id": [1],
            "segment_name": [segment_name],
            "rfm_segment": ["Champions"],
            "engagement_score": [-1.5],
            "campaign": [None],
            "campaign_channel": [None],
            "campaign_offer": [None],
            "is_anomaly": [None],
            "updated_at": [pd.Timestamp("2026-01-01")],
            "predicted_clv": [None],
            "churn_probability": [None],
            "lifecycle_stage": ["active"],
        }
    )
    return conform(frame, MEMBERSHIP_COLUMNS, "test")


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("C0001", "C0001"),
        ("a=b", "a=b"),
    ],
)
def test_a_formula_cell_gets_a_leading_quote(cell: str, written: str) -> None:
    assert neutralise_cell(cell) == written


def test_the_csv_export_neutralises_text_only_and_parquet_keeps_the_value(tmp_path: Path) -> None:
    frame = one_member("=1+2", "-Churned")
    write_all_formats(frame, tmp_path, "segment_memberships")
    with (tmp_path / "segment_memberships.csv").open(newline="") as handle:
        row = next(csv.DictReader(handle))
    assert row["customer_id"] == "'=1+2"
    assert row["segment_name"] == "'-Churned"
    assert row["engagement_score"] == "-1.5"  # a number is not a formula
    assert pd.read_parquet(tmp_path / "segment_memberships.parquet")["customer_id"][0] == "=1+2"
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "segment_memberships.csv",
        "segment_memberships.jsonl",
        "segment_memberships.parquet",
    ]  # no temporary file left behind


def test_a_failed_write_leaves_the_previous_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "segment_memberships.csv"
    target.write_text("old\n")

    def failing_write(path: Path) -> None:
        path.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_atomically(target, failing_write)
    assert target.read_text() == "old\n"
    assert [path.name for path in tmp_path.iterdir()] == ["segment_memberships.csv"]
    replace_atomically(target, lambda path: path.write_text("new\n"))
    assert target.read_text() == "new\n"


def status_warehouse(tmp_path: Path, rows: list[tuple[str, str, str, int]]) -> Path:
    """A warehouse holding only audit.build_status rows (invocation, command, status, minute)."""
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema audit")
        connection.execute(
            "create table audit.build_status (invocation_id varchar, command varchar,"
            " status varchar, failed_nodes bigint, recorded_at timestamp)"
        )
        for invocation, command, status, minute in rows:
            connection.execute(
                "insert into audit.build_status values"
                " (?, ?, ?, null, timestamp '2026-01-01' + to_minutes(?))",
                [invocation, command, status, minute],
            )
    return warehouse


def test_publish_is_allowed_after_a_green_build(tmp_path: Path) -> None:
    warehouse = status_warehouse(
        tmp_path,
        [("a", "build", "started", 0), ("a", "build", "failed", 1),
         ("b", "build", "started", 2), ("b", "build", "green", 3)],
    )  # fmt: skip
    assert latest_build_status(warehouse) == ("b", "build", "green")
    require_green_build(warehouse)


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        ([("a", "build", "started", 0), ("a", "build", "green", 1),
          ("b", "build", "started", 2), ("b", "build", "failed", 3)], "failed"),
        ([("a", "build", "started", 0), ("a", "build", "green", 1),
          ("b", "build", "started", 2)], "stopped before it finished"),
        ([("a", "build", "started", 0), ("a", "build", "green", 1),
          ("b", "test", "started", 2), ("b", "test", "failed", 3),
          ("c", "docs", "started", 4), ("c", "docs", "green", 5)], "failed"),
    ],
)  # fmt: skip
def test_publish_refuses_unless_the_latest_build_ended_green(
    tmp_path: Path, rows: list[tuple[str, str, str, int]], reason: str
) -> None:
    with pytest.raises(BuildNotGreenError, match=reason):
        require_green_build(status_warehouse(tmp_path, rows))


def test_publish_refuses_when_no_build_is_recorded(tmp_path: Path) -> None:
    warehouse = tmp_path / "empty.duckdb"
    duckdb.connect(str(warehouse)).close()
    with pytest.raises(BuildNotGreenError, match="No dbt build is recorded"):
        require_green_build(warehouse)
