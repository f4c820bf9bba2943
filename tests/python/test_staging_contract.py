"""Hand-made raw files with known defects: exact staging counts, quarantine reasons, clean errors.

One warehouse is built from a small raw folder whose every row has a known fate; the tests
then read the staging, quarantine and reconciliation tables.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from dbt_helpers import DbtProject, make_project, write_entity


def rows(columns: list[str], values: list[tuple]) -> list[dict]:
    """Rows as dicts from a column list and value tuples (keeps the fixtures readable)."""
    return [dict(zip(columns, row, strict=True)) for row in values]


# Tabular fixtures, one raw row per line.
# fmt: off
WEB_DAY_1 = rows(
    ['event_id', 'anonymous_id', 'user_id', 'event_type', 'event_ts', 'page_url', 'received_at', 'ip'],
    [
        # e1: sent three times: an exact re-send, then the same id with a later received_at.
        ('e1', 'a1', None, 'page_view', '2025-10-01T10:00:00+05:30', '/first', '2025-10-01T04:31:00Z', '10.0.0.1'),
        ('e1', 'a1', None, 'page_view', '2025-10-01T10:00:00+05:30', '/first', '2025-10-01T04:31:00Z', '10.0.0.1'),
        ('e1', 'a1', None, 'page_view', '2025-10-01T10:00:00+05:30', '/resent', '2025-10-01T09:00:00Z', '10.0.0.1'),
        # e2: valid, upper-case type, UTC.
        ('e2', 'a2', 'C1', 'Add_To_Cart', '2025-10-01T23:59:59Z', '/cart', '2025-10-02T00:00:01Z', '10.0.0.2'),
        # Four broken rows.
        (None, 'a3', None, 'page_view', '2025-10-01T10:00:00Z', '/x', '2025-10-01T10:00:01Z', '10.0.0.3'),
        ('e4', 'a4', None, 'page_view', '2025-13-45T99:00:00Z', '/x', '2025-10-01T10:00:01Z', '10.0.0.4'),
        ('e5', 'a5', None, None, '2025-10-01T10:00:00-08:00', '/x', '2025-10-01T18:00:01Z', '10.0.0.5'),
        ('e6', None, None, 'page_view', '2025-10-01T10:00:00Z', '/x', '2025-10-01T10:00:01Z', '10.0.0.6'),
    ],
)
# A CSV file for the same entity, with fewer columns (no referrer, no ip, no received_at).
WEB_DAY_2_CSV = rows(
    ['event_id', 'anonymous_id', 'user_id', 'event_type', 'event_ts', 'page_url'],
    [
        ('e7', 'a7', '', 'search', '2025-10-02 08:00:00', '/search?q=shoes'),
        ('e8', 'a8', 'C2', 'purchase', 'not-a-timestamp', '/thanks'),
    ],
)
ORDERS = rows(
    ['order_id', 'customer_id', 'order_ts', 'status', 'total_amount', 'discount_amount'],
    [
        ('o1', 'C1', '2025-10-01T12:00:00+02:00', 'completed', '100.50', 5.0),
        ('o2', 'C1', '2025-10-01T12:00:00Z', 'completed', '-3.00', 0.0),
        ('o3', 'C2', '2025-10-01T12:00:00Z', 'refunded', '-20.00', 0.0),
        ('o4', 'C2', '2025-10-01T12:00:00Z', 'completed', 'N/A', 0.0),
        ('o5', 'C2', '2025-10-01T12:00:00Z', 'completed', '12,34.5', 0.0),
        ('o6', None, '2025-10-01T12:00:00Z', 'COMPLETED', '10', 0.0),
        ('o7', 'C3', '2025-10-01T12:00:00Z', 'shipped', '10', 0.0),
    ],
)
# o1 re-sent a day later, now refunded: the later file wins.
ORDERS_DAY_2 = rows(
    ['order_id', 'customer_id', 'order_ts', 'status', 'total_amount', 'discount_amount'],
    [
        ('o1', 'C1', '2025-10-01T12:00:00+02:00', 'Refunded', '100.50', 5.0),
    ],
)
CUSTOMERS = rows(
    ['customer_id', 'email', 'phone', 'first_name', 'last_name', 'country', 'signup_ts', 'marketing_consent', 'tracking_consent', 'updated_at'],
    [
        ('C1', ' Jane.Doe@Example.COM ', '+1 555 0100 200', 'Jane', 'Doe', 'us', '2025-09-01T10:00:00-05:00', 'yes', '1', '2025-09-01T15:00:00Z'),
        ('C1', 'jane.doe@example.com', '+1-555-0100-200', 'Jane', 'Doe', 'US', '2025-09-01T10:00:00-05:00', 'no', '1', '2025-09-20T15:00:00Z'),
        ('C2', 'bob@example.org', None, 'Bob', 'Roe', 'IN', '2025-09-03T10:00:00+05:30', None, 'maybe', None),
    ],
)
TICKETS = rows(
    ['ticket_id', 'customer_id', 'email', 'channel', 'category', 'opened_at', 'resolved_at', 'csat_score'],
    [
        ('t1', 'C1', 'JANE.DOE@example.com ', 'Chat', 'billing', '2025-10-02T09:00:00Z', '2025-10-02T11:00:00Z', 4),
        ('t2', 'C2', 'bob@example.org', 'email', 'returns', '2025-10-02T09:00:00Z', 'soon', 9),
    ],
)
# fmt: on

EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    project = make_project(tmp_path_factory.mktemp("contract"))
    write_entity(project.raw_dir, "web_events", "2025-10-01.parquet", WEB_DAY_1)
    write_entity(project.raw_dir, "web_events", "2025-10-02.csv", WEB_DAY_2_CSV)
    write_entity(project.raw_dir, "orders", "2025-10-01.parquet", ORDERS)
    write_entity(project.raw_dir, "orders", "2025-10-02.parquet", ORDERS_DAY_2)
    write_entity(project.raw_dir, "customers", "export.csv", CUSTOMERS)
    write_entity(project.raw_dir, "support_tickets", "tickets.parquet", TICKETS)
    # app_events, order_items and experiment_assignments are absent: they must stage empty.
    # Five of the eight orders are broken on purpose: above the default share
    # (raw_max_quarantined_share 0.5) at which the build stops, so this fixture allows more.
    project.build("--vars", "{raw_max_quarantined_share: 0.7}")
    return project


def reconciliation(project: DbtProject) -> dict[str, tuple[int, int, int, int]]:
    frame = project.query("select * from quality.raw_row_reconciliation")
    return {
        row.source_name: (row.rows_in, row.rows_staged, row.rows_duplicate, row.rows_quarantined)
        for row in frame.itertuples()
    }


def test_counts_reconcile_exactly(built: DbtProject) -> None:
    assert reconciliation(built) == {
        "web.events": (10, 3, 2, 5),
        "app.events": (0, 0, 0, 0),
        "commerce.orders": (8, 2, 1, 5),
        "commerce.order_items": (0, 0, 0, 0),
        "support.tickets": (2, 1, 0, 1),
        "crm.customers": (3, 2, 1, 0),
        "experiments.assignments": (0, 0, 0, 0),
    }


def test_quarantine_names_column_and_rule(built: DbtProject) -> None:
    frame = built.query(
        "select source_name, record_id, reason, source_file, source_row_number, raw_values "
        "from quality.quarantined_rows order by source_name, source_file, source_row_number"
    )
    frame["record_id"] = frame["record_id"].astype(object).where(frame["record_id"].notna(), None)
    reasons = {(row.source_name, row.record_id): row.reason for row in frame.itertuples()}
    assert reasons == {
        ("web.events", None): "event_id: required value is missing",
        ("web.events", "e4"): "event_ts: not a timestamp",
        ("web.events", "e5"): "event_type: required value is missing",
        ("web.events", "e6"): "anonymous_id: required value is missing and there is no user_id",
        ("web.events", "e8"): "event_ts: not a timestamp",
        ("commerce.orders", "o2"): "total_amount: negative on a completed order",
        ("commerce.orders", "o4"): "total_amount: not numeric",
        ("commerce.orders", "o5"): "total_amount: not numeric",
        ("commerce.orders", "o6"): "customer_id: required value is missing",
        ("commerce.orders", "o7"): "status: not one of completed, cancelled, refunded",
        ("support.tickets", "t2"): "resolved_at: not a timestamp; csat_score: outside 1-5",
    }
    bad_timestamp = frame[frame.record_id == "e4"].iloc[0]
    assert Path(bad_timestamp.source_file).name == "2025-10-01.parquet"
    assert bad_timestamp.source_row_number == 6
    assert json.loads(bad_timestamp.raw_values)["event_ts"] == "2025-13-45T99:00:00Z"
    csv_row = frame[frame.record_id == "e8"].iloc[0]
    assert Path(csv_row.source_file).name == "2025-10-02.csv"
    assert csv_row.source_row_number == 2


def test_timestamps_normalised_to_utc_and_latest_resend_kept(built: DbtProject) -> None:
    events = built.query(
        "select event_id, event_type, event_at, page_url, user_id from staging.stg_web__events "
        "order by event_id"
    ).set_index("event_id")
    assert str(events.at["e1", "event_at"]) == "2025-10-01 04:30:00"  # 10:00 at +05:30
    assert events.at["e1", "page_url"] == "/resent"  # the copy received last
    assert events.at["e2", "event_type"] == "add_to_cart"
    assert str(events.at["e2", "event_at"]) == "2025-10-01 23:59:59"
    assert str(events.at["e7", "event_at"]) == "2025-10-02 08:00:00"  # no offset: UTC
    assert events["user_id"].isna().loc["e7"]  # blank text is null


def test_orders_typed_and_latest_file_wins(built: DbtProject) -> None:
    orders = built.query(
        "select order_id, status, total_amount, ordered_at from staging.stg_commerce__orders"
    ).set_index("order_id")
    assert sorted(orders.index) == ["o1", "o3"]
    assert orders.at["o1", "status"] == "refunded"
    assert float(orders.at["o1", "total_amount"]) == 100.50
    assert str(orders.at["o1", "ordered_at"]) == "2025-10-01 10:00:00"
    assert float(orders.at["o3", "total_amount"]) == -20.0  # negative allowed when refunded


def test_customers_latest_version_consent_and_hashes(built: DbtProject) -> None:
    customers = built.query("select * from staging.stg_crm__customers").set_index("customer_id")
    assert not customers.at["C1", "has_marketing_consent"]  # the later version said no
    assert customers.at["C1", "has_tracking_consent"]
    assert customers.at["C1", "country"] == "US"
    # Unknown consent ('maybe', null) is no consent.
    assert not customers.at["C2", "has_marketing_consent"]
    assert not customers.at["C2", "has_tracking_consent"]
    assert re.fullmatch(r"[0-9a-f]{64}", customers.at["C1", "email_hash"])
    # Normalisation makes the same address hash the same in CRM and support.
    ticket_hash = built.scalar(
        "select email_hash from staging.stg_support__tickets where ticket_id = 't1'"
    )
    assert ticket_hash == customers.at["C1", "email_hash"]


def test_absent_entities_stage_empty(built: DbtProject) -> None:
    for table in ["stg_app__events", "stg_commerce__order_items", "stg_experiments__assignments"]:
        assert built.scalar(f"select count(*) from staging.{table}") == 0


def test_no_clear_text_email_or_phone_anywhere(built: DbtProject) -> None:
    columns = built.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where data_type = 'VARCHAR'"
    )
    assert len(columns) > 50
    for column in columns.itertuples():
        values = built.query(
            f'select distinct "{column.column_name}" as v '
            f'from "{column.table_schema}"."{column.table_name}" where "{column.column_name}" '
            "is not null"
        )["v"]
        for value in values:
            assert not EMAIL_PATTERN.search(value), (column, value)
            # The fixture phones are +1 555 0100 200 and +1-555-0100-200, in any formatting.
            assert "5550100200" not in re.sub(r"[^0-9]", "", value), (column, value)


def test_missing_required_column_stops_the_build(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    broken = [{k: v for k, v in WEB_DAY_1[3].items() if k != "event_ts"}]
    write_entity(project.raw_dir, "web_events", "2025-10-01.parquet", WEB_DAY_1[:3])
    path = write_entity(project.raw_dir, "web_events", "2025-10-05.parquet", broken)
    result = project.run("build")
    assert not result.ok
    assert str(path) in result.output
    assert "has no column 'event_ts' (rule: required column)" in result.output


def test_empty_file_stops_the_build(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project.raw_dir / "orders").mkdir(parents=True)
    empty = project.raw_dir / "orders" / "2025-10-03.csv"
    empty.touch()
    result = project.run("build")
    assert not result.ok
    assert str(empty) in result.output and "is empty" in result.output
