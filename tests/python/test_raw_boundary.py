"""Hostile raw files at the raw boundary: exact staged and quarantined counts with reasons.

Hand-made files of the kinds real exports bring, every row with a known fate:

- wrong clocks: an event dated 2099 among normal ones, an order, a sign-up and a ticket from
  the future (quarantined "in the future"), the Unix epoch and 0001-01-01 as zero dates;
- non-finite numbers: inf / nan as CSV text and as Parquet floats, in a required amount
  (quarantined) and in optional values (nulled, with a note per row and a count per entity);
- file names with a quote, a semicolon, spaces and an upper-case extension (read), hidden and
  temporary files and other extensions (not read);
- a re-send in a later load under an alphabetically earlier name (it wins, also after a full
  refresh: the load log outlives it);
- an e-mail and a token in a URL's query string (gone; utm_* kept).

Then: `as_of_date` stays at the true latest day; a wholly future-dated file stops the raw gate;
a purchase history from 1997 builds green; an entity almost wholly quarantined stops the build
right after staging with the reason, the count and the var to change.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dbt_helpers import TEST_PII_KEY, DbtProject, make_project, table_snapshot

from behaviorseg.pii_key import hmac_hex

NAN, INF = float("nan"), float("inf")


def write_csv(folder: Path, name: str, rows: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def write_parquet(folder: Path, name: str, columns: dict[str, pa.Array]) -> Path:
    """Parquet through pyarrow, so NaN stays a float NaN (pandas would write a null)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    pq.write_table(pa.table(columns), path)
    return path


def event(event_id: str, event_ts: str, **values: object) -> dict:
    row = {
        "event_id": event_id,
        "anonymous_id": "a1",
        "user_id": "C1",
        "event_type": "page_view",
        "event_ts": event_ts,
        "page_url": "/home",
        "price": "",
        "time_on_page_s": "",
        "received_at": "",
    }
    return {**row, **values}


