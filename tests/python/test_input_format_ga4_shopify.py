"""GA4's BigQuery export and Shopify's orders and customers exports as input formats, in one
mixed setup: GA4 web events whose user_id is the Shopify customer id (var raw_formats
{web_events: ga4_events, orders: shopify_orders, order_items: shopify_orders, customers:
shopify_customers}). Fixtures from the public GA4 BigQuery export schema and Shopify's CSV export
columns (tests/fixtures/ga4_events/, shopify_orders/, shopify_customers/); staged rows by hand.

One full build, green: the GA4 day tables arrive as JSON Lines (1 June) and as Parquet (2 June,
the same nested records as BigQuery's Parquet export), event_timestamp in microseconds,
event_params a repeated key/value record, ecommerce and items records; the Shopify orders
export is one row per line item with the order's fields on its first row only, and an order's
customer is the customer whose e-mail it carries (any case, any spaces). Every order's person is
the person of that customer's web events, and segments are built.
"""

from __future__ import annotations

import hashlib
import json

import duckdb
import pytest
from dbt_helpers import DbtProject, make_project, sql_text_literal
from format_fixtures import FIXTURES_DIR, assert_stages_exactly, copy_fixture

GA4 = FIXTURES_DIR / "ga4_events"
ORDERS = FIXTURES_DIR / "shopify_orders"
CUSTOMERS = FIXTURES_DIR / "shopify_customers"
FORMATS = {
    "web_events": "ga4_events",
    "orders": "shopify_orders",
    "order_items": "shopify_orders",
    "customers": "shopify_customers",
}
CLEAR_TEXT = ["ana@example.com", "eve%40example.com", "Lopez", "+34600111222", "gclid"]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    project = make_project(tmp_path_factory.mktemp("ga4_shopify"))
    web = project.raw_dir / "web_events"
    copy_fixture(GA4 / "events_20250601.jsonl", web / "events_20250601.jsonl")
    web.mkdir(parents=True, exist_ok=True)
    duckdb.sql(
        "copy (select * from read_json("
        + sql_text_literal(str(GA4 / "events_20250602.jsonl"))
        + ")) to "
        + sql_text_literal(str(web / "events_20250602.parquet"))
        + " (format parquet)"
    )
    # Shopify's one orders export feeds both entities: the orders and their line items.
    for entity in ("orders", "order_items"):
        copy_fixture(ORDERS / "orders_export.csv", project.raw_dir / entity / "orders_export.csv")
    copy_fixture(
        CUSTOMERS / "customers_export.csv", project.raw_dir / "customers" / "customers_export.csv"
    )
    project.build("--vars", json.dumps({"raw_formats": FORMATS}))
    return project


def test_the_parquet_day_holds_nested_records(mixed: DbtProject) -> None:
    """The Parquet day keeps BigQuery's shape: event_params a list of key/value records, items a
    list of records, ecommerce a record (the raw views read them as they are)."""
    parquet = sql_text_literal(str(mixed.raw_dir / "web_events" / "events_20250602.parquet"))
    types = dict(
        row[:2] for row in duckdb.sql(f"describe select * from read_parquet({parquet})").fetchall()
    )
    assert types["event_params"].startswith('STRUCT("key" VARCHAR, "value" STRUCT(')
    assert types["event_params"].endswith("[]")
    assert types["items"].startswith("STRUCT(") and types["items"].endswith("[]")
    assert types["ecommerce"].startswith("STRUCT(")


def test_ga4_stages_exactly_the_hand_written_rows(mixed: DbtProject) -> None:
    assert_stages_exactly(mixed, "staging.stg_web__events", GA4 / "expected_stg_web__events.csv")
    # GA4 exports no event id: it is the documented hash of the event's own fields.
    expected_id = "ga4:" + hashlib.md5(b"p1.111|1748772000250000|page_view|2").hexdigest()
    assert (
        mixed.scalar(
            "select count(*) from staging.stg_web__events where event_id = "
            + sql_text_literal(expected_id)
        )
        == 1
    )


def test_shopify_stages_exactly_the_hand_written_rows(mixed: DbtProject) -> None:
    assert_stages_exactly(
        mixed, "staging.stg_commerce__orders", ORDERS / "expected_stg_commerce__orders.csv"
    )
    assert_stages_exactly(
        mixed,
        "staging.stg_commerce__order_items",
        ORDERS / "expected_stg_commerce__order_items.csv",
    )
    assert_stages_exactly(
        mixed, "staging.stg_crm__customers", CUSTOMERS / "expected_stg_crm__customers.csv"
    )


def test_clear_text_pii_is_nowhere(mixed: DbtProject) -> None:
    assert mixed.text_columns_containing(CLEAR_TEXT) == []


def test_each_order_is_the_person_of_its_customers_web_events(mixed: DbtProject) -> None:
    orders = mixed.query(
        "select orders.order_id, orders.customer_id, orders.person_id, "
        "list(distinct events.person_id) as web_persons "
        "from main.fct_orders as orders "
        "left join staging.stg_web__events as staged on staged.user_id = orders.customer_id "
        "left join intermediate.int_events_sessionised as events "
        "on events.event_id = staged.event_id "
        "group by all order by orders.order_id"
    )
    assert orders["order_id"].tolist() == ["#1001", "#1002", "#1003", "#1004", "#1005"]
    assert orders["person_id"].notna().all()
    by_order = {row.order_id: row for row in orders.itertuples()}
    # Ana (7001, two orders) and Ben (7002) browsed logged in: the orders are their persons.
    for order_id in ("#1001", "#1002", "#1004"):
        row = by_order[order_id]
        assert [person for person in row.web_persons if person] == [row.person_id]
    assert by_order["#1001"].person_id == by_order["#1004"].person_id
    # Ana's anonymous browsing before she logged in is hers too (same GA4 pseudo id).
    anonymous = mixed.query(
        "select distinct events.person_id from intermediate.int_events_sessionised as events "
        "inner join staging.stg_web__events as staged on staged.event_id = events.event_id "
        "where staged.anonymous_id = 'p1.111' and staged.user_id is null"
    )["person_id"].tolist()
    assert anonymous == [by_order["#1001"].person_id]


def test_segments_are_built_for_the_shop_customers(mixed: DbtProject) -> None:
    segments = mixed.query("select customer_id, segment_id from main.customer_segments")
    assert sorted(segments["customer_id"]) == ["7001", "7002", "7003", "7004", "7005"]
    assert segments["segment_id"].notna().all()
    features = mixed.query(
        "select customer_id, frequency, cast(monetary as double) as monetary "
        "from main.customer_features order by customer_id"
    )
    # Completed orders only (7003's one order was refunded), from the Shopify totals.
    assert {row.customer_id: (row.frequency, row.monetary) for row in features.itertuples()} == {
        "7001": (2, 64.5),
        "7002": (1, 22.5),
        "7003": (0, 0.0),
        "7004": (0, 0.0),
        "7005": (1, 18.0),
    }