# fmt: off
WEB_OBRIEN = [
    # w1: an e-mail and a token in the query string, a fragment; utm_* kept.
    event("w1", "2025-10-01T10:00:00Z", page_url="/p/1?email=jane.doe@example.com&token=s3cr3t-t0k3n&utm_source=news&utm_campaign=fall#reviews",
          referrer="https://mail.example.com/read?to=jane.doe@example.com&sig=abc"),
    event("w2", "2025-10-01T10:01:00Z", price="inf"),                        # optional: nulled
    event("w3", "2025-10-01T10:02:00Z", price="NaN", time_on_page_s="-inf"),  # two nulled
    # w4: a device clock decades ahead, received today: quarantined.
    event("w4", "2099-06-01T10:00:00Z", received_at="2025-10-01T10:05:00Z"),
    event("w5", "2025-10-01T10:03:00Z", price="abc"),                         # not a number
    event("w6", "1970-01-01T00:00:00Z"),                                       # the Unix epoch
    event("w7", "0001-01-01T00:00:00Z"),                                       # before the floor
]
WEB_SEMICOLON = [
    event("w8", "2025-10-02T09:00:00Z", page_url="/first-load", received_at="2025-10-02T09:00:05Z"),
    event("w9", "2025-10-02T09:30:00Z", price="12.5", time_on_page_s="30"),
]
# w8 again, received at the same moment, in a later load under an alphabetically earlier name.
WEB_RESEND = [
    event("w8", "2025-10-02T09:00:00Z", page_url="/later-load", received_at="2025-10-02T09:00:05Z"),
]
ORDERS_Z = [
    {"order_id": "o1", "customer_id": "C1", "order_ts": "2025-10-02T12:00:00Z", "status": "completed", "total_amount": "100.00", "discount_amount": "0"},
    {"order_id": "o2", "customer_id": "C1", "order_ts": "2025-10-02T12:05:00Z", "status": "completed", "total_amount": "inf", "discount_amount": "0"},
    {"order_id": "o3", "customer_id": "C2", "order_ts": "2025-10-02T12:10:00Z", "status": "completed", "total_amount": "nan", "discount_amount": "0"},
    {"order_id": "o4", "customer_id": "C2", "order_ts": "2025-10-02T12:15:00Z", "status": "completed", "total_amount": "20.00", "discount_amount": "NaN"},
    {"order_id": "o5", "customer_id": "C3", "order_ts": "2099-01-01T00:00:00Z", "status": "completed", "total_amount": "10.00", "discount_amount": "0"},
    {"order_id": "o8", "customer_id": "C3", "order_ts": "2025-10-03T08:00:00Z", "status": "completed", "total_amount": "15.00", "discount_amount": "1"},
    {"order_id": "o9", "customer_id": "C1", "order_ts": "2025-10-03T09:00:00Z", "status": "cancelled", "total_amount": "5.00", "discount_amount": "0"},
]
# o1 re-sent, now refunded, in a later load, in a file whose name sorts first.
ORDERS_RESEND = [
    {"order_id": "o1", "customer_id": "C1", "order_ts": "2025-10-02T12:00:00Z", "status": "refunded", "total_amount": "100.00", "discount_amount": "0"},
]
CUSTOMERS = [
    {"customer_id": "C1", "email": " Jane.Doe@Example.COM ", "signup_ts": "2024-01-05T10:00:00Z", "marketing_consent": "yes", "tracking_consent": "yes"},
    {"customer_id": "C2", "email": "bob@example.org", "signup_ts": "2099-02-02T10:00:00Z", "marketing_consent": "yes", "tracking_consent": "yes"},
    {"customer_id": "C3", "email": "carol@example.net", "signup_ts": "2023-03-03T10:00:00Z", "marketing_consent": "maybe", "tracking_consent": "yes"},
]
TICKETS = [
    {"ticket_id": "t1", "customer_id": "C1", "email": "jane.doe@example.com", "opened_at": "2025-10-01T08:00:00Z", "csat_score": "5"},
    {"ticket_id": "t2", "customer_id": "C2", "email": "bob@example.org", "opened_at": "2098-12-31T23:00:00Z", "csat_score": "4"},
    {"ticket_id": "t3", "customer_id": "C3", "email": "carol@example.net", "opened_at": "2025-10-02T08:00:00Z", "csat_score": "inf"},
]
# fmt: on

WEB_FUTURE = "event_ts: in the future (more than 900 minutes after its arrival)"
FIRST_LOAD_FUTURE = "in the future (more than 900 minutes after the first load of its file)"


def write_first_load(raw_dir: Path) -> None:
    web, orders = raw_dir / "web_events", raw_dir / "orders"
    write_csv(web, "o'brien.csv", WEB_OBRIEN)
    write_csv(web, "a;b.csv", WEB_SEMICOLON)
    write_parquet(
        web,
        "with space.parquet",
        {
            "event_id": pa.array(["w10", "w11"]),
            "anonymous_id": pa.array(["a2", "a2"]),
            "user_id": pa.array(["C2", "C2"]),
            "event_type": pa.array(["product_view", "product_view"]),
            "event_ts": pa.array(["2025-10-03T10:00:00Z", "2025-10-03T10:05:00Z"]),
            "price": pa.array([NAN, INF], type=pa.float64()),  # real float NaN and inf
        },
    )
    write_parquet(
        web,
        "X.PARQUET",
        {
            "event_id": pa.array(["w12"]),
            "anonymous_id": pa.array(["a3"]),
            "event_type": pa.array(["page_view"]),
            "event_ts": pa.array(["2025-10-03T11:00:00Z"]),
            "price": pa.array([9.5], type=pa.float64()),
        },
    )
    # Not raw files: hidden, temporary, another extension. Their rows must never appear.
    for name in (".hidden.csv", "_tmp.csv", "notes.txt", "w.csv.bak"):
        write_csv(web, name, [event("w99", "2025-10-01T10:00:00Z")])
    write_csv(orders, "z-orders.csv", ORDERS_Z)
    write_parquet(
        orders,
        "Y.parquet",
        {
            "order_id": pa.array(["o6", "o7"]),
            "customer_id": pa.array(["C1", "C2"]),
            "order_ts": pa.array(["2025-10-02T13:00:00Z", "2025-10-02T14:00:00Z"]),
            "status": pa.array(["completed", "completed"]),
            "total_amount": pa.array([INF, 30.0], type=pa.float64()),
            "discount_amount": pa.array([0.0, NAN], type=pa.float64()),
        },
    )
    write_csv(raw_dir / "customers", "export.csv", CUSTOMERS)
    write_csv(raw_dir / "support_tickets", "tickets.csv", TICKETS)


def write_second_load(raw_dir: Path) -> None:
    write_csv(raw_dir / "web_events", "0-resend.csv", WEB_RESEND)
    write_csv(raw_dir / "orders", "a-resend.csv", ORDERS_RESEND)


SNAPSHOT_TABLES = {
    "staging.base_web__events": ["source_file", "source_row_number"],
    "staging.base_commerce__orders": ["source_file", "source_row_number"],
    "staging.stg_web__events": ["event_id"],
    "staging.stg_commerce__orders": ["order_id"],
    "quality.quarantined_rows": ["source_name", "source_file", "source_row_number"],
    "quality.raw_row_reconciliation": ["source_name"],
    "main.customer_features": ["customer_id"],
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[DbtProject, dict, dict]:
    project = make_project(tmp_path_factory.mktemp("hostile"))
    write_first_load(project.raw_dir)
    project.build()
    write_second_load(project.raw_dir)
    project.build()
    incremental = table_snapshot(project, SNAPSHOT_TABLES)
    project.build("--full-refresh")
    return project, incremental, table_snapshot(project, SNAPSHOT_TABLES)


def reconciliation(project: DbtProject) -> dict[str, tuple[int, ...]]:
    frame = project.query("select * from quality.raw_row_reconciliation")
    return {
        row.source_name: (
            row.rows_in,
            row.rows_staged,
            row.rows_duplicate,
            row.rows_quarantined,
            row.rows_with_nulled_values,
        )
        for row in frame.itertuples()
    }


def test_counts_reconcile_exactly(hostile) -> None:
    project, _, _ = hostile
    # (in, staged, duplicate, quarantined, staged with a nulled value)
    assert reconciliation(project) == {
        "web.events": (13, 9, 1, 3, 5),
        "app.events": (0, 0, 0, 0, 0),
        "commerce.orders": (10, 5, 1, 4, 2),
        "commerce.order_items": (0, 0, 0, 0, 0),
        "support.tickets": (3, 2, 0, 1, 1),
        "crm.customers": (3, 2, 0, 1, 1),
        "experiments.assignments": (0, 0, 0, 0, 0),
    }


def test_quarantine_reasons_name_column_and_rule(hostile) -> None:
    project, _, _ = hostile
    frame = project.query("select source_name, record_id, reason from quality.quarantined_rows")
    assert {(row.source_name, row.record_id): row.reason for row in frame.itertuples()} == {
        ("web.events", "w4"): WEB_FUTURE,
        ("web.events", "w6"): "event_ts: a zero date (1970-01-01 00:00:00)",
        ("web.events", "w7"): "event_ts: before the floor 1900-01-01",
        ("commerce.orders", "o2"): "total_amount: not a finite number",
        ("commerce.orders", "o3"): "total_amount: not a finite number",
        ("commerce.orders", "o5"): f"order_ts: {FIRST_LOAD_FUTURE}",
        ("commerce.orders", "o6"): "total_amount: not a finite number",
        ("crm.customers", "C2"): f"signup_ts: {FIRST_LOAD_FUTURE}",
        ("support.tickets", "t2"): f"opened_at: {FIRST_LOAD_FUTURE}",
    }


def test_non_finite_optional_values_are_nulled_with_a_note(hostile) -> None:
    project, _, _ = hostile
    notes = project.query(
        "select event_id, price, time_on_page_s, nulled_values from staging.base_web__events"
        " where quarantine_reason is null and dedupe_rank = 1 order by event_id"
    ).set_index("event_id")
    assert notes["nulled_values"].dropna().to_dict() == {
        "w10": "price: not a finite number",  # a Parquet float NaN
        "w11": "price: not a finite number",  # a Parquet float inf
        "w2": "price: not a finite number",
        "w3": "price: not a finite number; time_on_page_s: not a finite number",
        "w5": "price: not a number",
    }
    assert notes.loc[["w2", "w3", "w5", "w10", "w11"], "price"].isna().all()
    assert notes.at["w9", "price"] == 12.5 and notes.at["w12", "price"] == 9.5
    staged = project.query("select price, time_on_page_s from staging.stg_web__events")
    assert all(pd.isna(value) or abs(value) < INF for value in staged.stack())
    orders = project.query(
        "select order_id, discount_amount, nulled_values from staging.base_commerce__orders"
        " where nulled_values is not null order by order_id"
    )
    assert orders["order_id"].tolist() == ["o4", "o7"]
    assert orders["discount_amount"].isna().all()
    assert set(orders["nulled_values"]) == {"discount_amount: not a finite number"}
    assert project.scalar(
        "select nulled_values from staging.base_support__tickets where ticket_id = 't3'"
    ) == ("csat_score: not a finite number")
    assert project.scalar(
        "select nulled_values from staging.base_crm__customers where customer_id = 'C3'"
    ) == ("marketing_consent: not a boolean (counts as not given)")


def test_every_listed_file_is_read_and_no_other(hostile) -> None:
    project, _, _ = hostile
    listed = project.query("select entity, source_file from raw.raw_files order by 1, 2")
    names = {(row.entity, Path(row.source_file).name) for row in listed.itertuples()}
    assert names == {
        ("web_events", "o'brien.csv"),
        ("web_events", "a;b.csv"),
        ("web_events", "with space.parquet"),
        ("web_events", "X.PARQUET"),
        ("web_events", "0-resend.csv"),
        ("orders", "z-orders.csv"),
        ("orders", "Y.parquet"),
        ("orders", "a-resend.csv"),
        ("customers", "export.csv"),
        ("support_tickets", "tickets.csv"),
    }
    read = project.query("select distinct source_file from staging.base_web__events")
    assert {Path(path).name for path in read["source_file"]} == {
        "o'brien.csv",
        "a;b.csv",
        "with space.parquet",
        "X.PARQUET",
        "0-resend.csv",
    }
    assert project.scalar("select count(*) from raw.web_events where event_id = 'w99'") == 0


def test_the_latest_load_wins_not_the_alphabetical_order(hostile) -> None:
    project, incremental, full = hostile
    orders = project.query("select order_id, status, source_file from staging.stg_commerce__orders")
    o1 = orders.set_index("order_id").loc["o1"]
    assert o1.status == "refunded" and Path(o1.source_file).name == "a-resend.csv"
    assert project.scalar("select page_url from staging.stg_web__events where event_id = 'w8'") == (
        "/later-load"
    )
    # Two runs loaded the files; the log keeps when, and a full refresh did not change it.
    loads = project.query(
        "select source_file, first_loaded_at from audit.raw_file_loads order by first_loaded_at"
    )
    assert loads["first_loaded_at"].nunique() == 2
    second = loads[loads["first_loaded_at"] == loads["first_loaded_at"].max()]
    assert {Path(path).name for path in second["source_file"]} == {"0-resend.csv", "a-resend.csv"}
    for table in SNAPSHOT_TABLES:
        pd.testing.assert_frame_equal(incremental[table], full[table])


def test_query_strings_are_dropped_but_utm_parameters(hostile) -> None:
    project, _, _ = hostile
    w1 = project.query(
        "select page_url, referrer from staging.stg_web__events where event_id = 'w1'"
    ).iloc[0]
    assert w1.page_url == "/p/1?utm_source=news&utm_campaign=fall"
    assert w1.referrer == "https://mail.example.com/read"
    # Nowhere in the warehouse: not in raw views, staging, quarantine (raw_values) or marts.
    assert (
        project.text_columns_containing(["jane.doe@example.com", "s3cr3t-t0k3n", "sig=abc"]) == []
    )
    # (The search is not blind: the kept parameter is found where it is.)
    assert "staging.stg_web__events.page_url" in project.text_columns_containing(["utm_campaign"])


def test_hashes_are_hmac_of_the_normalised_value(hostile) -> None:
    project, _, _ = hostile
    key = TEST_PII_KEY.encode()
    customers = project.query(
        "select customer_id, email_hash from staging.stg_crm__customers"
    ).set_index("customer_id")
    assert customers.at["C1", "email_hash"] == hmac_hex(key, "jane.doe@example.com")
    assert customers.at["C3", "email_hash"] == hmac_hex(key, "carol@example.net")
    ticket = project.scalar(
        "select email_hash from staging.stg_support__tickets where ticket_id = 't1'"
    )
    assert ticket == customers.at["C1", "email_hash"]


def test_as_of_date_stays_at_the_true_latest_day(hostile) -> None:
    project, _, _ = hostile
    # Latest staged timestamp: w12 at 2025-10-03 11:00 (the 2099 rows are quarantined).
    resolved = project.query("select * from intermediate.int_as_of_date_resolved").iloc[0]
    assert str(resolved.as_of_at) == "2025-10-03 11:00:00"
    assert str(resolved.as_of_date)[:10] == "2025-10-03"
    recency = project.query("select customer_id, recency_days from main.customer_features")
    assert recency["recency_days"].dropna().max() < 10


def test_the_key_is_needed_to_build(hostile, tmp_path: Path) -> None:
    project, _, _ = hostile
    other = DbtProject(project.raw_dir, tmp_path / "w.duckdb", tmp_path)
    for unset in (None, "  "):
        result = other.run("build", extra_env={"PII_HASH_SALT": unset})
        assert not result.ok
        assert "PII_HASH_SALT is not set" in result.output
        assert (
            not (tmp_path / "w.duckdb").exists()
            or other.scalar(
                "select count(*) from information_schema.tables where table_schema = 'staging'"
            )
            == 0
        )


# --- history before 2000, then a whole export from the future --------------------------------


def purchase_history_1997() -> str:
    """A retailer's orders of 1997 (CDNOW's first year): 8 customers, 20 orders, the last on
    1997-07-31."""
    rows = ["order_id,customer_id,order_ts,total_amount"]
    start = dt.datetime(1997, 1, 1, 9, 0)
    for customer in range(8):
        for order in range(customer % 4 + 1):
            placed = start + dt.timedelta(days=40 * order + 13 * customer, hours=customer)
            amount = 12.5 + 7 * customer + order
            rows.append(f"C{customer}-{order},C{customer},{placed:%Y-%m-%dT%H:%M:%S}Z,{amount:.2f}")
    return "\n".join(rows) + "\n"


WRONG_CLOCK_RULE = (
    "not in the future: at most 50% of values more than 900 minutes after their arrival"
)


@pytest.fixture(scope="module")
def history_1997(tmp_path_factory: pytest.TempPathFactory) -> DbtProject:
    project = make_project(tmp_path_factory.mktemp("history_1997"))
    (project.raw_dir / "orders").mkdir()
    (project.raw_dir / "orders" / "cdnow_like.csv").write_text(purchase_history_1997())
    project.build()
    return project


def test_a_1997_purchase_history_is_staged_whole_and_builds(history_1997: DbtProject) -> None:
    project = history_1997
    assert reconciliation(project)["commerce.orders"] == (20, 20, 0, 0, 0)
    features = project.query("select customer_id, as_of_date from main.customer_features")
    assert len(features) == 8
    assert {str(day)[:10] for day in features["as_of_date"]} == {"1997-07-31"}
    assert project.scalar("select count(*) from main.customer_segments") == 8


def test_a_wholly_future_dated_file_stops_the_raw_gate(history_1997: DbtProject) -> None:
    project = history_1997
    before = project.query("select * from main.customer_features order by customer_id")
    # The exporting system's clock ran a century ahead: every order of the file is "2097".
    wrong_clock = project.raw_dir / "orders" / "wrong_clock.csv"
    wrong_clock.write_text(purchase_history_1997().replace(",1997-", ",2097-").replace("C", "W"))
    try:
        result = project.run("build")
    finally:
        wrong_clock.unlink()

    assert not result.ok
    assert f"file '{wrong_clock}': column 'order_ts', rule '{WRONG_CLOCK_RULE}'" in result.output
    after = project.query("select * from main.customer_features order by customer_id")
    pd.testing.assert_frame_equal(after, before)
    failed = project.query(
        'select "column", rule from quality.dq_validation_results'
        " where status = 'failed' and severity = 'critical'"
    )
    assert failed.to_dict("records") == [{"column": "order_ts", "rule": WRONG_CLOCK_RULE}]


def test_an_entity_almost_wholly_quarantined_stops_the_build_at_once(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project.raw_dir / "orders").mkdir()
    (project.raw_dir / "orders" / "cdnow_like.csv").write_text(purchase_history_1997())

    result = project.run("build", "--vars", "{raw_timestamp_floor: '2000-01-01'}")

    assert not result.ok
    assert (
        "commerce.orders: 20 of 20 rows (100%) quarantined, mostly 'order_ts: before the floor"
        " 2000-01-01' (20 rows): if these dates are real history, set var raw_timestamp_floor"
        " earlier" in result.output
    )
    assert "var raw_max_quarantined_share" in result.output
    # It stopped right after staging: the rows and reasons are there, nothing after them.
    assert project.scalar("select count(*) from staging.base_commerce__orders") == 20
    assert project.scalar("select count(*) from quality.quarantined_rows") == 20
    tables = project.query(
        "select table_schema || '.' || table_name as name from information_schema.tables"
    )
    built = set(tables["name"])
    assert "main.fct_orders" not in built and "main.customer_features" not in built
    assert re.search(r"stg_commerce__orders", result.output)
    assert json.loads(project.scalar("select raw_values from quality.quarantined_rows limit 1"))[
        "order_ts"
    ].startswith("1997-")


def test_as_of_date_is_never_later_than_the_latest_load(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    # Five hours ahead of this load: within raw_max_future_minutes (a local time exported
    # without its offset, say), so the order is staged; the features must not move there.
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(hours=5)
    (project.raw_dir / "orders").mkdir()
    (project.raw_dir / "orders" / "orders.csv").write_text(
        "order_id,customer_id,order_ts,total_amount\n"
        f"1,C1,2025-01-10T09:00:00Z,10\n2,C2,{soon:%Y-%m-%dT%H:%M:%S}Z,20\n"
    )
    project.build("--select", "+int_as_of_date_resolved")
    assert project.scalar("select count(*) from staging.stg_commerce__orders") == 2
    resolved = project.query("select * from intermediate.int_as_of_date_resolved").iloc[0]
    loaded = project.scalar("select max(first_loaded_at) from audit.raw_file_loads")
    assert resolved.as_of_at == loaded < soon.replace(tzinfo=None)
    assert str(resolved.as_of_date)[:10] == f"{loaded:%Y-%m-%d}"
